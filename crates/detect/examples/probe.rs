//! Prints what the scanner finds in each argument.

fn main() {
    let s = privaudit_detect::Scanner::new();
    for a in std::env::args().skip(1) {
        println!("{a:?} -> {:?}", s.scan_vec(&a));
    }
}
