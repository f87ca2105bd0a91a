//! Natural-language sentences, told from labels, lists and machine messages by word shape
//! and function words.

/// Short function words of the languages the products' users write in.
const FUNCTION_WORDS: &[&[u8]] = &[
    // en
    b"the", b"a", b"an", b"of", b"to", b"in", b"is", b"are", b"was", b"for", b"and", b"or", b"not",
    b"with", b"on", b"at", b"from", b"by", b"this", b"that", b"be", b"please", b"before", b"after",
    b"we", b"you", b"our", b"your", b"it", b"has", b"have", b"will", b"can", b"do", b"if", b"my",
    b"his", b"her", b"who", // de
    b"der", b"die", b"das", b"und", b"ist", b"nicht", b"mit", b"bitte", b"vor", b"den", b"ein",
    b"eine", b"im", b"auf", b"zu", b"sich", b"wer", b"wird", // nl
    b"de", b"het", b"een", b"van", b"en", b"niet", b"voor", b"op", b"bij", b"te", b"zijn", b"wie",
    b"hier", b"met", b"is", // fr, es, it, pt
    b"le", b"la", b"les", b"et", b"est", b"pas", b"des", b"pour", b"el", b"los", b"las", b"y",
    b"es", b"para", b"con", b"no", b"por", b"il", b"di", b"per", b"che", b"non", b"da", b"em",
    b"um", b"uma", b"se", // pl, cs
    b"nie", b"w", b"na", b"do", b"i", b"jest", b"z", b"je",
];

/// Running word counts over the tokens of one string.
#[derive(Default)]
pub(crate) struct Words {
    tokens: u32,
    words: u32,
    long_words: u32,
    function: u32,
    technical: u32,
}

impl Words {
    /// Counts one token (already trimmed of trailing punctuation); `bracketed` when it sits
    /// alone inside parentheses or square brackets.
    pub(crate) fn add(&mut self, t: &[u8], bracketed: bool) {
        self.tokens += 1;
        let alphabetic = t.iter().all(|&b| b.is_ascii_alphabetic() || b >= 0x80);
        if t.len() <= 4 && t.iter().all(u8::is_ascii_digit) && !bracketed {
            // "room 2", "after 5": neither a word nor a machine mark.
            self.tokens -= 1;
            return;
        }
        if !alphabetic {
            // Digits, dotted names, `key:`, paths: the marks of a machine message.
            let hyphenated = t
                .iter()
                .all(|&b| b.is_ascii_alphabetic() || b >= 0x80 || b == b'-');
            if !hyphenated {
                self.technical += 1;
            }
            return;
        }
        self.words += 1;
        if t.len() >= 3 {
            self.long_words += 1;
        }
        if t.len() <= 6 && FUNCTION_WORDS.iter().any(|w| super::eq_lower(t, w)) {
            self.function += 1;
        }
    }

    /// Whether the counted tokens read as a sentence a person wrote: enough words, mostly
    /// alphabetic, with function words, and nothing that marks a machine message.
    pub(crate) fn is_sentence(&self) -> bool {
        self.tokens >= 6
            && self.words * 10 >= self.tokens * 8
            && self.long_words >= 4
            && self.function >= 2
            && self.technical == 0
    }
}

#[cfg(test)]
mod tests {
    use crate::{Category, Scanner};

    fn is_text(s: &str) -> bool {
        Scanner::new()
            .scan_vec(s)
            .iter()
            .any(|m| m.category == Category::FreeText)
    }

    #[test]
    fn sentences_in_several_languages() {
        assert!(is_text(
            "Please do not book this room before the renovation is done"
        ));
        assert!(is_text(
            "Bitte den Raum nicht vor der Renovierung buchen, danke sehr"
        ));
        assert!(is_text(
            "Deze kamer is niet beschikbaar voor de vergadering van morgen"
        ));
    }

    #[test]
    fn labels_lists_and_machine_messages_are_not_sentences() {
        for s in [
            "Number of active users",
            "read,write,delete,share",
            "curl: (28) Operation timed out after 5001 milliseconds with 0 bytes received",
            "E: Unable to locate package php8.3-fpm in the repository list",
            "Debian GNU/Linux 12 (bookworm)",
        ] {
            assert!(!is_text(s), "{s}");
        }
    }
}
