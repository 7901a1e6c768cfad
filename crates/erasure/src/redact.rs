//! Vendor text made safe to show: a vendor's error excerpt or request id reaches a receipt or the
//! terminal only through [`printable`] (no control or invisible character: an ESC or BEL sequence
//! from a body cannot drive the terminal, a bidi control cannot reorder a line) and, unless ids
//! are revealed, [`Redactor::redact`] (the step's vendor ids removed in every form a vendor may
//! echo them: as sent, in another letter case, JSON `\u` escaped, percent-encoded, as HTML
//! character references, form-encoded spaces, two such layers deep, and cut off at the end of an
//! excerpt).

use crate::hashing::IdHasher;
use crate::vendor::Vendor;

/// `text` with every control character, invisible character (zero-width, bidi controls, blank
/// fillers) and line or paragraph separator replaced by U+FFFD, and tabs and line breaks by a
/// space.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c if c.is_control() || is_invisible(c) => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// Whether `c` prints as nothing, or as a line break the csv reader does not see: Unicode format
/// characters (category Cf: zero-width spaces and joiners, byte order marks, bidirectional
/// controls, soft hyphens, tags), Unicode's other default-ignorable code points (Hangul fillers,
/// the combining grapheme joiner, variation selectors: `Default_Ignorable_Code_Point` outside
/// Cf), and the line and paragraph separators.
pub(crate) fn is_invisible(c: char) -> bool {
    use unicode_general_category::{GeneralCategory, get_general_category};
    matches!(
        get_general_category(c),
        GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    ) || matches!(
        c,
        '\u{034f}'
            | '\u{115f}'..='\u{1160}'
            | '\u{17b4}'..='\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{2065}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{ffa0}'
            | '\u{fff0}'..='\u{fff8}'
            | '\u{e0000}'..='\u{e0fff}'
    )
}

/// Removes a step's vendor ids from vendor text, each replaced by its salted hash.
#[derive(Debug)]
pub struct Redactor<'a> {
    hasher: &'a IdHasher,
    ids: Vec<(Vendor, &'a str)>,
}

/// The fewest characters of an id that, cut off at the end of an excerpt, are removed.
const MIN_CUT_CHARS: usize = 3;

impl<'a> Redactor<'a> {
    /// A redactor of `ids`, replacing each by `hasher`'s hash of it.
    pub fn new(hasher: &'a IdHasher, ids: Vec<(Vendor, &'a str)>) -> Self {
        Redactor { hasher, ids }
    }

    /// `text`, printable, with every form of the ids replaced by their hashes.
    pub fn redact(&self, text: &str) -> String {
        printable(&self.remove_ids(text))
    }

    fn remove_ids(&self, text: &str) -> String {
        let units = decoded(text);
        let folded: Vec<char> = units.iter().map(|unit| unit.c).collect();
        // Byte ranges of `text` to replace, with the hash that replaces each.
        let mut found: Vec<(usize, usize, String)> = Vec::new();
        for &(vendor, id) in &self.ids {
            let needle = fold_id(id);
            if needle.is_empty() {
                continue;
            }
            let hash = self.hasher.hash(vendor, id);
            let mut at = 0;
            while at + needle.len() <= folded.len() {
                if folded[at..at + needle.len()] == needle[..] {
                    let end = at + needle.len();
                    found.push((units[at].start, units[end - 1].end, hash.clone()));
                    at = end;
                } else {
                    at += 1;
                }
            }
            // An excerpt cut off inside the id ends with its first characters (then `…`).
            let tail = folded
                .iter()
                .rposition(|c| !matches!(c, '…' | '.' | ' '))
                .map_or(0, |last| last + 1);
            let longest = needle.len().saturating_sub(1).min(tail);
            for length in (MIN_CUT_CHARS.min(needle.len())..=longest).rev() {
                if folded[tail - length..tail] == needle[..length] {
                    found.push((
                        units[tail - length].start,
                        units[tail - 1].end,
                        hash.clone(),
                    ));
                    break;
                }
            }
        }
        found.sort_by_key(|(start, end, _)| (*start, std::cmp::Reverse(*end)));
        let mut out = String::with_capacity(text.len());
        let mut copied_to = 0;
        for (start, end, hash) in found {
            if start < copied_to {
                // Inside a range already replaced: extend it if it reaches further.
                copied_to = copied_to.max(end);
                continue;
            }
            out.push_str(&text[copied_to..start]);
            out.push_str(&hash);
            copied_to = end;
        }
        out.push_str(&text[copied_to..]);
        out
    }
}

/// One character of text being decoded (folded, as [`decoded`] hands it on) and the bytes of the
/// original text it came from.
#[derive(Debug, Clone, Copy)]
struct Unit {
    c: char,
    start: usize,
    end: usize,
}

/// How characters compare: lowercase, and every kind of space (and `+`, a form-encoded space)
/// as one space.
fn fold(c: char) -> impl Iterator<Item = char> {
    let c = if c == '+' || c.is_whitespace() {
        ' '
    } else {
        c
    };
    c.to_lowercase()
}

/// The id as folded text, runs of spaces as one (a body excerpt joins whitespace runs).
fn fold_id(id: &str) -> Vec<char> {
    let mut folded: Vec<char> = id.chars().flat_map(fold).collect();
    folded.dedup_by(|c, before| *c == ' ' && *before == ' ');
    folded
}

/// `text` decoded two layers deep (a percent-encoded id inside a JSON string, say), each
/// character folded and mapped back to the bytes of `text` it came from.
fn decoded(text: &str) -> Vec<Unit> {
    let chars: Vec<Unit> = text
        .char_indices()
        .map(|(start, c)| Unit {
            c,
            start,
            end: start + c.len_utf8(),
        })
        .collect();
    decode_layer(&decode_layer(&chars))
        .into_iter()
        .flat_map(|Unit { c, start, end }| fold(c).map(move |c| Unit { c, start, end }))
        .collect()
}

/// One layer of decoding: JSON escapes (`\uXXXX`, surrogate pairs, `\/`, `\"`, `\\`),
/// percent-encoded UTF-8 and HTML character references. Each character spans the text it was
/// decoded from; what does not decode stands for itself.
fn decode_layer(text: &[Unit]) -> Vec<Unit> {
    let chars: Vec<char> = text.iter().map(|unit| unit.c).collect();
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    while at < chars.len() {
        let rest = &chars[at..];
        let (c, length) = json_escape(rest)
            .or_else(|| percent_encoded(rest))
            .or_else(|| html_reference(rest))
            .unwrap_or((rest[0], 1));
        let (start, end) = (text[at].start, text[at + length - 1].end);
        out.push(Unit { c, start, end });
        at += length;
    }
    out
}

fn json_escape(text: &[char]) -> Option<(char, usize)> {
    let hex4 = |at: usize| {
        let digits = text.get(at..at + 4)?;
        digits
            .iter()
            .try_fold(0, |value, c| Some(value * 16 + c.to_digit(16)?))
    };
    match text {
        ['\\', c @ ('/' | '"' | '\\'), ..] => Some((*c, 2)),
        ['\\', 'u' | 'U', ..] => {
            let high = hex4(2)?;
            if (0xD800..0xDC00).contains(&high) {
                let low = match text.get(6..8)? {
                    ['\\', 'u' | 'U'] => hex4(8)?,
                    _ => return None,
                };
                if !(0xDC00..0xE000).contains(&low) {
                    return None;
                }
                let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                return char::from_u32(code).map(|c| (c, 12));
            }
            char::from_u32(high).map(|c| (c, 6))
        }
        _ => None,
    }
}

fn percent_byte(text: &[char], at: usize) -> Option<u8> {
    match text.get(at..at + 3)? {
        ['%', digits @ ..] => u8::from_str_radix(&String::from_iter(digits), 16).ok(),
        _ => None,
    }
}

/// A percent-encoded character: one `%XX` for ASCII, as many as its UTF-8 bytes otherwise.
fn percent_encoded(text: &[char]) -> Option<(char, usize)> {
    let count = match percent_byte(text, 0)? {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => return None,
    };
    let utf8: Vec<u8> = (0..count)
        .map(|index| percent_byte(text, 3 * index))
        .collect::<Option<_>>()?;
    let c = std::str::from_utf8(&utf8).ok()?.chars().next()?;
    Some((c, 3 * count))
}

fn html_reference(text: &[char]) -> Option<(char, usize)> {
    let rest = text.strip_prefix(&['&'])?;
    // The longest reference read is `#x10FFFF`.
    let end = rest.iter().take(9).position(|&c| c == ';')?;
    let name = String::from_iter(&rest[..end]);
    let c = if let Some(number) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
        char::from_u32(u32::from_str_radix(number, 16).ok()?)?
    } else if let Some(number) = name.strip_prefix('#') {
        char::from_u32(number.parse().ok()?)?
    } else {
        match name.as_str() {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "commat" => '@',
            "period" => '.',
            "plus" => '+',
            "lowbar" => '_',
            "hyphen" | "dash" => '-',
            _ => return None,
        }
    };
    Some((c, end + 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "Jane.Doe+px@example.test";

    fn redact(text: &str) -> String {
        let hasher = IdHasher::new(b"salt");
        Redactor::new(&hasher, vec![(Vendor::GainsightPx, ID)]).redact(text)
    }

    fn hash() -> String {
        IdHasher::new(b"salt").hash(Vendor::GainsightPx, ID)
    }

    #[test]
    fn the_id_goes_in_every_form_a_vendor_may_echo() {
        let escaped_all: String = ID.chars().map(|c| format!("\\u{:04X}", c as u32)).collect();
        let percent_all: String = ID.bytes().map(|b| format!("%{b:02x}")).collect();
        let forms = [
            ID.to_string(),
            ID.to_uppercase(),
            ID.to_lowercase(),
            "jane.doe+PX\\u0040example.test".to_string(),
            "Jane.Doe%2Bpx%40example.test".to_string(),
            "Jane.Doe%2bpx%40Example.Test".to_string(),
            escaped_all,
            percent_all,
            "Jane.Doe&#43;px&#x40;example&period;test".to_string(),
            "Jane.Doe+px&commat;example.test".to_string(),
            // Percent-encoded inside a JSON escape, and JSON-escaped percent.
            "Jane.Doe%2Bpx\\u002540example.test".to_string(),
        ];
        for form in forms {
            let body =
                format!("{{\"error\":\"no user '{form}' here\",\"request\":\"/users/{form}\"}}");
            let shown = redact(&body);
            assert!(
                !shown.to_lowercase().contains("jane") && !shown.to_lowercase().contains("example"),
                "{form}: {shown}"
            );
            assert_eq!(shown.matches(&hash()).count(), 2, "{form}: {shown}");
            assert!(shown.starts_with("{\"error\":\"no user '"), "{shown}");
        }
    }

    #[test]
    fn an_id_cut_off_at_the_end_of_an_excerpt_goes_too() {
        let shown = redact("{\"message\":\"unknown user Jane.Doe+px@exa…");
        assert!(!shown.contains("Jane"), "{shown}");
        assert!(
            shown.ends_with(&format!("unknown user {}…", hash())),
            "{shown}"
        );
        // Text that merely ends like any word is left alone.
        assert_eq!(redact("all fine"), "all fine");
    }

    #[test]
    fn control_and_invisible_characters_never_pass() {
        let shown =
            redact("\u{1b}[2J\u{1b}]0;owned\u{7}boom\u{9b}31m \u{202e}evil\u{200b}\r\nnext");
        assert!(
            !shown
                .chars()
                .any(|c| c.is_control() || ['\u{202e}', '\u{200b}'].contains(&c)),
            "{shown:?}"
        );
        assert!(
            shown.contains("boom") && shown.contains("next"),
            "{shown:?}"
        );
        assert_eq!(printable("a\tb"), "a b");
    }

    #[test]
    fn other_text_is_kept_as_it_was() {
        let text = "{\"code\":40404,\"message\":\"Profile not found: 100% sure &c\"}";
        assert_eq!(redact(text), text);
    }
}
