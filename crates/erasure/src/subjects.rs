//! The subjects file: CSV with the header `subject,attestr_profile_id,trust_uuid,
//! gainsight_px_identify_id`, one data subject a row. The whole file is checked before anything
//! runs; every bad row is reported with its line number, and a value from the file is never
//! repeated in a message (it may be personal).
//!
//! A file of a million subjects is never held in memory: it is read as a stream, row by row,
//! twice. [`read_subjects`] checks every row and counts (repeats are found in a temporary SQLite
//! file); [`Source::for_each_subject`] reads it again to hand each subject on (to the plan, the
//! journal's creation or the resume check), and fails if the file changed in between.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, params};
use sha2::{Digest, Sha256};

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
/// The most runs of line breaks read ahead of the record being read: far more than the csv
/// reader's buffer holds of short rows, far fewer than a quoted value left open would make.
const MAX_PENDING_BREAKS: usize = 65_536;

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

/// How many subjects there are, and how many of them name each vendor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Subjects.
    pub subjects: usize,
    /// Subjects with an id at the vendor (vendors no subject names are absent).
    pub per_vendor: BTreeMap<Vendor, usize>,
}

impl Counts {
    fn add(&mut self, subject: &Subject) {
        self.subjects += 1;
        for (vendor, _) in &subject.ids {
            *self.per_vendor.entry(*vendor).or_default() += 1;
        }
    }

    /// The steps a plan of these subjects has: one per vendor id.
    pub fn steps(&self) -> usize {
        self.per_vendor.values().sum()
    }

    /// The vendors the subjects name.
    pub fn vendors(&self) -> BTreeSet<Vendor> {
        self.per_vendor.keys().copied().collect()
    }
}

/// Checked subjects, handed on one at a time: a subjects file ([`SubjectsFile`], read again),
/// or a list (tests and benches build one).
pub trait Source {
    /// How many subjects there are, and how many name each vendor.
    fn counts(&self) -> Counts;

    /// Hands each subject to `each`, in file order, until `each` fails.
    fn for_each_subject<E: From<SubjectsError>>(
        &self,
        each: impl FnMut(Subject) -> Result<(), E>,
    ) -> Result<(), E>;
}

impl<T: AsRef<[Subject]> + ?Sized> Source for T {
    fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        self.as_ref().iter().for_each(|subject| counts.add(subject));
        counts
    }

    fn for_each_subject<E: From<SubjectsError>>(
        &self,
        each: impl FnMut(Subject) -> Result<(), E>,
    ) -> Result<(), E> {
        self.as_ref().iter().cloned().try_for_each(each)
    }
}

/// A subjects file whose every row passed [`read_subjects`]. Its subjects stay in the file:
/// [`Source::for_each_subject`] reads them again, and fails with [`SubjectsError::Changed`] if
/// the file is no longer what was checked.
#[derive(Debug)]
pub struct SubjectsFile {
    path: PathBuf,
    counts: Counts,
    /// The SHA-256 of the bytes checked.
    digest: [u8; 32],
}

impl Source for SubjectsFile {
    fn counts(&self) -> Counts {
        self.counts.clone()
    }

    fn for_each_subject<E: From<SubjectsError>>(
        &self,
        each: impl FnMut(Subject) -> Result<(), E>,
    ) -> Result<(), E> {
        let shown = self.path.display().to_string();
        let mut problems = Problems::default();
        let (_, digest) = scan(open(&self.path)?, &shown, None, &mut problems, each)?;
        if digest != self.digest || !problems.listed.is_empty() {
            return Err(SubjectsError::Changed(shown).into());
        }
        Ok(())
    }
}

/// A problem with one row (or the header, line 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {}{message}", column.map(|column| format!("{column}: ")).unwrap_or_default())]
pub struct RowError {
    /// The line the row starts on.
    pub line: u64,
    /// The column at fault, when one is.
    pub column: Option<&'static str>,
    /// What is wrong, without the value itself.
    pub message: String,
}

/// Why a subjects file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SubjectsError {
    /// The file (as given) could not be read.
    #[error("{0}: {1}")]
    Read(String, #[source] std::io::Error),
    /// The file (as given) is larger than [`MAX_FILE_BYTES`].
    #[error("{0}: larger than {MAX_FILE_BYTES} bytes")]
    TooLarge(String),
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
    /// The file (as given) read to hand its subjects on is not the one checked.
    #[error("{0}: the file changed after it was checked; nothing was run. Give it again")]
    Changed(String),
    /// The temporary file repeats are looked for in failed.
    #[error("cannot look for repeated subjects and ids (in a temporary file): {0}")]
    Scratch(#[source] rusqlite::Error),
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

/// Checks every row of a subjects file, and counts its subjects; they are handed on later, read
/// again ([`Source::for_each_subject`]).
pub fn read_subjects(path: &Path) -> Result<SubjectsFile, SubjectsError> {
    let shown = path.display().to_string();
    let scratch = SubjectsError::Scratch;
    let repeats = Repeats::new().map_err(scratch)?;
    let mut problems = Problems::default();
    let mut counts = Counts::default();
    let (length, digest) = scan(
        open(path)?,
        &shown,
        Some(&repeats),
        &mut problems,
        |subject| {
            counts.add(&subject);
            Ok::<_, SubjectsError>(())
        },
    )?;
    if length > MAX_FILE_BYTES {
        return Err(SubjectsError::TooLarge(shown));
    }
    let mut problems = problems.merge(repeats.problems().map_err(scratch)?);
    if counts.subjects == 0 && problems.listed.is_empty() {
        problems.push(1, None, "the file has a header but no subjects");
    }
    if !problems.listed.is_empty() {
        return Err(SubjectsError::Rows {
            path: shown,
            errors: problems.listed,
            unlisted: problems.unlisted,
        });
    }
    Ok(SubjectsFile {
        path: path.to_path_buf(),
        counts,
        digest,
    })
}

/// The file, cut one byte past [`MAX_FILE_BYTES`] (a file that grows while read is caught too).
fn open(path: &Path) -> Result<io::Take<File>, SubjectsError> {
    let unreadable = |source| SubjectsError::Read(path.display().to_string(), source);
    let file = File::open(path).map_err(unreadable)?;
    if file.metadata().map_err(unreadable)?.len() > MAX_FILE_BYTES {
        return Err(SubjectsError::TooLarge(path.display().to_string()));
    }
    Ok(file.take(MAX_FILE_BYTES + 1))
}

/// Collects row errors, listing the first [`MAX_LISTED_ERRORS`].
#[derive(Default)]
struct Problems {
    listed: Vec<RowError>,
    unlisted: usize,
}

impl Problems {
    /// These problems and `more` of the same file, listed in line order (each list is in line
    /// order, so the first ones of both hold the first ones of all).
    fn merge(self, more: Problems) -> Problems {
        let found = self.listed.len() + self.unlisted + more.listed.len() + more.unlisted;
        let mut listed: Vec<RowError> = self.listed.into_iter().chain(more.listed).collect();
        listed.sort_by_key(|error| error.line);
        listed.truncate(MAX_LISTED_ERRORS);
        Problems {
            unlisted: found - listed.len(),
            listed,
        }
    }

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

/// Reads a subjects file row by row, checks each row, and hands each good subject to `each`.
/// Bad rows go to `problems`; with `repeats`, the values of the good ones are recorded there
/// (repeats are found once the whole file is read). Returns the length and the SHA-256 of what
/// was read.
fn scan<E: From<SubjectsError>>(
    input: impl Read,
    path: &str,
    repeats: Option<&Repeats>,
    problems: &mut Problems,
    mut each: impl FnMut(Subject) -> Result<(), E>,
) -> Result<(u64, [u8; 32]), E> {
    let unreadable = |source| SubjectsError::Read(path.to_string(), source);
    let input = without_bom(input).map_err(unreadable)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(Tap::new(input));
    let columns = match read_header(&mut reader).map_err(unreadable)? {
        Ok(columns) => columns,
        Err(message) => {
            problems.push(1, None, message);
            return Ok(reader.into_inner().finish());
        }
    };
    let mut record = csv::ByteRecord::new();
    let mut subjects = 0_usize;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => {
                let line = error
                    .position()
                    .map_or(0, |position| reader.get_mut().line_at(position.byte()));
                let message = match error.into_kind() {
                    csv::ErrorKind::Io(source) => return Err(unreadable(source).into()),
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => {
                        format!("{len} field(s) where the header has {expected_len}")
                    }
                    _ => "not a readable CSV record".to_string(),
                };
                problems.push(line, None, message);
                continue;
            }
        }
        let line = record
            .position()
            .map_or(0, |position| reader.get_mut().line_at(position.byte()));
        if subjects >= MAX_SUBJECTS {
            problems.push(
                line,
                None,
                format!("more than {MAX_SUBJECTS} subjects; split the file"),
            );
            break;
        }
        let Some(subject) = checked_row(&record, &columns, line, problems) else {
            continue;
        };
        if let Some(repeats) = repeats {
            repeats.record(&subject).map_err(SubjectsError::Scratch)?;
        }
        subjects += 1;
        each(subject)?;
    }
    Ok(reader.into_inner().finish())
}

/// The row's subject, or `None` when a value in it cannot be used (each such value is a problem).
fn checked_row(
    record: &csv::ByteRecord,
    columns: &Columns,
    line: u64,
    problems: &mut Problems,
) -> Option<Subject> {
    let mut field = |column: &'static str, index: usize| -> Option<String> {
        checked_value(record.get(index).unwrap_or_default())
            .map_err(|message| problems.push(line, Some(column), message))
            .ok()
    };
    let reference = field(SUBJECT_COLUMN, columns.subject);
    let values: Vec<(Vendor, Option<String>)> = columns
        .vendors
        .iter()
        .map(|&(vendor, index)| (vendor, field(vendor.facts().column, index)))
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
                    problems.push(line, Some(vendor.facts().column), message);
                    row_ok = false;
                }
            },
        }
    }
    let reference = reference.filter(|_| row_ok)?;
    if reference.is_empty() {
        problems.push(line, Some(SUBJECT_COLUMN), "is empty");
        return None;
    }
    if ids.is_empty() {
        problems.push(
            line,
            None,
            "names no vendor id: fill at least one of attestr_profile_id, trust_uuid, \
             gainsight_px_identify_id",
        );
        return None;
    }
    Some(Subject {
        reference,
        line,
        ids,
    })
}

/// Drops a UTF-8 byte order mark at the start: spreadsheet programs write one, and it is not
/// part of the first column.
fn without_bom(mut input: impl Read) -> io::Result<impl Read> {
    let mut start = Vec::with_capacity(3);
    (&mut input).take(3).read_to_end(&mut start)?;
    if start == b"\xEF\xBB\xBF" {
        start.clear();
    }
    Ok(io::Cursor::new(start).chain(input))
}

/// Every value of the good rows (their references and ids), to find repeats, kept in a private
/// temporary SQLite file (SQLite deletes it when it is closed) rather than in memory. Values are
/// appended as they come, and repeats are found at the end with one sort: an index kept in order
/// along the way costs a random write a value once it outgrows the cache (ten times slower at a
/// million subjects). A value is kept as the first 128 bits of the SHA-256 of its column and
/// itself: two different values share them with a chance of about 2^-128 a pair, and would then be
/// refused as a repeat, never merged.
struct Repeats {
    conn: Connection,
}

impl Repeats {
    fn new() -> rusqlite::Result<Repeats> {
        // An empty name opens a private temporary file. Nothing in it needs to survive a crash,
        // so it has no journal and no fsync; one open transaction saves a commit per row.
        let conn = Connection::open("")?;
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
             CREATE TABLE seen (key BLOB NOT NULL, line INTEGER NOT NULL, place INTEGER NOT NULL);
             BEGIN;",
        )?;
        Ok(Repeats { conn })
    }

    /// The columns in the order a row's problems are listed: the subject, then the vendors'.
    fn columns() -> impl Iterator<Item = &'static str> {
        std::iter::once(SUBJECT_COLUMN).chain(Vendor::ALL.map(|vendor| vendor.facts().column))
    }

    fn record(&self, subject: &Subject) -> rusqlite::Result<()> {
        let mut insert = self
            .conn
            .prepare_cached("INSERT INTO seen (key, line, place) VALUES (?1, ?2, ?3)")?;
        let values = std::iter::once((SUBJECT_COLUMN, &subject.reference)).chain(
            subject
                .ids
                .iter()
                .map(|(vendor, id)| (vendor.facts().column, id)),
        );
        for (column, value) in values {
            let place = Self::columns()
                .position(|known| known == column)
                .unwrap_or(0);
            let key = Sha256::digest(format!("{column}\0{value}"));
            insert.execute(params![&key[..16], subject.line as i64, place as i64])?;
        }
        Ok(())
    }

    /// Each value recorded on a line after the first line that has it, by line and column, as
    /// problems naming that first line.
    fn problems(&self) -> rusqlite::Result<Problems> {
        let mut statement = self.conn.prepare(
            "SELECT line, place, first FROM
               (SELECT line, place, min(line) OVER (PARTITION BY key) AS first FROM seen)
             WHERE line > first ORDER BY line, place",
        )?;
        let mut rows = statement.query([])?;
        let mut problems = Problems::default();
        while let Some(row) = rows.next()? {
            let place = usize::try_from(row.get::<_, i64>(1)?).unwrap_or(0);
            let column = Self::columns().nth(place).unwrap_or(SUBJECT_COLUMN);
            let what = if place == 0 { "subject" } else { "id" };
            let first = row.get::<_, i64>(2)?;
            problems.push(
                row.get::<_, i64>(0)? as u64,
                Some(column),
                format!("the same {what} as line {first}"),
            );
        }
        Ok(problems)
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
    // A value holding an invisible character looks like another value but is not matched by
    // the vendor as it.
    if text.chars().any(crate::redact::is_invisible) {
        return Err(
            "contains an invisible character (a zero-width space, a byte order mark, a \
             direction mark or another Unicode format character, a blank filler, or a line \
             separator); retype the value"
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

/// Passes what the csv reader reads, and notes what the reader cannot tell: where lines end
/// (the csv crate's own count lags behind with CRLF and stays at 1 with CR-only line endings),
/// and the length and SHA-256 of what was read (a second read must see the same bytes). A line
/// ends at LF, CRLF or a lone CR (the endings the csv reader itself accepts).
struct Tap<R> {
    inner: R,
    length: u64,
    digest: Sha256,
    /// The runs of CR and LF bytes read that [`Self::line_at`] has not passed yet: where each
    /// starts and ends (exclusive), and how many lines it ends (a CR and the LF after it end one
    /// line). A run of blank lines is one entry; more than [`MAX_PENDING_BREAKS`] runs before a
    /// record ends (a quote left open) is an error, so what is kept stays small.
    breaks: VecDeque<(u64, u64, u64)>,
    after_cr: bool,
    /// The line the first offset not yet passed is on.
    line: u64,
}

impl<R: Read> Tap<R> {
    fn new(inner: R) -> Self {
        Tap {
            inner,
            length: 0,
            digest: Sha256::new(),
            breaks: VecDeque::new(),
            after_cr: false,
            line: 1,
        }
    }

    /// The line the record the reader places at `offset` starts on; `offset` is at least the last
    /// one asked for.
    fn line_at(&mut self, mut offset: u64) -> u64 {
        while let Some(&(start, end, lines)) = self.breaks.front() {
            if start > offset {
                break;
            }
            // The reader may place a record at the line ending before it (the LF of a CRLF) or
            // at blank lines it skips; a record never starts with a line ending.
            offset = offset.max(end);
            self.line += lines;
            self.breaks.pop_front();
        }
        self.line
    }

    fn finish(self) -> (u64, [u8; 32]) {
        (self.length, self.digest.finalize().into())
    }
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.digest.update(&buf[..read]);
        for (&byte, offset) in buf[..read].iter().zip(self.length..) {
            if byte == b'\r' || byte == b'\n' {
                let ends_line = u64::from(byte == b'\r' || !self.after_cr);
                let full = self.breaks.len() >= MAX_PENDING_BREAKS;
                match self.breaks.back_mut() {
                    Some((_, end, lines)) if *end == offset => {
                        *end += 1;
                        *lines += ends_line;
                    }
                    _ if full => {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!(
                                "a record runs over more than {MAX_PENDING_BREAKS} line breaks (a quote left open?); not a subjects file"
                            ),
                        ));
                    }
                    _ => self.breaks.push_back((offset, offset + 1, ends_line)),
                }
            }
            self.after_cr = byte == b'\r';
        }
        self.length += read as u64;
        Ok(read)
    }
}

struct Columns {
    subject: usize,
    vendors: Vec<(Vendor, usize)>,
}

/// Where the header puts each column, or why it cannot be used; an error when the file could not
/// be read.
fn read_header<R: Read>(reader: &mut csv::Reader<R>) -> io::Result<Result<Columns, String>> {
    let expected = format!(
        "the header must be `{SUBJECT_COLUMN},{}`",
        Vendor::ALL.map(|vendor| vendor.facts().column).join(",")
    );
    let header = match reader.byte_headers() {
        Ok(header) => header.clone(),
        Err(error) => {
            return match error.into_kind() {
                csv::ErrorKind::Io(source) => Err(source),
                _ => Ok(Err(format!("not a readable CSV header; {expected}"))),
            };
        }
    };
    Ok(columns(&header, &expected))
}

fn columns(header: &csv::ByteRecord, expected: &str) -> Result<Columns, String> {
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
        .map(|vendor| position(vendor.facts().column).map(|index| (vendor, index)))
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

    /// Checks `bytes` as a subjects file, then reads its subjects back as a run does.
    fn parse_subjects(bytes: &[u8]) -> Result<Vec<Subject>, (Vec<RowError>, usize)> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("subjects.csv");
        std::fs::write(&path, bytes).unwrap();
        match read_subjects(&path) {
            Ok(file) => {
                let mut subjects = Vec::new();
                file.for_each_subject(|subject| {
                    subjects.push(subject);
                    Ok::<_, SubjectsError>(())
                })
                .unwrap();
                assert_eq!(file.counts(), subjects.counts());
                Ok(subjects)
            }
            Err(SubjectsError::Rows {
                errors, unlisted, ..
            }) => Err((errors, unlisted)),
            Err(other) => panic!("{other}"),
        }
    }

    #[test]
    fn a_file_changed_after_its_check_hands_on_nothing_unchecked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("subjects.csv");
        std::fs::write(&path, format!("{HEADER}S1,,,u1\nS2,,,u2\n")).unwrap();
        let file = read_subjects(&path).unwrap();
        assert_eq!(file.counts().subjects, 2);
        // Same length, other id; and a repeat that the second read does not look for.
        for changed in ["S1,,,u1\nS2,,,u3\n", "S1,,,u1\nS2,,,u1\n"] {
            std::fs::write(&path, format!("{HEADER}{changed}")).unwrap();
            let error = file
                .for_each_subject(|_| Ok::<_, SubjectsError>(()))
                .unwrap_err();
            assert!(matches!(error, SubjectsError::Changed(..)), "{error}");
            // The temporary file's random name may itself hold "u3": only the rest is checked.
            let said = error.to_string().replace(&path.display().to_string(), "");
            assert!(!said.contains("u3"), "{error}");
        }
    }

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
        let shown = parse("S1,,,u1\nS2,,,u1\nS3,,,u1\nS1,,,u4\n").unwrap_err();
        assert_eq!(
            shown,
            [
                "line 3: gainsight_px_identify_id: the same id as line 2",
                "line 4: gainsight_px_identify_id: the same id as line 2",
                "line 5: subject: the same subject as line 2",
            ]
        );
        // The same text in two columns is no repeat.
        assert!(parse("u1,,,u1\n").is_ok());
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
        let invisible = "\u{200b}\u{feff}\u{200e}\u{202a}\u{202e}\u{2066}\
                         \u{2069}\u{2028}\u{2029}\u{00ad}\u{2060}\u{e0041}";
        for c in invisible.chars() {
            for value in [
                format!("jdoe@example.test{c}"),
                format!("jd{c}oe@example.test"),
            ] {
                let errors = parse(&format!("S1,,,u1\nS2,,,{value}\n")).unwrap_err();
                assert_eq!(errors.len(), 1, "{:?}", c);
                let shown = &errors[0];
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
            let errors = parse(&format!("DSR{c}1,,,u1\n")).unwrap_err();
            assert!(
                errors[0].starts_with("line 2: subject: contains an invisible"),
                "{errors:?}"
            );
        }
        // Leading or trailing whitespace of any kind, a no-break space included.
        for value in [" u1", "u1 ", "u1\u{a0}", "\u{3000}u1"] {
            let errors = parse(&format!("S1,,,{value}\n")).unwrap_err();
            assert!(
                errors[0]
                    .starts_with("line 2: gainsight_px_identify_id: starts or ends with spaces"),
                "{value:?}: {errors:?}"
            );
        }
        // Visible non-ASCII stays accepted.
        assert!(parse("S1,,,jürgen@例え.test\n").is_ok());
    }

    /// Blank lines, or line breaks inside one quoted value, that the reader reads past before a
    /// record ends: what is kept to number lines stays small.
    #[test]
    fn a_flood_of_line_breaks_keeps_memory_flat() {
        let blank = format!("{HEADER}{}S1,,,u1\n", "\r\n".repeat(500_000));
        let mut reader = csv::Reader::from_reader(Tap::new(blank.as_bytes()));
        let mut record = csv::ByteRecord::new();
        assert!(reader.read_byte_record(&mut record).unwrap());
        assert!(
            reader.get_ref().breaks.len() < 64,
            "{}",
            reader.get_ref().breaks.len()
        );
        let start = record.position().unwrap().byte();
        assert_eq!(reader.get_mut().line_at(start), 500_002);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("subjects.csv");
        let open = format!("{HEADER}S1,,,\"{}\"\n", "x\n".repeat(500_000));
        std::fs::write(&path, open).unwrap();
        let error = read_subjects(&path).unwrap_err();
        assert!(
            matches!(&error, SubjectsError::Read(..)) && error.to_string().contains("line breaks"),
            "{error}"
        );
    }

    /// Characters that print as nothing without being format characters (Unicode's other
    /// default-ignorable code points: Hangul fillers, the combining grapheme joiner, variation
    /// selectors) make a value that looks like another one: refused as invisible too.
    #[test]
    fn blank_letters_and_ignorable_marks_are_invisible_too() {
        for c in [
            '\u{3164}',
            '\u{115f}',
            '\u{1160}',
            '\u{ffa0}',
            '\u{034f}',
            '\u{17b4}',
            '\u{180b}',
            '\u{fe0f}',
            '\u{e0100}',
        ] {
            let errors = parse(&format!("S1,,,jd{c}oe@example.test\n")).unwrap_err();
            assert!(
                errors[0].starts_with("line 2: gainsight_px_identify_id: contains an invisible"),
                "U+{:04X}: {errors:?}",
                c as u32
            );
        }
    }

    #[test]
    fn a_flood_of_bad_rows_is_listed_up_to_a_bound() {
        let body: String = (0..200).map(|i| format!("S{i},,,\n")).collect();
        let (errors, unlisted) = parse_subjects(format!("{HEADER}{body}").as_bytes()).unwrap_err();
        assert_eq!(errors.len(), MAX_LISTED_ERRORS);
        assert_eq!(unlisted, 200 - MAX_LISTED_ERRORS);
    }
}
