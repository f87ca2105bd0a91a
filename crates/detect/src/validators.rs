//! Checksums and decoders that confirm a candidate: Luhn, IBAN mod-97, base64url, entropy.

/// Luhn check over the ASCII digits of `s`, ignoring every other byte.
pub fn luhn(s: &str) -> bool {
    let mut sum = 0u32;
    let mut double = false;
    let mut n = 0;
    for b in s.bytes().rev().filter(u8::is_ascii_digit) {
        let mut d = u32::from(b - b'0');
        if double {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
        double = !double;
        n += 1;
    }
    n > 1 && sum.is_multiple_of(10)
}

/// Length of the IBAN of each country (ISO 13616 registry).
const IBAN_LENGTHS: &[(&[u8; 2], usize)] = &[
    (b"AD", 24),
    (b"AE", 23),
    (b"AL", 28),
    (b"AT", 20),
    (b"AZ", 28),
    (b"BA", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"BH", 22),
    (b"BI", 27),
    (b"BR", 29),
    (b"BY", 28),
    (b"CH", 21),
    (b"CR", 22),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DJ", 27),
    (b"DK", 18),
    (b"DO", 28),
    (b"EE", 20),
    (b"EG", 29),
    (b"ES", 24),
    (b"FI", 18),
    (b"FK", 18),
    (b"FO", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GE", 22),
    (b"GI", 23),
    (b"GL", 18),
    (b"GR", 27),
    (b"GT", 28),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IL", 23),
    (b"IQ", 23),
    (b"IS", 26),
    (b"IT", 27),
    (b"JO", 30),
    (b"KW", 30),
    (b"KZ", 20),
    (b"LB", 28),
    (b"LC", 32),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"LY", 25),
    (b"MC", 27),
    (b"MD", 24),
    (b"ME", 22),
    (b"MK", 19),
    (b"MN", 20),
    (b"MR", 27),
    (b"MT", 31),
    (b"MU", 30),
    (b"NI", 28),
    (b"NL", 18),
    (b"NO", 15),
    (b"OM", 23),
    (b"PK", 24),
    (b"PL", 28),
    (b"PS", 29),
    (b"PT", 25),
    (b"QA", 29),
    (b"RO", 24),
    (b"RS", 22),
    (b"RU", 33),
    (b"SA", 24),
    (b"SC", 31),
    (b"SD", 18),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"SO", 23),
    (b"ST", 25),
    (b"SV", 28),
    (b"TL", 23),
    (b"TN", 24),
    (b"TR", 26),
    (b"UA", 29),
    (b"VA", 22),
    (b"VG", 24),
    (b"XK", 20),
    (b"YE", 30),
];

/// Whether `compact` (letters and digits only, no spaces) is a valid IBAN: known country,
/// that country's length, check digits and mod-97.
pub fn iban(compact: &[u8]) -> bool {
    if compact.len() < 15 || compact.len() > 34 {
        return false;
    }
    let country = [compact[0], compact[1]];
    let Some(&(_, len)) = IBAN_LENGTHS.iter().find(|(c, _)| **c == country) else {
        return false;
    };
    if compact.len() != len || !compact[2].is_ascii_digit() || !compact[3].is_ascii_digit() {
        return false;
    }
    let mut rem: u32 = 0;
    let rotated = compact[4..].iter().chain(&compact[..4]);
    for &b in rotated {
        match b {
            b'0'..=b'9' => rem = (rem * 10 + u32::from(b - b'0')) % 97,
            b'A'..=b'Z' => rem = (rem * 100 + u32::from(b - b'A' + 10)) % 97,
            _ => return false,
        }
    }
    rem == 1
}

/// Shannon entropy of the bytes of `s`, in bits per byte.
pub fn entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u16; 256];
    for &b in s {
        counts[b as usize] = counts[b as usize].saturating_add(1);
    }
    let len = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_known_test_numbers_and_rejects_altered_ones() {
        // Issuer test numbers published for integration testing.
        for ok in [
            "4111111111111111",
            "5555555555554444",
            "378282246310005",
            "6011111111111117",
            "4012888888881881",
        ] {
            assert!(luhn(ok), "{ok}");
            let mut altered = ok.as_bytes().to_vec();
            let last = altered.len() - 1;
            altered[last] = if altered[last] == b'9' {
                b'0'
            } else {
                altered[last] + 1
            };
            assert!(
                !luhn(std::str::from_utf8(&altered).unwrap()),
                "{ok} altered"
            );
        }
    }

    #[test]
    fn iban_accepts_registry_examples_and_rejects_altered_ones() {
        for ok in [
            "DE89370400440532013000",
            "GB82WEST12345698765432",
            "NL91ABNA0417164300",
            "FR1420041010050500013M02606",
            "NO9386011117947",
        ] {
            assert!(iban(ok.as_bytes()), "{ok}");
            let mut altered = ok.as_bytes().to_vec();
            altered[2] = if altered[2] == b'9' {
                b'0'
            } else {
                altered[2] + 1
            };
            assert!(!iban(&altered), "{ok} altered");
        }
        assert!(!iban(b"XX89370400440532013000"));
        assert!(!iban(b"DE8937040044053201300"));
    }

    #[test]
    fn entropy_orders_random_above_repetitive() {
        assert!(entropy(b"aaaaaaaaaaaaaaaa") < 0.01);
        assert!(entropy(b"Xk9mQ2vL7pR4tW8zN3bH6cJ1") > 4.0);
    }
}
