//! Natural-language sentences, told from labels, lists and machine messages by word shape
//! and function words.

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
    /// alone inside parentheses or square brackets, `function` when it is a function word.
    pub(crate) fn add(&mut self, t: &[u8], bracketed: bool, function: bool) {
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
        if function {
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

/// Whether `text` is written words rather than a code: two or more letters of a script
/// other than Latin (no report code is written in Cyrillic, Greek, Arabic, Hebrew, Chinese,
/// Japanese, Korean, ...), or two or more space-separated words of letters of which one has
/// three or more (`ask Piet`, `Hiroshi Tanaka`). A single Latin word, a token with digits,
/// `_`, `.` or `/` (`de_DE`, `x86_64`, `10.5.0.dev`) is a code.
pub fn is_words(text: &str) -> bool {
    // Nearly every code is one ASCII token: told by its bytes alone.
    if text.bytes().all(|b| b < 0x80 && !b.is_ascii_whitespace()) {
        return false;
    }
    let other_script = text
        .chars()
        .filter(|&c| c.is_alphabetic() && !latin(c))
        .take(2)
        .count();
    if other_script >= 2 {
        return true;
    }
    let mut words = 0;
    let mut long = false;
    for token in text.split_whitespace() {
        let letters = token.trim_end_matches(['.', ',', '!', '?', ':', ';']);
        if letters.is_empty()
            || !letters
                .chars()
                .all(|c| c.is_alphabetic() || c == '\'' || c == '-')
        {
            return false;
        }
        words += 1;
        long |= letters.chars().filter(|c| c.is_alphabetic()).count() >= 3;
    }
    words >= 2 && long
}

/// Latin script: ASCII letters and the Latin-1, Extended-A/B and Extended Additional blocks.
fn latin(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, '\u{c0}'..='\u{24f}' | '\u{1e00}'..='\u{1eff}')
}

#[cfg(test)]
mod tests {
    use super::is_words;
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

    #[test]
    fn words_are_told_from_codes() {
        for w in [
            "ask Piet",
            "zie Karin",
            "Hiroshi Tanaka",
            "数据库服务器在二楼",
            "Сервер находится в подвале",
            "Ο διακομιστής είναι στο υπόγειο",
            "الخادم في الطابق السفلي",
            "Россия",
        ] {
            assert!(is_words(w), "{w}");
        }
        for c in [
            "de_DE",
            "en-US",
            "NL",
            "pgsql",
            "x86_64",
            "Linux x86_64",
            "10.5.0.dev",
            "8.3.14",
            "unknown",
            "true",
            "Europe/Amsterdam",
            "nginx",
            "Apache",
            "deb_package",
            "E20",
            "Ü",
            "on",
        ] {
            assert!(!is_words(c), "{c}");
        }
    }
}
