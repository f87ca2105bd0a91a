//! Prints every match in each argument, for poking at the detectors by hand.
fn main() {
    let scanner = privaudit_detect::Scanner::new();
    for arg in std::env::args().skip(1) {
        println!("{arg:?}");
        for m in scanner.scan_vec(&arg) {
            println!(
                "  {:<12} {:<7} {:<18} {:?}",
                m.category.as_str(),
                m.confidence.as_str(),
                m.kind,
                &arg[m.span.clone()]
            );
        }
    }
}
