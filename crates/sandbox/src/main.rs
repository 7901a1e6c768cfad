//! `vendor-sandbox`: runs the sandbox until Ctrl-C or SIGTERM. Its first stdout line is
//! `listening on http://ADDR` (scripts start it with `--listen 127.0.0.1:0` and read the port
//! from there); the `export` lines that configure the three vendor crates follow (the same as
//! `--print-env`).

use std::io::Write;
use std::process::ExitCode;
use std::str::FromStr;

use clap::Parser;
use sandbox::cli::Cli;
use sandbox::{Config, RunningSandbox, Sandbox};
use tracing_subscriber::filter::LevelFilter;

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("vendor-sandbox: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    let config = cli.config();
    if cli.print_env {
        print!(
            "{}",
            sandbox::cli::print_env(config.listen, &config.credentials)?
        );
        return Ok(());
    }
    // Logs go to stderr: stdout carries the address line that scripts read.
    tracing_subscriber::fmt()
        .with_max_level(LevelFilter::from_str(&cli.log_level).unwrap_or(LevelFilter::INFO))
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start the runtime: {error}"))?;
    runtime.block_on(async {
        let running = Sandbox::start(config.clone())
            .await
            .map_err(|error| error.to_string())?;
        print_banner(&running, &config);
        wait_for_shutdown_signal().await;
        tracing::info!("shutting down");
        running.stop().await.map_err(|error| error.to_string())
    })
}

fn print_banner(running: &RunningSandbox, config: &Config) {
    let credentials = &config.credentials;
    // Written with errors ignored: a reader that closed the pipe after the first line must not
    // bring the sandbox down.
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "listening on {}", running.base_url());
    let _ = stdout.flush();
    // The configuration of the three vendor crates, ready to paste (as `--print-env`), then the
    // rest as shell comments, so the whole banner pastes.
    let _ = write!(
        stdout,
        "{env}# Admin    {base}/_sandbox/{{clock,faults,reset,requests}}
# OpenAPI  {base}/openapi/{{attestr,trust,gainsight-px}}.json
# State    {state}
",
        env = sandbox::cli::env_lines(&running.base_url(), credentials),
        base = running.base_url(),
        state = config
            .state_file
            .as_ref()
            .map(|path| format!("SQLite database {}", path.display()))
            .unwrap_or_else(|| "in memory (lost when it stops)".to_string()),
    );
}

async fn wait_for_shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
