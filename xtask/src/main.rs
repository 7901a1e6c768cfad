//! `cargo xtask`: the workspace's one entry point for generating, checking and reviewing.
//! `cargo xtask --help` lists the commands; `cargo xtask <command> --help` explains each.
//!
//! A thin command line over the library (`spec_pipeline::outputs`, `spec_review`, `spec_pipeline::sources`) and
//! the CI runner ([`ci`]). The repository it acts on is found at run time (`spec_pipeline::repo`).

mod ci;

use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use spec_pipeline::outputs::{self, Mode};
use spec_review::Severity;
use spec_review::command::{Format, Options};

/// The spec pipeline, the review tool and CI for the vendor specs.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check the specs and the vendor pages they cite, normalize, generate the client crates,
    /// publish spec/dist (the reference site apart), the payload fixtures and
    /// docs/diff-rules.md. Needs only the Rust toolchain.
    Generate {
        /// Change nothing: fail with a unified diff when a generated or published file is stale,
        /// or when a cited vendor page no longer matches its hash or contradicts the spec.
        #[arg(long)]
        check: bool,
    },
    /// Check the specs as generate does, then render the reference site in spec/dist/site/ with
    /// the pinned Redocly CLI (installed with `npm ci` when missing).
    Site {
        /// Change nothing: fail with a unified diff when a page of the site is stale.
        #[arg(long)]
        check: bool,
    },
    /// Run the project's spec checks, then Redocly, Spectral and openapi-spec-validator
    /// (without network access); 0 errors and 0 warnings.
    Lint,
    /// Everything CI runs: lint, workflow lint, generate --check, site --check, fmt, clippy, the tests,
    /// schemathesis against the sandbox, and the TypeScript and Python checks of spec/dist.
    Test,
    /// The review report of the spec change since BASE: vendor pages, classified spec changes,
    /// generated files and the Rust API change, and the version check.
    Diff(DiffArgs),
    /// The vendors' documentation pages stored under spec/sources/.
    Sources {
        #[command(subcommand)]
        command: SourcesCommand,
    },
}

#[derive(Debug, clap::Args)]
struct DiffArgs {
    /// The git revision to compare with [default: the merge-base of HEAD with main, else HEAD~1]
    base: Option<String>,
    /// The report's format: text for a terminal, markdown for a pull request, json for tools.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    /// Fail on a change this severe or worse, unless a major bump of the vendor's versions
    /// accepts it.
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Fail when a vendor's spec and crate versions disagree, or lack the bump its changes need.
    #[arg(long)]
    check_version: bool,
    /// Skip `cargo check --workspace --all-targets`, which otherwise shows every place the
    /// hand-written code no longer compiles (and fails `--fail-on` when it does not, or when it
    /// cannot run).
    #[arg(long)]
    no_compile_check: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Text,
    Markdown,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FailOn {
    /// Breaking changes.
    Breaking,
    /// Breaking and potentially breaking changes.
    Potential,
}

#[derive(Debug, Subcommand)]
enum SourcesCommand {
    /// Fetch every cited vendor page, compare its text with the stored copy (whitespace and
    /// table-cell joining ignored) and print what changed, with the operations that cite it.
    /// Fails when a page changed (without --write) or could not be fetched.
    Fetch {
        /// Only this vendor's pages (attestr, trust, gainsight-px).
        #[arg(long)]
        vendor: Option<String>,
        /// Store each changed page's new text under spec/sources/; the spec is left to the
        /// reviewer (`cargo xtask generate --check` then names every operation to update).
        #[arg(long)]
        write: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = spec_pipeline::repo::find_root().and_then(|repo| run(&repo, cli.command));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(repo: &Path, command: Command) -> Result<(), String> {
    match command {
        Command::Generate { check: false } => generate(repo, Mode::Write),
        Command::Generate { check: true } => generate(repo, Mode::Check),
        Command::Site { check } => {
            ci::tools::ensure_node_tools(repo)?;
            site(repo, if check { Mode::Check } else { Mode::Write })
        }
        Command::Lint => ci::lint::run(repo),
        Command::Test => ci::test(repo),
        Command::Diff(args) => {
            // Redocly does the comparison: install it the way `lint` does.
            ci::tools::ensure_node_tools(repo)?;
            spec_review::command::run(repo, &args.into())
        }
        Command::Sources {
            command: SourcesCommand::Fetch { vendor, write },
        } => fetch_sources(repo, vendor.as_deref(), write),
    }
}

impl From<DiffArgs> for Options {
    fn from(args: DiffArgs) -> Options {
        Options {
            base: args.base,
            format: match args.format {
                FormatArg::Text => Format::Text,
                FormatArg::Markdown => Format::Markdown,
                FormatArg::Json => Format::Json,
            },
            fail_on: args.fail_on.map(|level| match level {
                FailOn::Breaking => Severity::Breaking,
                FailOn::Potential => Severity::PotentiallyBreaking,
            }),
            check_version: args.check_version,
            compile_check: !args.no_compile_check,
        }
    }
}

fn fetch_sources(repo: &Path, vendor: Option<&str>, write: bool) -> Result<(), String> {
    let summary = spec_pipeline::sources::run(repo, vendor, write, Default::default())?;
    println!(
        "sources fetch: {} unchanged, {} changed, {} failed",
        summary.unchanged.len(),
        summary.changed.len(),
        summary.failed.len()
    );
    if !summary.failed.is_empty() {
        return Err(format!(
            "{} page(s) could not be compared:\n  {}",
            summary.failed.len(),
            summary.failed.join("\n  ")
        ));
    }
    if !summary.changed.is_empty() && !write {
        return Err(format!(
            "{} page(s) changed: review the diff above, then run `cargo xtask sources fetch --write` and bring the spec in line",
            summary.changed.len()
        ));
    }
    Ok(())
}

fn generate(repo: &Path, mode: Mode) -> Result<(), String> {
    // Beside the pipeline's outputs: docs/diff-rules.md, the table of the review tool's rules.
    let table = spec_review::table_outputs(repo).map_err(|err| err.to_string())?;
    let report = outputs::generate_with(repo, mode, table.into_iter().collect())
        .map_err(|err| err.to_string())?;
    print_report("generate", mode, &report)
}

fn site(repo: &Path, mode: Mode) -> Result<(), String> {
    let report = xtask::site::publish(repo, mode).map_err(|err| err.to_string())?;
    print_report("site", mode, &report)
}

/// What a write changed, or why a check failed (with the diff), for `generate` and `site`.
fn print_report(command: &str, mode: Mode, report: &outputs::Report) -> Result<(), String> {
    match mode {
        Mode::Write => {
            for path in &report.changed {
                println!("wrote   {path}");
            }
            for path in &report.stale {
                println!("removed {path}");
            }
            if report.is_clean() {
                println!("{command}: everything was up to date");
            }
            Ok(())
        }
        Mode::Check if report.is_clean() => {
            println!("{command} --check: every generated and published file is up to date");
            Ok(())
        }
        Mode::Check => {
            print!("{}", report.diff);
            let mut stale: Vec<&str> = report.changed.iter().map(String::as_str).collect();
            stale.extend(report.stale.iter().map(String::as_str));
            Err(format!(
                "{} generated file(s) are out of date with spec/: {}\nrun `cargo xtask {command}` and commit the result",
                stale.len(),
                stale.join(", ")
            ))
        }
    }
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
    fn diff_options_parse_in_every_form() {
        let cli = Cli::try_parse_from([
            "cargo xtask",
            "diff",
            "origin/main",
            "--format",
            "markdown",
            "--fail-on=potential",
            "--check-version",
        ])
        .unwrap();
        let Command::Diff(args) = cli.command else {
            panic!("not diff")
        };
        assert_eq!(
            Options::from(args),
            Options {
                base: Some("origin/main".to_string()),
                format: Format::Markdown,
                fail_on: Some(Severity::PotentiallyBreaking),
                check_version: true,
                compile_check: true,
            }
        );
        for args in [
            &["diff", "--format", "html"][..],
            &["diff", "--fail-on", "minor"],
            &["diff", "--fail-on"],
            &["diff", "--frobnicate"],
            &["diff", "a", "b"],
            &["frobnicate"],
        ] {
            let argv = std::iter::once("cargo xtask").chain(args.iter().copied());
            assert!(Cli::try_parse_from(argv).is_err(), "{args:?}");
        }
    }
}
