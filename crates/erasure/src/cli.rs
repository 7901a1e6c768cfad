//! The `vendor-erase` command line: `plan`, `run`, `report` and `verify`, their flags (clap),
//! logging, and the exit codes.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use strum::VariantNames as _;
use tracing_subscriber::filter::LevelFilter;
use vendor_runtime::Vars;

use crate::clients::Clients;
use crate::journal::{Journal, JournalError};
use crate::pace::{DEFAULT_CONCURRENCY, GAINSIGHT_PX_RATE, Pace, UNDOCUMENTED_RATE};
use crate::progress::{Progress, Silent, Terminal};
use crate::provenance::{Provenance, check_operator};
use crate::report::{self, Format, JournalReceipts, Receipts, ReportError};
use crate::run::{RunOptions, StopSignal, run};
use crate::subjects::{Source, SubjectsFile, read_subjects};
use crate::vendor::Vendor;
use crate::{exit, plan, private};

/// Erase data subjects at Attestr, Trust and Gainsight PX, with proof, and resume after a crash.
///
/// Vendors are configured by the vendor crates' environment variables (ATTESTR_AUTH_TOKEN,
/// TRUST_CLIENT_ID, TRUST_CLIENT_SECRET, GAINSIGHT_PX_API_KEY, and the optional base URLs); only
/// the vendors the subjects name must be configured.
///
/// Exit codes: 0 every step proven; 1 the tool failed (journal unreadable, damaged, changed outside
/// the tool, or in use by another run); 2 usage, subjects file, journal file or configuration
/// error (nothing ran); 3 some step needs a person or is not finished (for verify: a record is
/// present again, or a read failed).
#[derive(Debug, Parser)]
#[command(name = "vendor-erase", version, verbatim_doc_comment)]
struct Cli {
    /// Log level on stderr (logs never hold a credential or an id).
    #[arg(
        long,
        global = true,
        default_value = "warn",
        value_parser = PossibleValuesParser::new(["off", "error", "warn", "info", "debug", "trace"])
            .try_map(|level| level.parse::<LevelFilter>())
    )]
    log_level: LevelFilter,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check SUBJECTS.csv and print what a run would do at each vendor; sends nothing.
    Plan {
        /// CSV with the header subject,attestr_profile_id,trust_uuid,gainsight_px_identify_id.
        subjects: PathBuf,
        /// Print the vendor ids too.
        #[arg(long)]
        reveal: bool,
    },
    /// Erase the subjects, recording every step in the journal; give the same command again to
    /// resume.
    Run(RunArgs),
    /// Read every erased or absent step back at its vendor, and record what that proved.
    ///
    /// Gainsight PX: Get User (absence proven again, or the user present again). Trust: Find
    /// Identity (present again; Trust documents no not-found answer, so absence is not
    /// verifiable by API). Attestr: not verifiable by API (nothing is sent).
    Verify {
        /// The journal of the run.
        #[arg(long)]
        journal: PathBuf,
        /// Who runs it, recorded in the journal.
        #[arg(long, value_parser = check_operator)]
        operator: Option<String>,
    },
    /// Print the receipt of every subject in a journal.
    Report(ReportArgs),
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// The journal of the run.
    #[arg(long)]
    journal: PathBuf,
    /// The receipt format (csv: one row per step).
    #[arg(
        long,
        value_parser = PossibleValuesParser::new(Format::VARIANTS).try_map(|format| format.parse::<Format>())
    )]
    format: Format,
    /// Only the subject with this reference (the subjects file's `subject` column).
    #[arg(long, value_name = "REF")]
    subject: Option<String>,
    /// Show raw vendor ids instead of salted hashes.
    #[arg(long)]
    reveal: bool,
    /// Write to this file (mode 0600) instead of stdout.
    #[arg(long)]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// CSV with the header subject,attestr_profile_id,trust_uuid,gainsight_px_identify_id.
    subjects: PathBuf,
    /// The journal (SQLite): created on the first run, resumed on the next ones. It holds the raw
    /// vendor ids; it is kept at mode 0600.
    #[arg(long)]
    journal: PathBuf,
    /// Check the subjects and the configuration, print what would be sent; send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Delete the Trust identity a merged uuid was merged into (off: the merge is reported).
    #[arg(long)]
    follow_merges: bool,
    /// Attestr requests per second (Attestr publishes no limit).
    #[arg(long, value_parser = parse_rate, default_value_t = UNDOCUMENTED_RATE)]
    attestr_rate: f64,
    /// Trust Index requests per second (Trust publishes no limit).
    #[arg(long, value_parser = parse_rate, default_value_t = UNDOCUMENTED_RATE)]
    trust_rate: f64,
    /// Gainsight PX requests per second (documented: around 200).
    #[arg(long, alias = "px-rate", value_parser = parse_rate, default_value_t = GAINSIGHT_PX_RATE)]
    gainsight_px_rate: f64,
    /// Requests in flight per vendor, at most.
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY as u32, value_parser = clap::value_parser!(u32).range(1..=1024))]
    concurrency: u32,
    /// Sends per step in this run when a vendor keeps answering 429, 5xx or nothing (each with
    /// the client's own retries).
    #[arg(long, default_value_t = RunOptions::default().max_sends, value_parser = clap::value_parser!(u32).range(1..=20))]
    max_sends: u32,
    /// How to show progress on stderr: a bar on a terminal, plain lines otherwise.
    #[arg(long, value_enum, default_value_t = ProgressArg::Auto)]
    progress: ProgressArg,
    /// Who runs it (a name or role), recorded in the journal when the run starts and shown in
    /// every receipt.
    #[arg(long, value_parser = check_operator)]
    operator: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ProgressArg {
    Auto,
    Bar,
    Lines,
    None,
}

fn parse_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    Pace::check_rate(rate)
}

/// The program: parses the arguments, runs the command, and returns its exit code.
pub fn main() -> ExitCode {
    // clap exits as documented: 2 (exit::USAGE) for a usage error, 0 for --help and --version.
    let cli = Cli::parse();
    init_logging(cli.log_level);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| fail(exit::FAILED, format!("cannot start: {error}")));
    let result = runtime.and_then(|runtime| {
        runtime.block_on(async {
            match cli.command {
                Command::Plan { subjects, reveal } => plan_command(&subjects, reveal),
                Command::Run(args) => run_command(args).await,
                Command::Verify { journal, operator } => {
                    verify_command(&journal, operator.as_deref()).await
                }
                Command::Report(args) => report_command(&args),
            }
        })
    });
    ExitCode::from(result.unwrap_or_else(|failure| {
        eprintln!("vendor-erase: {}", failure.message);
        failure.code
    }))
}

fn init_logging(level: LevelFilter) {
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Why a command stopped early: its exit code, and what it says on stderr.
struct Failure {
    code: u8,
    message: String,
}

fn fail(code: u8, error: impl std::fmt::Display) -> Failure {
    Failure {
        code,
        message: error.to_string(),
    }
}

/// The exit code of a journal error: 2 for a file that cannot be this command's journal (the
/// person gave the wrong one), 1 for everything else (the journal cannot be read, is damaged or
/// changed, or is in use).
fn journal_exit_code(error: &JournalError) -> u8 {
    match error {
        JournalError::NotAJournal(..)
        | JournalError::PlanMismatch(..)
        | JournalError::Subjects(_)
        | JournalError::Missing(..)
        | JournalError::Outdated(..)
        | JournalError::ReadOnly(..) => exit::USAGE,
        JournalError::Sqlite(..)
        | JournalError::Io(..)
        | JournalError::Write(_)
        | JournalError::Corrupt(..)
        | JournalError::InUse(..)
        | JournalError::Damaged(..)
        | JournalError::Tampered(..) => exit::FAILED,
    }
}

impl From<JournalError> for Failure {
    fn from(error: JournalError) -> Self {
        fail(journal_exit_code(&error), error)
    }
}

impl From<ReportError> for Failure {
    fn from(error: ReportError) -> Self {
        match error {
            ReportError::Journal(error) => error.into(),
            ReportError::NoSuchSubject => fail(exit::USAGE, error),
            // A receipt cut short is not a receipt: say so.
            ReportError::Write(error) if error.kind() == std::io::ErrorKind::BrokenPipe => fail(
                exit::FAILED,
                "stdout was closed before the whole report was written",
            ),
            ReportError::Write(_) => fail(exit::FAILED, error),
        }
    }
}

fn plan_command(subjects: &Path, reveal: bool) -> Result<u8, Failure> {
    let subjects = read_subjects(subjects).map_err(|error| fail(exit::USAGE, error))?;
    print_plan(&subjects, reveal)?;
    Ok(exit::ERASED)
}

async fn verify_command(path: &Path, operator: Option<&str>) -> Result<u8, Failure> {
    let journal = Journal::open_for_verify(path)?;
    let needed = crate::verify::vendors_to_read(&journal)?;
    let clients = Clients::from_vars(Vars::process(), &needed)
        .map_err(|error| fail(exit::USAGE, format!("{error}\nnothing was read")))?;
    let now = &crate::journal::now_millis;
    let verified = crate::verify::verify(journal, &clients, operator, now).await?;
    eprintln!(
        "vendor-erase: verify: {} absent again, {} present again (need a person), {} not verifiable by API, {} read(s) failed (verify again later). Receipts: vendor-erase report --journal {} --format html",
        verified.absent_again,
        verified.present_again,
        verified.not_verifiable,
        verified.failed,
        path.display()
    );
    Ok(verified.exit_code())
}

async fn run_command(args: RunArgs) -> Result<u8, Failure> {
    let subjects = read_subjects(&args.subjects).map_err(|error| fail(exit::USAGE, error))?;
    let needed = subjects.counts().vendors();
    let clients = Clients::from_vars(Vars::process(), &needed)
        .map_err(|error| fail(exit::USAGE, format!("{error}\nnothing was run")))?;
    if args.dry_run {
        return dry_run(&args, &subjects);
    }
    let mut journal = Journal::open_for_run(&args.journal, &subjects)?;
    let provenance = Provenance::of(
        "run",
        &clients,
        args.operator.as_deref(),
        crate::journal::now_millis(),
    );
    journal.record_start(&provenance)?;
    let pace = |per_second| Pace {
        per_second,
        concurrency: args.concurrency as usize,
    };
    let options = RunOptions {
        paces: BTreeMap::from([
            (Vendor::Attestr, pace(args.attestr_rate)),
            (Vendor::Trust, pace(args.trust_rate)),
            (Vendor::GainsightPx, pace(args.gainsight_px_rate)),
        ]),
        follow_merges: args.follow_merges,
        max_sends: args.max_sends,
        ..RunOptions::default()
    };
    let progress: Box<dyn Progress> = match args.progress {
        ProgressArg::Auto if std::io::stderr().is_terminal() => Box::new(Terminal::bar()),
        ProgressArg::Bar => Box::new(Terminal::bar()),
        ProgressArg::Auto | ProgressArg::Lines => Box::new(Terminal::lines()),
        ProgressArg::None => Box::new(Silent),
    };
    let stop = StopSignal::default();
    let on_interrupt = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("vendor-erase: stopping after the requests in flight; run again to resume");
            on_interrupt.cancel();
        }
    });
    run(journal, &clients, &options, progress.as_ref(), &stop).await?;
    // Read again, one subject at a time: the run changed the steps.
    let journal = Journal::open_read_only(&args.journal)?;
    let receipts = JournalReceipts::open(&journal, false, None)?;
    let head = receipts.head();
    let summary = &head.summary;
    eprintln!(
        "vendor-erase: {}. Steps: {}. Journal chain head: {}. Receipts: vendor-erase report --journal {} --format html",
        summary.subjects_line(),
        summary.steps_line(),
        head.chain.digest,
        args.journal.display()
    );
    for warning in &head.warnings {
        eprintln!("vendor-erase: warning: {warning}");
    }
    Ok(if summary.all_settled() {
        exit::ERASED
    } else {
        exit::NEEDS_PERSON
    })
}

/// Prints the plan as it goes; a reader that stops reading (`plan | head`) ends the output
/// quietly.
fn print_plan(subjects: &SubjectsFile, reveal: bool) -> Result<(), Failure> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match plan::write(subjects, reveal, &mut out).and_then(|()| Ok(out.flush()?)) {
        Ok(()) => Ok(()),
        Err(plan::PlanError::Write(error)) if error.kind() == std::io::ErrorKind::BrokenPipe => {
            Ok(())
        }
        Err(error @ plan::PlanError::Subjects(_)) => Err(fail(exit::USAGE, error)),
        Err(error) => Err(fail(exit::FAILED, error)),
    }
}

fn dry_run(args: &RunArgs, subjects: &SubjectsFile) -> Result<u8, Failure> {
    print_plan(subjects, false)?;
    let text = dry_run_text(args, subjects)?;
    // A reader that closed the pipe early (`run --dry-run | head`) is not an error of the tool.
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(fail(exit::FAILED, error))
        }
        _ => Ok(exit::ERASED),
    }
}

fn dry_run_text(args: &RunArgs, subjects: &SubjectsFile) -> Result<String, Failure> {
    if !args.journal.exists() {
        return Ok(format!(
            "\nDry run: the journal {} does not exist yet; a run creates it and sends every step above.\n",
            args.journal.display()
        ));
    }
    let journal = Journal::open_read_only(&args.journal)?;
    let counts = journal.read_snapshot(|journal| {
        journal.check_chain()?;
        journal.check_subjects(subjects)?;
        journal.work_counts(args.follow_merges)
    })?;
    Ok(format!(
        "\nDry run against {}: {} step(s) finished before (never sent again); would send {}: {} never sent, {} in flight when a run stopped (a not-found answer then reads as deleted or already absent), {} that failed before{}.\n",
        args.journal.display(),
        counts.done,
        counts.work(),
        counts.pending,
        counts.in_flight,
        counts.failed,
        if args.follow_merges {
            format!(", {} merge(s) to follow", counts.to_follow)
        } else {
            String::new()
        }
    ))
}

fn report_command(args: &ReportArgs) -> Result<u8, Failure> {
    let journal = Journal::open_read_only(&args.journal)?;
    let receipts = JournalReceipts::open(&journal, args.reveal, args.subject.as_deref())?;
    let write = |out: &mut dyn Write| -> Result<(), ReportError> {
        let mut out = std::io::BufWriter::new(out);
        report::write(&receipts, args.format, &mut out)?;
        Ok(out.flush()?)
    };
    match &args.output {
        Some(path) if crate::journal::is_journal_file(&args.journal, path) => {
            return Err(fail(
                exit::USAGE,
                format!(
                    "--output {} is the journal {} (or SQLite's file beside it); writing the report there would destroy the journal. Give another file",
                    path.display(),
                    args.journal.display()
                ),
            ));
        }
        Some(path) => {
            let mut file = private::create(path).map_err(ReportError::Write)?;
            write(&mut file)?;
            file.sync_all().map_err(ReportError::Write)?;
        }
        None => write(&mut std::io::stdout().lock())?,
    }
    Ok(exit::ERASED)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn exit_2_is_kept_for_a_wrong_file_and_1_for_a_journal_that_failed() {
        let path = || "j.db".to_string();
        let usage = vec![
            JournalError::Missing(path()),
            JournalError::ReadOnly(path(), 0o444),
            JournalError::Outdated(path(), 1),
        ];
        let failed = vec![
            JournalError::InUse(path()),
            JournalError::Damaged(path(), "its salt is missing".into()),
            JournalError::Tampered(path(), "x".into()),
            JournalError::Sqlite(
                path(),
                rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
                    None,
                ),
            ),
        ];
        for (errors, code) in [(usage, exit::USAGE), (failed, exit::FAILED)] {
            for error in errors {
                assert_eq!(journal_exit_code(&error), code, "{error}");
            }
        }
    }

    /// `--output` naming the journal itself (or its WAL file, which holds its latest commits)
    /// is refused: writing the report there would destroy the journal.
    #[test]
    fn a_report_is_never_written_over_its_journal() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("erasure.db");
        let subjects = [crate::subjects::Subject {
            reference: "S1".to_string(),
            line: 2,
            ids: vec![(Vendor::GainsightPx, "u1".to_string())],
        }];
        drop(Journal::open_for_run(&journal, &subjects).unwrap());
        let before = std::fs::read(&journal).unwrap();
        let wal = dir.path().join("erasure.db-wal");
        let same_file = dir.path().join(".").join("erasure.db");
        for output in [journal.clone(), same_file, wal] {
            let args = ReportArgs {
                journal: journal.clone(),
                format: Format::Json,
                subject: None,
                reveal: false,
                output: Some(output.clone()),
            };
            let failure = report_command(&args).err();
            assert_eq!(
                failure.as_ref().map(|failure| failure.code),
                Some(exit::USAGE),
                "{}",
                output.display()
            );
            assert_eq!(std::fs::read(&journal).unwrap(), before);
        }
        Journal::open_read_only(&journal)
            .unwrap()
            .check_chain()
            .unwrap();
    }

    #[test]
    fn rates_are_checked_at_parse_time() {
        let run = |flag, rate| {
            let args = [
                "vendor-erase",
                "run",
                "s.csv",
                "--journal",
                "j.db",
                flag,
                rate,
            ];
            Cli::try_parse_from(args)
        };
        let parsed = run("--px-rate", "150").unwrap();
        match parsed.command {
            Command::Run(args) => assert_eq!(args.gainsight_px_rate, 150.0),
            other => panic!("{other:?}"),
        }
        for bad in ["0", "-5", "fast", "NaN"] {
            let err = run("--trust-rate", bad).unwrap_err();
            assert!(err.use_stderr(), "{bad}");
        }
    }
}
