//! Markdown text built from spec strings, safe to hand to Redoc's renderer (Markdoc, on
//! markdown-it).
//!
//! Spec text is hostile until checked: a vendor message may hold `|`, `*` or `<`, and an authored
//! description may hold `<uuid>` in running text, which Markdoc would take for an HTML tag and
//! hide, or `{% … %}`, which it would run as one of its own tags. Two escapes cover it:
//! [`verbatim`] for text that must show exactly as written (vendor messages), and
//! [`authored`] for descriptions, which stay Markdown but lose raw HTML and Markdoc tags.

/// Text that renders exactly as given: every ASCII punctuation character is backslash-escaped
/// (CommonMark allows an escape before any of them), and line breaks become spaces so the text
/// stays inside one table cell.
pub fn verbatim(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for c in single_line(text).chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// An authored description, kept as Markdown (emphasis, code spans, links), with `<` and `{%`
/// escaped outside code spans so that neither raw HTML nor a Markdoc tag reaches the page. An
/// escape the author already wrote (`\<`) is kept as it is.
pub fn authored(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        if c == '\\' && chars.get(index + 1).is_some_and(char::is_ascii_punctuation) {
            out.push(c);
            out.push(chars[index + 1]);
            index += 2;
            continue;
        }
        if c == '`' {
            // A code span is copied whole, up to the end of its closing run; an unmatched run is
            // literal text, copied alone.
            let run = backtick_run(&chars, index);
            let end = closing_run(&chars, index + run, run).unwrap_or(index) + run;
            out.extend(&chars[index..end]);
            index = end;
            continue;
        }
        if c == '<' || (c == '{' && chars.get(index + 1) == Some(&'%')) {
            out.push('\\');
        }
        out.push(c);
        index += 1;
    }
    out
}

/// An authored description inside a table cell or a list item: [`authored`], on one line, with
/// `|` escaped (markdown-it honours `\|` inside code spans in a table too).
pub fn authored_inline(text: &str) -> String {
    authored(&single_line(text)).replace('|', "\\|")
}

/// A code span holding `text` verbatim (fenced with more backticks than `text` contains), for a
/// table cell: `|` is escaped and line breaks become spaces.
pub fn code(text: &str) -> String {
    let text = single_line(text);
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}").replace('|', "\\|")
}

/// A Markdown link to an `https` URL, or the URL as a code span when it is not one that can be
/// linked safely (another scheme, whitespace, or characters that would end the link).
pub fn link(label: &str, url: &str) -> String {
    let safe = url.starts_with("https://")
        && url
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '(' | ')' | '|' | '\\'));
    if safe {
        format!("[{}]({url})", verbatim(label))
    } else {
        code(url)
    }
}

fn single_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn backtick_run(chars: &[char], start: usize) -> usize {
    chars[start..].iter().take_while(|c| **c == '`').count()
}

/// Where the next run of exactly `length` backticks starts, from `from` on.
fn closing_run(chars: &[char], from: usize, length: usize) -> Option<usize> {
    let mut index = from;
    while index < chars.len() {
        if chars[index] == '`' {
            let run = backtick_run(chars, index);
            if run == length {
                return Some(index);
            }
            index += run;
        } else {
            index += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbatim_escapes_every_punctuation_character() {
        assert_eq!(
            verbatim("Client's IP | <b>*x*</b> {% tag %}\nnext"),
            "Client\\'s IP \\| \\<b\\>\\*x\\*\\<\\/b\\> \\{\\% tag \\%\\} next"
        );
        assert_eq!(verbatim("plain text 4001"), "plain text 4001");
    }

    #[test]
    fn authored_text_keeps_markdown_but_not_html_or_markdoc_tags() {
        assert_eq!(
            authored("uuid: <uuid>, `Bearer <token>` and {% partial /%}"),
            "uuid: \\<uuid>, `Bearer <token>` and \\{% partial /%}"
        );
        // An escape already written stays one escape; an unmatched backtick is literal.
        assert_eq!(authored("a \\< b ` c < d"), "a \\< b ` c \\< d");
        // A double-backtick span may hold a single backtick.
        assert_eq!(authored("``a ` <b>`` <c>"), "``a ` <b>`` \\<c>");
    }

    #[test]
    fn table_cells_stay_on_one_line_and_escape_pipes() {
        assert_eq!(authored_inline("a |\n b `c|d`"), "a \\| b `c\\|d`");
        assert_eq!(code("/code"), "`/code`");
        assert_eq!(code("a`b|c"), "``a`b\\|c``");
        assert_eq!(code("`x"), "`` `x ``");
    }

    #[test]
    fn links_only_to_plain_https_urls() {
        assert_eq!(
            link("page", "https://docs.example.test/a_b"),
            "[page](https://docs.example.test/a_b)"
        );
        assert_eq!(link("page", "javascript:alert(1)"), "`javascript:alert(1)`");
        assert_eq!(
            link("page", "https://x.test/a) [y](z"),
            "`https://x.test/a) [y](z`"
        );
    }
}
