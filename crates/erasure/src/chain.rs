//! Tamper evidence for the journal: every write the tool makes appends a record to the `records`
//! table, holding what it wrote (the step's whole row after the write, as `json_array`, or a run's
//! provenance) and a SHA-256 chained to the record before it, the first one to the journal's
//! salt and a digest of the plan. A row edited outside the tool no longer equals the last record
//! of its step, and an edited record breaks the chain: [`check`] finds either and names the step
//! by its subject's line and vendor.
//!
//! Whoever holds the journal holds the salt, so they could rebuild the whole chain: that is why
//! every report states the chain head ([`Head`]), a digest a later reader compares with the one
//! printed when the receipt was made.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::vendor::Vendor;

/// A step's whole row, as a record holds it. One expression, for the write and for the check.
pub const ROW_JSON: &str = "json_array(id, subject_id, vendor, vendor_id, followed_from, state, \
     sends, unsettled, attempts, outcome, merged_into, problem_kind, problem, status, request_id, \
     started_at, finished_at, checked_at, check_result, check_note)";

/// The record kinds.
pub mod kind {
    /// The plan: subjects and their planned steps, as a digest. The first record.
    pub const PLAN: &str = "plan";
    /// A step's row after a write.
    pub const STEP: &str = "step";
    /// A `run` started: its provenance.
    pub const RUN: &str = "run";
    /// A `verify` started: its provenance.
    pub const VERIFY: &str = "verify";
}

/// The chain's state after its last record, as every report states it (JSON: `head`, `records`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Head {
    /// `sha256:<hex>` of the last record: compare it with the head a later report states.
    #[serde(rename = "head")]
    pub digest: String,
    /// Records in the chain.
    pub records: u64,
}

fn start(salt: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(b"vendor-erase journal chain v1\0");
    hash.update(salt);
    hash.finalize().into()
}

fn link(previous: &[u8], kind: &str, entry: &str) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(previous);
    hash.update(kind.as_bytes());
    hash.update(b"\0");
    hash.update((entry.len() as u64).to_be_bytes());
    hash.update(entry.as_bytes());
    hash.finalize().into()
}

/// `bytes` in lowercase hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The digest of the plan: every subject (row id, line, reference) and every planned step (row
/// id, subject, vendor, vendor id), in row order, streamed.
pub fn plan_digest(conn: &Connection) -> rusqlite::Result<String> {
    let mut hash = Sha256::new();
    for sql in [
        "SELECT json_array(id, line, reference) FROM subjects ORDER BY id",
        "SELECT json_array(id, subject_id, vendor, vendor_id) FROM steps
         WHERE followed_from IS NULL ORDER BY id",
    ] {
        let mut statement = conn.prepare(sql)?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let text: String = row.get(0)?;
            hash.update(text.as_bytes());
            hash.update(b"\n");
        }
        hash.update(b"--\n");
    }
    Ok(format!("sha256:{}", hex(&hash.finalize())))
}

/// Appends a record of `kind` holding `entry`, for `step` if it concerns one.
pub fn append(
    conn: &Connection,
    step: Option<i64>,
    kind: &str,
    entry: &str,
) -> rusqlite::Result<()> {
    let previous: Option<Vec<u8>> = conn
        .prepare_cached("SELECT hash FROM records ORDER BY seq DESC LIMIT 1")?
        .query_row([], |row| row.get(0))
        .optional()?;
    let previous = match previous {
        Some(hash) => hash,
        None => {
            let salt: Vec<u8> =
                conn.query_row("SELECT value FROM meta WHERE key = 'salt'", [], |row| {
                    row.get(0)
                })?;
            start(&salt).to_vec()
        }
    };
    let hash = link(&previous, kind, entry);
    conn.prepare_cached(
        "INSERT INTO records (step_id, kind, entry, hash) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![step, kind, entry, &hash[..]])?;
    Ok(())
}

/// Appends the record of `step`'s row as it is now.
pub fn append_step(conn: &Connection, step: i64) -> rusqlite::Result<()> {
    let entry: String = conn
        .prepare_cached(&format!("SELECT {ROW_JSON} FROM steps WHERE id = ?1"))?
        .query_row([step], |row| row.get(0))?;
    append(conn, Some(step), kind::STEP, &entry)
}

/// Where a step is, for a person: its subject's line and its vendor.
fn place(conn: &Connection, step: i64) -> rusqlite::Result<String> {
    let found: Option<(i64, String)> = conn
        .query_row(
            "SELECT j.line, s.vendor FROM steps s JOIN subjects j ON j.id = s.subject_id
             WHERE s.id = ?1",
            [step],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    Ok(match found {
        Some((line, vendor)) => format!(
            "the {} step of the subject on line {line}",
            Vendor::by_slug(&vendor).map_or("unknown vendor's", Vendor::name)
        ),
        None => "a step the chain records, which is no longer in the journal".to_string(),
    })
}

/// Checks the whole chain and every step's row against its last record: the head, or what does
/// not match (the first altered place, by line and vendor, never an id). Streams: memory does
/// not grow with the journal.
pub fn check(conn: &Connection, salt: &[u8]) -> rusqlite::Result<Result<Head, String>> {
    let altered = |what: String| Ok(Err(what));
    let mut previous = start(salt);
    let mut records = 0_u64;
    {
        let mut statement =
            conn.prepare("SELECT seq, step_id, kind, entry, hash FROM records ORDER BY seq")?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let step: Option<i64> = row.get(1)?;
            let kind: String = row.get(2)?;
            let entry: String = row.get(3)?;
            let hash: Vec<u8> = row.get(4)?;
            if records == 0 && (kind != kind::PLAN || entry != plan_digest(conn)?) {
                return altered(
                    "the plan (the subjects and their vendor ids) is not the one the journal was started with"
                        .to_string(),
                );
            }
            let expected = link(&previous, &kind, &entry);
            if hash != expected {
                let at = match step {
                    Some(step) => place(conn, step)?,
                    None => format!("the record of a {kind}"),
                };
                return altered(format!(
                    "a record of the chain was changed: {at} (record {})",
                    records + 1
                ));
            }
            previous = expected;
            records += 1;
        }
    }
    if records == 0 {
        return altered("the chain is empty".to_string());
    }
    // Every step's row equals its last record; a step with no record is as planned, unsent: its
    // row as [`ROW_JSON`] writes it, with the plan's columns as they are and every other one as
    // the schema creates it (state `pending`, no count, nothing else).
    let planned = ROW_JSON["json_array(".len()..ROW_JSON.len() - 1]
        .split(", ")
        .map(|column| match column {
            "id" | "subject_id" | "vendor" | "vendor_id" => format!("s.{column}"),
            "state" => "'pending'".to_string(),
            "sends" | "unsettled" | "attempts" => "0".to_string(),
            _ => "NULL".to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mismatch: Option<i64> = conn
        .query_row(
            &format!(
                "SELECT s.id FROM steps s JOIN subjects j ON j.id = s.subject_id
                 LEFT JOIN records r ON r.seq = (SELECT max(seq) FROM records WHERE step_id = s.id)
                 WHERE coalesce(r.entry, json_array({planned})) IS NOT {}
                 ORDER BY j.line, j.id, s.id LIMIT 1",
                ROW_JSON
                    .replace("json_array(", "json_array(s.")
                    .replace(", ", ", s.")
            ),
            [],
            |row| row.get(0),
        )
        .optional()?;
    if let Some(step) = mismatch {
        return altered(format!(
            "{} does not hold what vendor-erase recorded for it",
            place(conn, step)?
        ));
    }
    // A step the chain records that is no longer there.
    let missing: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM records WHERE step_id NOT IN (SELECT id FROM steps))",
        [],
        |row| row.get(0),
    )?;
    if missing {
        return altered("a step the chain records was removed from the journal".to_string());
    }
    Ok(Ok(Head {
        digest: format!("sha256:{}", hex(&previous)),
        records,
    }))
}
