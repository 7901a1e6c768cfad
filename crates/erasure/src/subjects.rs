//! The subjects file: CSV with the header `subject,attestr_profile_id,trust_uuid,
//! gainsight_px_identify_id`, one data subject a row. The whole file is checked before anything
//! runs; every bad row is reported with its line number, and a value from the file is never
//! repeated in a message (it may be personal).

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::Path;

use crate::vendor::{ErasureFacts, Vendor};

/// The column holding the caller's own reference for the subject (a ticket number, say).
pub const SUBJECT_COLUMN: &str = "subject";
/// The largest subjects file read, in bytes.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;
/// The longest value accepted in any column, in characters.
pub const MAX_VALUE_CHARS: usize = 512;
/// The most subjects one file may hold.
pub const MAX_SUBJECTS: usize = 1_000_000;
/// Past this many bad rows, the rest are counted, not listed.
const MAX_LISTED_ERRORS: usize = 50;

/// One data subject and their id at each vendor that holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// The caller's own reference, unique in the file.
    pub reference: String,
    /// The line of the file the row starts on.
    pub line: u64,
    /// The subject's id at each vendor named in the row, in [`Vendor::ALL`] order. Trust uuids
    /// are in their lowercase hyphenated form.
    pub ids: Vec<(Vendor, String)>,
}

impl Subject {
    /// The subject's id at `vendor`, if the row names one.
    pub fn id(&self, vendor: Vendor) -> Option<&str> {
        self.ids
            .iter()
            .find(|(candidate, _)| *candidate == vendor)
            .map(|(_, id)| id.as_str())
    }
}

/// A problem with one row (or the header, line 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The line the row starts on.
    pub line: u64,
    /// The column at fault, when one is.
    pub column: Option<&'static str>,
    /// What is wrong, without the value itself.
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(column) => write!(f, "line {}: {column}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// Why a subjects file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SubjectsError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file as given.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_FILE_BYTES`].
    #[error("{path}: larger than {MAX_FILE_BYTES} bytes")]
    TooLarge {
        /// The file as given.
        path: String,
    },
    /// Rows that cannot be used; nothing runs.
    #[error("{}", list_rows(.path, .errors, *.unlisted))]
    Rows {
        /// The file as given.
        path: String,
        /// The first bad rows, in file order.
        errors: Vec<RowError>,
        /// Bad rows found beyond those listed.
        unlisted: usize,
    },
}

fn list_rows(path: &str, errors: &[RowError], unlisted: usize) -> String {
    let mut text = format!(
        "{path}: {} bad row(s); nothing was run",
        errors.len() + unlisted
    );
    for error in errors {
        text.push_str(&format!("\n  {error}"));
    }
    if unlisted > 0 {
        text.push_str(&format!("\n  … and {unlisted} more"));
    }
    text
}

/// Reads and checks a subjects file.
pub fn read_subjects(path: &Path) -> Result<Vec<Subject>, SubjectsError> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| SubjectsError::Read {
        path: shown.clone(),
        source,
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| SubjectsError::Read {
            path: shown.clone(),
            source,
        })?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(SubjectsError::TooLarge { path: shown });
    }
    parse_subjects(&bytes).map_err(|(errors, unlisted)| SubjectsError::Rows {
        path: shown,
        errors,
        unlisted,
    })
}

/// Collects row errors, listing the first [`MAX_LISTED_ERRORS`].
#[derive(Default)]
struct Problems {
    listed: Vec<RowError>,
    unlisted: usize,
}

impl Problems {
    fn push(&mut self, line: u64, column: Option<&'static str>, message: impl Into<String>) {
        if self.listed.len() < MAX_LISTED_ERRORS {
            self.listed.push(RowError {
                line,
                column,
                message: message.into(),
            });
        } else {
            self.unlisted += 1;
        }
    }
}

/// Checks the bytes of a subjects file. On failure, returns the listed errors and how many more
/// there were.
pub fn parse_subjects(bytes: &[u8]) -> Result<Vec<Subject>, (Vec<RowError>, usize)> {
    // Spreadsheet programs write a UTF-8 byte order mark; it is not part of the first column.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut problems = Problems::default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let columns = match read_header(&mut reader) {
        Ok(columns) => columns,
        Err(message) => {
            problems.push(1, None, message);
            return Err((problems.listed, problems.unlisted));
        }
    };

    let mut lines = LineCounter::new(bytes);
    let mut subjects = Vec::new();
    // Repeats are found by digest, not by a second copy of every value (a million subjects).
    let mut seen: HashMap<[u8; 16], u32> = HashMap::new();
    for record in reader.byte_records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error
                    .position()
                    .map_or(0, |position| lines.line_at(position.byte()));
                let message = match error.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => {
                        format!("{len} field(s) where the header has {expected_len}")
                    }
                    _ => "not a readable CSV record".to_string(),
                };
                problems.push(line, None, message);
                if matches!(error.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        };
        let line = record
            .position()
            .map_or(0, |position| lines.line_at(position.byte()));
        if subjects.len() >= MAX_SUBJECTS {
            problems.push(
                line,
                None,
                format!("more than {MAX_SUBJECTS} subjects; split the file"),
            );
            break;
        }
        let mut field = |column: &'static str, index: usize| -> Option<String> {
            checked_value(record.get(index).unwrap_or_default())
                .map_err(|message| problems.push(line, Some(column), message))
                .ok()
        };

        let reference = field(SUBJECT_COLUMN, columns.subject);
        let values: Vec<(Vendor, Option<String>)> = columns
            .vendors
            .iter()
            .map(|&(vendor, index)| (vendor, field(vendor.column(), index)))
            .collect();
        let mut ids = Vec::new();
        let mut row_ok = reference.is_some();
        for (vendor, value) in values {
            match value {
                None => row_ok = false,
                Some(value) if value.is_empty() => {}
                Some(value) => match checked_id(vendor, &value) {
                    Ok(id) => ids.push((vendor, id)),
                    Err(message) => {
                        problems.push(line, Some(vendor.column()), message);
                        row_ok = false;
                    }
                },
            }
        }
        let Some(reference) = reference.filter(|_| row_ok) else {
            continue;
        };
        if reference.is_empty() {
            problems.push(line, Some(SUBJECT_COLUMN), "is empty");
            continue;
        }
        if ids.is_empty() {
            problems.push(
                line,
                None,
                "names no vendor id: fill at least one of attestr_profile_id, trust_uuid, \
                 gainsight_px_identify_id",
            );
            continue;
        }
        let mut duplicate = false;
        if let Some(first) = first_line(&mut seen, SUBJECT_COLUMN, &reference, line) {
            problems.push(
                line,
                Some(SUBJECT_COLUMN),
                format!("the same subject as line {first}"),
            );
            duplicate = true;
        }
        for (vendor, id) in &ids {
            if let Some(first) = first_line(&mut seen, vendor.column(), id, line) {
                problems.push(
                    line,
                    Some(vendor.column()),
                    format!("the same id as line {first}"),
                );
                duplicate = true;
            }
        }
        if !duplicate {
            subjects.push(Subject {
                reference,
                line,
                ids,
            });
        }
    }
    if subjects.is_empty() && problems.listed.is_empty() {
        problems.push(1, None, "the file has a header but no subjects");
    }
    if problems.listed.is_empty() {
        Ok(subjects)
    } else {
        Err((problems.listed, problems.unlisted))
    }
}

/// The line where `value` was first seen in `column`, or `None` when this is the first time (it
/// is then recorded at `line`). Values are told apart by the first 128 bits of the SHA-256 of
/// column and value: two different values share them with a chance of about 2^-128 a pair, and
/// would then be refused as a repeat, never merged.
fn first_line(
    seen: &mut HashMap<[u8; 16], u32>,
    column: &str,
    value: &str,
    line: u64,
) -> Option<u64> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(column.as_bytes());
    hasher.update([0]);
    hasher.update(value.as_bytes());
    let digest = hasher.finalize();
    let mut key = [0_u8; 16];
    key.copy_from_slice(&digest[..16]);
    // Byte arrays and a 32-bit line keep an entry at 20 bytes (a u128 key would align it to 32);
    // a file of at most MAX_FILE_BYTES has fewer lines than u32::MAX.
    match seen.entry(key) {
        std::collections::hash_map::Entry::Occupied(first) => Some(u64::from(*first.get())),
        std::collections::hash_map::Entry::Vacant(slot) => {
            slot.insert(u32::try_from(line).unwrap_or(u32::MAX));
            None
        }
    }
}

/// A field's text, or why it cannot be used (without repeating it).
fn checked_value(raw: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(raw).map_err(|_| "not valid UTF-8".to_string())?;
    if text.chars().count() > MAX_VALUE_CHARS {
        return Err(format!("longer than {MAX_VALUE_CHARS} characters"));
    }
    if text.chars().any(char::is_control) {
        return Err("contains a control character".to_string());
    }
    if text.chars().any(is_invisible) {
        return Err(
            "contains an invisible character (a zero-width space, a byte order mark, a \
             direction mark or another Unicode format character, or a line separator); \
             retype the value"
                .to_string(),
        );
    }
    if text.trim() != text {
        return Err(
            "starts or ends with spaces (ids are matched exactly; remove them)".to_string(),
        );
    }
    Ok(text.to_string())
}

/// Whether `c` prints as nothing, or as a line break the csv reader does not see: Unicode format
/// characters (category Cf: zero-width spaces and joiners, byte order marks, bidirectional
/// controls, soft hyphens, tags) and the line and paragraph separators. A value holding one looks
/// like another value but is not matched by the vendor as it.
fn is_invisible(c: char) -> bool {
    use unicode_general_category::{GeneralCategory, get_general_category};
    matches!(
        get_general_category(c),
        GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    )
}

/// The line of the file a byte offset is on, counted here because the csv crate's own count
/// lags behind with CRLF and stays at 1 with CR-only line endings. A line ends at LF, CRLF or a
/// lone CR (the endings the csv reader itself accepts). Offsets are asked for in increasing
/// order, so the whole file is scanned once.
struct LineCounter<'a> {
    bytes: &'a [u8],
    /// Bytes before this offset are counted.
    counted_to: usize,
    /// The line `counted_to` is on.
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            counted_to: 0,
            line: 1,
        }
    }

    /// The line the record the reader places at `offset` starts on; `offset` is at least the last
    /// one asked for.
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut offset = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        // The reader may place a record at the line ending before it (the LF of a CRLF) or at
        // blank lines it skips; a record never starts with a line ending.
        while matches!(self.bytes.get(offset), Some(b'\r' | b'\n')) {
            offset += 1;
        }
        while self.counted_to < offset {
            let at = self.counted_to;
            match self.bytes[at] {
                b'\n' => self.line += 1,
                // A CR followed by LF is one line ending: the LF counts it.
                b'\r' if self.bytes.get(at + 1) != Some(&b'\n') => self.line += 1,
                _ => {}
            }
            self.counted_to += 1;
        }
        self.line
    }
}

/// Where each column sits.
struct Columns {
    subject: usize,
    vendors: Vec<(Vendor, usize)>,
}

fn read_header(reader: &mut csv::Reader<&[u8]>) -> Result<Columns, String> {
    let expected = format!(
        "the header must be `{SUBJECT_COLUMN},{}`",
        Vendor::ALL.map(Vendor::column).join(",")
    );
    let header = reader
        .byte_headers()
        .map_err(|_| format!("not a readable CSV header; {expected}"))?
        .clone();
    if header.is_empty() {
        return Err(format!("the file is empty; {expected}"));
    }
    let names: Vec<&str> = header
        .iter()
        .map(|name| std::str::from_utf8(name).unwrap_or("\u{fffd}"))
        .collect();
    let position = |wanted: &str| -> Result<usize, String> {
        let mut found = names
            .iter()
            .enumerate()
            .filter(|(_, name)| **name == wanted);
        match (found.next(), found.next()) {
            (Some((index, _)), None) => Ok(index),
            (None, _) => Err(format!("no `{wanted}` column; {expected}")),
            (Some(_), Some(_)) => Err(format!("the `{wanted}` column appears twice")),
        }
    };
    let subject = position(SUBJECT_COLUMN)?;
    let vendors = Vendor::ALL
        .into_iter()
        .map(|vendor| position(vendor.column()).map(|index| (vendor, index)))
        .collect::<Result<Vec<_>, _>>()?;
    if names.len() != 1 + vendors.len() {
        return Err(format!("{} columns; {expected}", names.len()));
    }
    Ok(Columns { subject, vendors })
}

/// The id as the journal keeps it, or why it cannot be sent to the vendor.
fn checked_id(vendor: Vendor, id: &str) -> Result<String, String> {
    match vendor {
        Vendor::Attestr => vendor_runtime::__private::check_params(
            attestr::OPERATIONS,
            "archive_profile",
            &[("profileId", id)],
        )
        .map(|()| id.to_string())
        .map_err(|_| {
            "cannot be sent as Attestr's profile id (it would change the request's route)"
                .to_string()
        }),
        Vendor::Trust => uuid::Uuid::try_parse(id)
            .map(|uuid| uuid.hyphenated().to_string())
            .map_err(|_| "not a UUID (8-4-4-4-12 hexadecimal digits)".to_string()),
        // Any id goes: one that cannot be a path segment goes in the body (the vendor's variant
        // "for ids with special characters").
        Vendor::GainsightPx => Ok(id.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "subject,attestr_profile_id,trust_uuid,gainsight_px_identify_id\n";

    fn parse(body: &str) -> Result<Vec<Subject>, Vec<String>> {
        parse_subjects(format!("{HEADER}{body}").as_bytes())
            .map_err(|(errors, _)| errors.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn good_rows_become_subjects() {
        let subjects = parse(
            "DSR-1,AX1LgghsxZsJZUwYvN,BBBBBBBB-bbbb-bbbb-bbbb-bbbbbbbbbbbb,jdoe@example.test\n\
             DSR-2,,,\"a,b\"\n",
        )
        .unwrap();
        assert_eq!(subjects.len(), 2);
        assert_eq!(subjects[0].line, 2);
        assert_eq!(
            subjects[0].id(Vendor::Trust),
            Some("bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb")
        );
        assert_eq!(
            subjects[1].ids,
            vec![(Vendor::GainsightPx, "a,b".to_string())]
        );
    }

    #[test]
    fn columns_may_come_in_any_order_and_a_bom_is_ignored() {
        let text =
            "\u{feff}trust_uuid,subject,gainsight_px_identify_id,attestr_profile_id\n,S1,u1,\n";
        let subjects = parse_subjects(text.as_bytes()).unwrap();
        assert_eq!(subjects[0].reference, "S1");
        assert_eq!(subjects[0].id(Vendor::GainsightPx), Some("u1"));
    }

    #[test]
    fn bad_rows_are_reported_by_line_without_their_values() {
        let errors = parse(
            "S1,,not-a-uuid,\n\
             S2,,,\n\
             S3,..,,\n\
             ,AX1,,\n\
             S5, padded,,\n\
             S6,AX2,,u6\n\
             S6,AX3,,u7\n\
             S8,,,u6\n\
             S9,only,three\n\
             \"S10\nsecond line\",,,u10\n\
             S11,,,\"multi\nline\"\n",
        )
        .unwrap_err();
        assert_eq!(
            errors,
            [
                "line 2: trust_uuid: not a UUID (8-4-4-4-12 hexadecimal digits)",
                "line 3: names no vendor id: fill at least one of attestr_profile_id, trust_uuid, gainsight_px_identify_id",
                "line 4: attestr_profile_id: cannot be sent as Attestr's profile id (it would change the request's route)",
                "line 5: subject: is empty",
                "line 6: attestr_profile_id: starts or ends with spaces (ids are matched exactly; remove them)",
                "line 8: subject: the same subject as line 7",
                "line 9: gainsight_px_identify_id: the same id as line 7",
                "line 10: 3 field(s) where the header has 4",
                "line 11: subject: contains a control character",
                "line 13: gainsight_px_identify_id: contains a control character",
            ]
        );
        for error in &errors {
            for value in ["not-a-uuid", "padded", "u6", "AX2", "second line"] {
                assert!(!error.contains(value), "{error}");
            }
        }
    }

    #[test]
    fn headers_are_checked() {
        for (text, expected) in [
            ("", "line 1: the file is empty"),
            (
                "subject,attestr_profile_id,trust_uuid\nS,a,\n",
                "line 1: no `gainsight_px_identify_id` column",
            ),
            (
                "subject,attestr_profile_id,trust_uuid,gainsight_px_identify_id,email\n",
                "line 1: 5 columns",
            ),
            (
                "subject,subject,trust_uuid,gainsight_px_identify_id\n",
                "line 1: the `subject` column appears twice",
            ),
            (HEADER, "line 1: the file has a header but no subjects"),
        ] {
            let (errors, _) = parse_subjects(text.as_bytes()).unwrap_err();
            assert!(
                errors[0].to_string().starts_with(expected),
                "{text:?}: {errors:?}"
            );
        }
    }

    #[test]
    fn a_repeat_names_the_first_line_it_repeats() {
        let (errors, _) =
            parse_subjects(format!("{HEADER}S1,,,u1\nS2,,,u1\nS3,,,u1\nS1,,,u4\n").as_bytes())
                .unwrap_err();
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "line 3: gainsight_px_identify_id: the same id as line 2",
                "line 4: gainsight_px_identify_id: the same id as line 2",
                "line 5: subject: the same subject as line 2",
            ]
        );
        // The same text in two columns is no repeat.
        assert!(parse_subjects(format!("{HEADER}u1,,,u1\n").as_bytes()).is_ok());
    }

    #[test]
    fn invalid_utf8_is_a_row_error() {
        let mut bytes = HEADER.as_bytes().to_vec();
        bytes.extend_from_slice(b"S1,,,\xff\xfe\n");
        let (errors, _) = parse_subjects(&bytes).unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            "line 2: gainsight_px_identify_id: not valid UTF-8"
        );
    }

    /// Each line ending, with a bad row (no vendor id) on line 4 and a good row after it; also
    /// a quoted value spanning two lines before the bad row.
    #[test]
    fn line_numbers_are_right_for_every_line_ending() {
        let header = HEADER.trim_end();
        for (name, end) in [("LF", "\n"), ("CRLF", "\r\n"), ("CR", "\r")] {
            let text = format!(
                "{header}{end}S1,,,u1{end}S2,,,\"two{end}lines\"{end}S3,,,{end}S4,,,u4{end}S5,,,{end}"
            );
            let (errors, _) = parse_subjects(text.as_bytes()).unwrap_err();
            let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
            assert_eq!(shown.len(), 3, "{name}: {shown:?}");
            // A value may not span lines, and is refused on the line it starts on.
            assert_eq!(
                shown[0], "line 3: gainsight_px_identify_id: contains a control character",
                "{name}"
            );
            assert!(
                shown[1].starts_with("line 5: names no vendor id"),
                "{name}: {shown:?}"
            );
            assert!(
                shown[2].starts_with("line 7: names no vendor id"),
                "{name}: {shown:?}"
            );
        }
        // Mixed endings, a blank line (skipped by the reader, counted here) and a short row.
        let text = format!("{header}\r\nS1,,,u1\rS2,,,u2\n\r\nS3,,\nS4,,,u4\r\n");
        let (errors, _) = parse_subjects(text.as_bytes()).unwrap_err();
        assert_eq!(
            errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["line 5: 3 field(s) where the header has 4"]
        );
        let subjects = parse_subjects(
            format!("\u{feff}{header}\r\nS1,,,u1\rS2,,,u2\n\r\nS4,,,u4\r\n").as_bytes(),
        )
        .unwrap();
        let lines: Vec<u64> = subjects.iter().map(|subject| subject.line).collect();
        assert_eq!(lines, [2, 3, 5]);
    }

    #[test]
    fn invisible_characters_are_refused_by_line_without_the_value() {
        let invisible = [
            '\u{200b}',
            '\u{feff}',
            '\u{200e}',
            '\u{202a}',
            '\u{202e}',
            '\u{2066}',
            '\u{2069}',
            '\u{2028}',
            '\u{2029}',
            '\u{00ad}',
            '\u{2060}',
            '\u{e0041}',
        ];
        for c in invisible {
            for value in [
                format!("jdoe@example.test{c}"),
                format!("jd{c}oe@example.test"),
            ] {
                let text = format!("{HEADER}S1,,,u1\nS2,,,{value}\n");
                let (errors, _) = parse_subjects(text.as_bytes()).unwrap_err();
                assert_eq!(errors.len(), 1, "{:?}", c);
                let shown = errors[0].to_string();
                assert!(
                    shown.starts_with(
                        "line 3: gainsight_px_identify_id: contains an invisible character"
                    ),
                    "U+{:04X}: {shown}",
                    c as u32
                );
                assert!(!shown.contains("jdoe") && !shown.contains(c), "{shown}");
            }
            // In the subject's reference too.
            let text = format!("{HEADER}DSR{c}1,,,u1\n");
            let (errors, _) = parse_subjects(text.as_bytes()).unwrap_err();
            assert!(
                errors[0]
                    .to_string()
                    .starts_with("line 2: subject: contains an invisible"),
                "{errors:?}"
            );
        }
        // Leading or trailing whitespace of any kind, a no-break space included.
        for value in [" u1", "u1 ", "u1\u{a0}", "\u{3000}u1"] {
            let text = format!("{HEADER}S1,,,{value}\n");
            let (errors, _) = parse_subjects(text.as_bytes()).unwrap_err();
            assert!(
                errors[0]
                    .to_string()
                    .starts_with("line 2: gainsight_px_identify_id: starts or ends with spaces"),
                "{value:?}: {errors:?}"
            );
        }
        // Visible non-ASCII stays accepted.
        assert!(parse_subjects(format!("{HEADER}S1,,,jürgen@例え.test\n").as_bytes()).is_ok());
    }

    #[test]
    fn a_flood_of_bad_rows_is_listed_up_to_a_bound() {
        let body: String = (0..200).map(|i| format!("S{i},,,\n")).collect();
        let (errors, unlisted) = parse_subjects(format!("{HEADER}{body}").as_bytes()).unwrap_err();
        assert_eq!(errors.len(), MAX_LISTED_ERRORS);
        assert_eq!(unlisted, 200 - MAX_LISTED_ERRORS);
    }
}
