//! `vendor-erase` as a person or a script runs it: a subprocess with only the vendor crates'
//! environment variables, against the in-process sandbox. Killed with SIGKILL mid-run and run
//! again; bad subjects files; a vendor without configuration; exit codes; report formats; and
//! everything it prints checked for credentials and raw ids.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use erasure::journal::{Journal, StepState};
use erasure::vendor::Vendor;
use serde_json::{Value, json};
use support::{CURRENT_UUID, Person, World, people, subjects_csv};

const BIN: &str = env!("CARGO_BIN_EXE_vendor-erase");

/// The command with exactly `env` as its environment: nothing from the machine running the
/// tests (a real vendor's credentials, say) can reach it.
fn command(env: &BTreeMap<String, String>, args: &[&str]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(BIN);
    command.env_clear().envs(env).args(args).kill_on_drop(true);
    command
}

async fn output(env: &BTreeMap<String, String>, args: &[&str]) -> Output {
    command(env, args).output().await.unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Fails with everything the command printed unless it exited with `code`.
fn assert_exit(out: &Output, code: u8) {
    assert_eq!(out.status.code(), Some(i32::from(code)), "{}", text(out));
}

/// Fails with everything the command printed unless it printed `needle`.
fn assert_says(out: &Output, needle: &str) {
    assert!(text(out).contains(needle), "{}", text(out));
}

fn path(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `run SUBJECTS --journal JOURNAL`, then `extra`.
fn run_args<'a>(subjects: &'a Path, journal: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["run", path(subjects), "--journal", path(journal)];
    args.extend(extra);
    args
}

/// `report --journal JOURNAL --format FORMAT`, then `extra`.
fn report_args<'a>(journal: &'a Path, format: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["report", "--journal", path(journal), "--format", format];
    args.extend(extra);
    args
}

/// Starts `args` with its output discarded.
fn spawn_quiet(env: &BTreeMap<String, String>, args: &[&str]) -> tokio::process::Child {
    command(env, args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits until `journal` records at least `done` finished steps while `child`, the run writing
/// it, still runs; fails after a minute without them (a bound on a hang, not a speed test).
async fn wait_for_done(journal: &Path, done: usize, child: &mut tokio::process::Child) {
    let started = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let finished = Journal::open_read_only(journal)
            .and_then(|journal| journal.steps())
            .map(|steps| steps.iter().filter(|s| s.state == StepState::Done).count())
            .unwrap_or(0);
        if finished >= done {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the run made no progress"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it finished {done} steps"
        );
    }
}

/// Rates high enough for a test, PX under the sandbox's own 200/s.
const FAST: [&str; 6] = [
    "--attestr-rate",
    "1000",
    "--trust-rate",
    "1000",
    "--gainsight-px-rate",
    "190",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_run_it_resumes_without_sending_a_finished_step_twice() {
    let batch = people(300);
    let world = World::start(&batch, 200).await;
    let subjects = world.subjects_file("subjects.csv", &batch);
    let journal = world.path("journal.db");
    // Every PX delete takes 200 ms, so some are always in flight when the kill comes.
    world
        .fault(json!({"vendor": "gainsight-px", "delay_ms": 200, "count": 100000}))
        .await;
    let args = run_args(
        &subjects,
        &journal,
        &[
            "--attestr-rate",
            "60",
            "--trust-rate",
            "60",
            "--gainsight-px-rate",
            "60",
            "--concurrency",
            "8",
            "--progress",
            "lines",
        ],
    );
    let mut child = spawn_quiet(&world.env(), &args);
    wait_for_done(&journal, 250, &mut child).await;
    child.start_kill().unwrap(); // SIGKILL
    let status = child.wait().await.unwrap();
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "{status:?}");
    }

    let at_kill = Journal::open_read_only(&journal).unwrap().steps().unwrap();
    let finished: Vec<_> = at_kill
        .iter()
        .filter(|s| s.state == StepState::Done)
        .cloned()
        .collect();
    let in_flight: Vec<_> = at_kill
        .iter()
        .filter(|s| s.state == StepState::InFlight)
        .cloned()
        .collect();
    assert!(
        finished.len() >= 250 && finished.len() < 900,
        "{}",
        finished.len()
    );
    assert!(!in_flight.is_empty(), "no step was in flight at the kill");

    let resumed = output(&world.env(), &args).await;
    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed));

    let after = Journal::open_read_only(&journal).unwrap().steps().unwrap();
    assert_eq!(after.len(), 900);
    assert!(after.iter().all(|step| step.state == StepState::Done));
    let received = world.received().await;
    let erasures = |vendor: Vendor, id: &str| {
        received
            .iter()
            .filter(|request| request.is_erasure_of(vendor, id))
            .count()
    };
    for step in &finished {
        assert_eq!(
            erasures(step.vendor, &step.vendor_id),
            1,
            "finished before the kill: {step:?}"
        );
    }
    let idempotent = ["deleted_or_already_absent", "already_archived"];
    for step in &in_flight {
        let sent = erasures(step.vendor, &step.vendor_id);
        let outcome = after
            .iter()
            .find(|s| s.id == step.id)
            .unwrap()
            .outcome
            .clone()
            .unwrap();
        assert!((1..=2).contains(&sent), "{step:?}: sent {sent} times");
        if sent == 2 {
            assert!(idempotent.contains(&outcome.name()), "{step:?}: {outcome}");
        }
        assert!(outcome.is_erased());
    }
    for step in after
        .iter()
        .filter(|s| !in_flight.iter().any(|f| f.id == s.id))
    {
        assert_eq!(erasures(step.vendor, &step.vendor_id), 1, "{step:?}");
    }
}

#[tokio::test]
async fn bad_subjects_rows_are_listed_by_line_and_nothing_runs() {
    let world = World::start(&people(2), 200).await;
    let subjects = world.path("bad.csv");
    std::fs::write(
        &subjects,
        "subject,attestr_profile_id,trust_uuid,gainsight_px_identify_id\n\
         DSR-1,AXtest00000001,,person-00001@example.test\n\
         DSR-2,,not-a-uuid,\n\
         DSR-3,,,\n\
         DSR-1,,,person-00002@example.test\n",
    )
    .unwrap();
    let journal = world.path("journal.db");
    for args in [
        vec!["plan", path(&subjects)],
        vec!["run", path(&subjects), "--journal", path(&journal)],
    ] {
        let out = output(&world.env(), &args).await;
        assert_eq!(
            out.status.code(),
            Some(erasure::exit::USAGE as i32),
            "{args:?}"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        for expected in [
            "3 bad row(s); nothing was run",
            "line 3: trust_uuid: not a UUID",
            "line 4: names no vendor id",
            "line 5: subject: the same subject as line 2",
        ] {
            assert!(stderr.contains(expected), "{args:?}: {stderr}");
        }
        assert!(!stderr.contains("not-a-uuid"), "{stderr}");
    }
    assert!(!journal.exists());
    assert_eq!(world.received().await, []);
}

#[tokio::test]
async fn a_needed_vendor_without_configuration_fails_before_anything_runs() {
    let person = Person::numbered(1);
    let world = World::start(std::slice::from_ref(&person), 200).await;
    let subjects = world.subjects_file("subjects.csv", std::slice::from_ref(&person));
    let journal = world.path("journal.db");
    let mut env = world.env();
    env.remove("TRUST_CLIENT_ID");
    env.insert("GAINSIGHT_PX_API_KEY".to_string(), " ".to_string());
    let out = output(&env, &["run", path(&subjects), "--journal", path(&journal)]).await;
    assert_eq!(out.status.code(), Some(erasure::exit::USAGE as i32));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Trust is needed by the subjects but not configured: environment variable TRUST_CLIENT_ID is not set"), "{stderr}");
    assert!(stderr.contains("Gainsight PX is needed by the subjects but not configured: environment variable GAINSIGHT_PX_API_KEY is not set"), "{stderr}");
    assert!(stderr.contains("nothing was run"), "{stderr}");
    assert!(!journal.exists());
    assert_eq!(world.received().await, []);

    // A vendor no subject needs may stay unconfigured.
    let attestr_only = Person {
        trust: None,
        gainsight_px: None,
        ..person
    };
    let subjects = world.subjects_file("attestr.csv", &[attestr_only]);
    let args = run_args(&subjects, &journal, &FAST);
    let out = output(&env, &args).await;
    assert_exit(&out, 0);
}

#[tokio::test]
async fn exit_codes_dry_run_and_the_three_report_formats() {
    let mut batch = people(3);
    batch.push(Person::merged("DSR-merged"));
    let world = World::start(&batch, 200).await;
    let good = world.subjects_file("good.csv", &batch[..3]);
    let all = world.subjects_file("all.csv", &batch);
    let env = world.env();

    // A dry run checks and prints, and sends nothing.
    let dry = world.path("dry.db");
    let out = output(
        &env,
        &["run", path(&all), "--journal", path(&dry), "--dry-run"],
    )
    .await;
    assert_exit(&out, 0);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Attestr archive profile × 3: irreversible"),
        "{stdout}"
    );
    assert!(stdout.contains("does not exist yet"), "{stdout}");
    assert!(!dry.exists());
    assert_eq!(world.received().await, []);

    let journal = world.path("good.db");
    let args = run_args(&good, &journal, &FAST);
    let out = output(&env, &args).await;
    assert_exit(&out, 0);
    assert!(String::from_utf8_lossy(&out.stderr).contains("3 of 3 subjects erased"));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&journal).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let out = output(
        &env,
        &["run", path(&good), "--journal", path(&journal), "--dry-run"],
    )
    .await;
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("9 step(s) finished before (never sent again); would send 0"),
        "{}",
        text(&out)
    );

    // The same three people again, in a new journal: the sandbox erased them above, so Trust and
    // Gainsight PX find nothing (absent, never "erased"), and Attestr answers already archived
    // (erased: its documented evidence of the earlier archive).
    let merged_journal = world.path("merged.db");
    let args = run_args(&all, &merged_journal, &FAST);
    let out = output(&env, &args).await;
    assert_exit(&out, erasure::exit::NEEDS_PERSON);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("0 of 4 subjects erased at every vendor named, 3 with no record under the id at some vendor (absent), 1 needs a person, 0 not finished. Steps: 3 erased, 6 absent (the vendor holds no record under the id: check the ids if unexpected), 1 needs a person, 0 not finished."),
        "{}",
        text(&out)
    );

    // Another subjects file against the same journal is refused.
    let out = output(&env, &run_args(&good, &merged_journal, &[])).await;
    assert_eq!(out.status.code(), Some(erasure::exit::USAGE as i32));
    assert!(String::from_utf8_lossy(&out.stderr).contains("was started from other subjects"));

    let report = |format: &'static str, reveal: bool| {
        let mut args = report_args(&merged_journal, format, &[]);
        if reveal {
            args.push("--reveal");
        }
        let env = env.clone();
        async move {
            let out = output(&env, &args).await;
            assert_exit(&out, 0);
            String::from_utf8(out.stdout).unwrap()
        }
    };
    let json: Value = serde_json::from_str(&report("json", false).await).unwrap();
    assert_eq!(json["summary"]["subjects_erased"], 0);
    assert_eq!(json["summary"]["subjects_absent"], 3);
    assert_eq!(json["summary"]["steps_absent"], 6);
    assert_eq!(json["subjects"][0]["steps"][1]["standing"], "absent");
    assert_eq!(json["ids_revealed"], false);
    let merged = &json["subjects"][3]["steps"][0];
    assert_eq!(merged["outcome"], "merged");
    assert_eq!(merged["standing"], "needs_person");
    assert!(
        merged["merged_into"]
            .as_str()
            .unwrap()
            .starts_with("hmac-sha256:")
    );
    let revealed: Value = serde_json::from_str(&report("json", true).await).unwrap();
    assert_eq!(
        revealed["subjects"][3]["steps"][0]["merged_into"],
        CURRENT_UUID
    );

    let markdown = report("markdown", false).await;
    assert!(markdown.contains("| Subject | Line | Vendor | Action | Vendor id | Standing | Outcome | Time (UTC) | Request id | Attempts |"), "{markdown}");
    assert!(
        markdown.contains("## Needs a person or not finished"),
        "{markdown}"
    );
    assert!(markdown.contains("## Caveats"), "{markdown}");
    let html = report("html", false).await;
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<table id=\"receipts\">"));
    for external in ["http://", "https://", "<script", "src=", "href=", "url("] {
        assert!(!html.contains(external), "{external} in {html}");
    }
    for person in &batch {
        for (_, id) in person.ids() {
            for text in [&json.to_string(), &markdown, &html] {
                assert!(!text.contains(&id), "{id} in a report without --reveal");
            }
        }
    }

    // --output writes a private file, and narrows an existing one anyone may read (with
    // --reveal it holds raw ids).
    use std::os::unix::fs::PermissionsExt;
    let existing = world.path("existing.json");
    std::fs::write(&existing, "{}").unwrap();
    std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o644)).unwrap();
    for (file, format, reveal) in [
        (world.path("receipt.html"), "html", false),
        (existing.clone(), "json", true),
    ] {
        let mut args = report_args(&merged_journal, format, &["--output", path(&file)]);
        if reveal {
            args.push("--reveal");
        }
        let out = output(&env, &args).await;
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", file.display());
    }
    assert!(
        std::fs::read_to_string(&existing)
            .unwrap()
            .contains(CURRENT_UUID)
    );
}

#[tokio::test]
async fn logs_and_output_hold_no_credential_and_no_raw_id() {
    let mut batch = people(6);
    batch.push(Person::merged("DSR-merged"));
    batch.push(Person {
        subject: "DSR-unknown".to_string(),
        attestr: Some("AXnobody".to_string()),
        trust: Some("dddddddd-dddd-4ddd-8ddd-dddddddddddd".to_string()),
        gainsight_px: Some("nobody@example.test".to_string()),
    });
    let world = World::start(&batch[..6], 200).await;
    let subjects = world.subjects_file("subjects.csv", &batch);
    for fault in [
        json!({"vendor": "gainsight-px", "status": 503, "count": 2}),
        json!({"vendor": "trust", "status": 429, "count": 1, "retry_after_secs": 1}),
        json!({"vendor": "attestr", "status": 500, "count": 1}),
    ] {
        world.fault(fault).await;
    }
    let mut printed = String::new();
    for (name, changes) in [
        ("right", vec![]),
        (
            "wrong",
            vec![(
                "GAINSIGHT_PX_BASE_URL",
                format!("{}/gainsight-px/api", world.sandbox.base_url()),
            )],
        ),
    ] {
        let mut env = world.env();
        for (key, value) in changes {
            env.insert(key.to_string(), value);
        }
        let journal = world.path(&format!("{name}.db"));
        let mut args = vec![
            "--log-level",
            "trace",
            "run",
            path(&subjects),
            "--journal",
            path(&journal),
            "--progress",
            "lines",
            "--follow-merges",
        ];
        args.extend(FAST);
        let out = output(&env, &args).await;
        assert_exit(&out, erasure::exit::NEEDS_PERSON);
        printed.push_str(&text(&out));
        let out = output(&env, &["--log-level", "trace", "plan", path(&subjects)]).await;
        printed.push_str(&text(&out));
    }
    // The logs are there, and say something useful.
    assert!(printed.contains("vendor_call"), "{printed}");
    assert!(printed.contains("retrying"), "{printed}");
    assert!(printed.contains("needs a person"), "{printed}");
    let mut forbidden = world.secrets();
    for person in &batch {
        forbidden.extend(person.ids().into_iter().map(|(_, id)| id));
    }
    forbidden.push(CURRENT_UUID.to_string());
    for secret in forbidden {
        assert!(
            !printed.contains(&secret),
            "{secret} was printed:\n{printed}"
        );
    }
}

/// Every `vendor-erase` command the README's privacy quickstart and the erasure guide show (a
/// line of a `sh` block naming the binary) is one the binary accepts: with `--help` appended it
/// exits 0, so a renamed subcommand or flag fails here, not in a reader's terminal.
#[tokio::test]
async fn every_command_the_docs_show_is_accepted() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut shown = Vec::new();
    for doc in ["README.md", "docs/erasure.md"] {
        let text = std::fs::read_to_string(repo.join(doc)).unwrap();
        let mut in_sh = false;
        for line in text.lines() {
            if line.starts_with("```") {
                in_sh = line == "```sh";
                continue;
            }
            let code = line.split(" #").next().unwrap_or("");
            let mut words = code.split_whitespace();
            let is_erase = words
                .next()
                .is_some_and(|program| program.rsplit('/').next() == Some("vendor-erase"));
            if in_sh && is_erase {
                shown.push((doc, words.map(str::to_string).collect::<Vec<_>>()));
            }
        }
    }
    assert!(shown.len() >= 6, "{shown:?}");
    for (doc, args) in &shown {
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        args.push("--help");
        let out = output(&BTreeMap::new(), &args).await;
        assert!(
            out.status.success(),
            "{doc}: vendor-erase {args:?}: {}",
            text(&out)
        );
    }
    let renamed = output(&BTreeMap::new(), &["erase", "subjects.csv", "--help"]).await;
    assert!(!renamed.status.success(), "{}", text(&renamed));
}

/// A vendor's error body and request id echo the Attestr id in other letter cases, percent-encoded
/// and JSON-escaped, with terminal escape sequences: nothing of it reaches the terminal or any
/// receipt format, and `--subject` and `--format csv` give the one subject's rows. The vendor is
/// a small server on a loopback port that answers the base-URL check's probe as Attestr documents
/// and every other request with that body; in a second run it answers the probe with it too, and
/// the vendor's halt shows none of it on the terminal either.
#[tokio::test]
async fn vendor_text_reaches_no_receipt_and_no_terminal_with_the_id_or_a_control_character() {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicBool, Ordering};
    const ID: &str = "AXJaneDoe01";
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    let probe_documented = std::sync::Arc::new(AtomicBool::new(true));
    let documented = probe_documented.clone();
    let server = std::thread::spawn(move || {
        let body = "{\"code\":\"E999\",\"message\":\"profile axjanedoe01 unknown: see /profiles/%41%58JaneDoe01 \
                    and \\u0041\\u0058\\u004a\\u0061\\u006e\\u0065Doe01\u{1b}[2J\u{1b}]0;pwned\u{7}\u{1b}[31m\"}";
        for stream in listener.incoming() {
            if stopped.load(Ordering::SeqCst) {
                break;
            }
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buffer = [0_u8; 4096];
            // The request head; a body, if any, is not needed to answer.
            while !request.windows(4).any(|window| window == b"\r\n\r\n") {
                match stream.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(read) => request.extend_from_slice(&buffer[..read]),
                }
            }
            let probe = String::from_utf8_lossy(&request).contains("vendor-erase-probe");
            let response = if probe && documented.load(Ordering::SeqCst) {
                let known = r#"{"code":40018,"message":"Invalid profile Id or you do not have access to this record"}"#;
                format!(
                    "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{known}",
                    known.len()
                )
            } else {
                format!(
                    "HTTP/1.1 418 I'm a teapot\r\ncontent-type: application/json\r\nrequest-id: REQ-{}\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    ID.to_uppercase(),
                    body.len()
                )
            };
            let _ = stream.write_all(response.as_bytes());
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let subjects = dir.path().join("subjects.csv");
    std::fs::write(
        &subjects,
        format!(
            "subject,attestr_profile_id,trust_uuid,gainsight_px_identify_id\r\nDSR-1,{ID},,\r\n"
        ),
    )
    .unwrap();
    let journal = dir.path().join("j.db");
    let env = BTreeMap::from([
        ("ATTESTR_AUTH_TOKEN".to_string(), "test-token".to_string()),
        ("ATTESTR_BASE_URL".to_string(), format!("http://{address}")),
    ]);
    let mut args = run_args(&subjects, &journal, &["--progress", "lines"]);
    args.extend(FAST);
    let run = output(&env, &args).await;
    assert_exit(&run, erasure::exit::NEEDS_PERSON);
    assert!(
        !text(&run).contains("did not prove"),
        "the probe was answered as documented, so the step was sent:\n{}",
        text(&run)
    );
    let mut shown = vec![("run".to_string(), text(&run))];
    // The same people in a new journal, with the probe answered by the echoing body: the vendor
    // is halted, and the terminal says so without quoting it.
    probe_documented.store(false, Ordering::SeqCst);
    let halted_journal = dir.path().join("halted.db");
    let mut halted_args = run_args(&subjects, &halted_journal, &["--progress", "lines"]);
    halted_args.extend(FAST);
    let halted = output(&env, &halted_args).await;
    assert_exit(&halted, erasure::exit::NEEDS_PERSON);
    assert_says(&halted, "did not prove");
    shown.push(("halted run".to_string(), text(&halted)));
    probe_documented.store(true, Ordering::SeqCst);
    for format in ["json", "markdown", "html", "csv"] {
        let out = output(&env, &report_args(&journal, format, &[])).await;
        assert_exit(&out, 0);
        shown.push((format.to_string(), text(&out)));
    }
    let csv_of = |subject: &'static str| {
        let args = report_args(&journal, "csv", &["--subject", subject]);
        let env = &env;
        async move { output(env, &args).await }
    };
    let csv = csv_of("DSR-1").await;
    assert_exit(&csv, 0);
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(&csv.stdout[..])
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 1, "{}", text(&csv));
    assert_eq!((&rows[0][0], &rows[0][6]), ("DSR-1", "needs_person"));
    assert!(
        rows[0][12].contains("hmac-sha256:"),
        "the vendor's message is kept, redacted: {:?}",
        &rows[0]
    );
    let unknown = csv_of("DSR-2").await;
    assert_exit(&unknown, erasure::exit::USAGE);
    stop.store(true, Ordering::SeqCst);
    let _ = std::net::TcpStream::connect(address);
    server.join().unwrap();

    for (name, text) in shown {
        let lower = text.to_lowercase();
        for form in ["axjanedoe", "%41%58", "\\u0041\\u0058", "pwned\u{7}"] {
            assert!(!lower.contains(form), "{name} shows {form:?}:\n{text}");
        }
        assert!(
            !text.chars().any(|c| c == '\u{1b}' || c == '\u{7}') && !lower.contains("\\u001b"),
            "{name} holds a control character:\n{text:?}"
        );
    }
}

/// Twenty Gainsight PX ids the vendor has never held (a wrong data centre, say): every step is
/// absent, no subject is counted erased, and the run ends with a warning naming the vendor.
#[tokio::test]
async fn a_run_whose_px_steps_are_all_absent_ends_with_a_warning_naming_the_vendor() {
    let world = World::start(&[], 200).await;
    let strangers: Vec<Person> = (1..=20)
        .map(|n| Person {
            subject: format!("DSR-{n}"),
            attestr: None,
            trust: None,
            gainsight_px: Some(format!("stranger-{n}@example.test")),
        })
        .collect();
    let subjects = world.subjects_file("strangers.csv", &strangers);
    let journal = world.path("strangers.db");
    let args = run_args(&subjects, &journal, &FAST);
    let out = output(&world.env(), &args).await;
    // Nothing is left to do (exit 0), but nothing was erased, and the run says so.
    assert_exit(&out, erasure::exit::ERASED);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("0 of 20 subjects erased at every vendor named, 20 with no record under the id at some vendor (absent)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("vendor-erase: warning: Gainsight PX: 20 of 20 ended steps found no record under the id (absent). Likely wrong ids, a wrong account or a wrong data centre"),
        "{stderr}"
    );
    let report = output(&world.env(), &report_args(&journal, "json", &[])).await;
    let json: Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(json["warnings"].as_array().unwrap().len(), 1, "{json}");
    assert_eq!(json["summary"]["subjects_erased"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_on_a_journal_in_use_is_refused_at_once_and_sends_nothing() {
    let batch = people(20);
    let world = World::start(&batch, 200).await;
    // The second run is pointed at a sandbox of its own: anything it sent would show there.
    let elsewhere = World::start(&batch, 200).await;
    let subjects = world.subjects_file("subjects.csv", &batch);
    let journal = world.path("journal.db");
    world
        .fault(json!({"vendor": "gainsight-px", "delay_ms": 300, "count": 100000}))
        .await;
    let args = run_args(
        &subjects,
        &journal,
        &["--concurrency", "2", "--progress", "none"],
    );
    let mut first = spawn_quiet(&world.env(), &args);
    wait_for_done(&journal, 1, &mut first).await;

    let asked = Instant::now();
    let second = output(&elsewhere.env(), &args).await;
    let waited = asked.elapsed();
    assert_exit(&second, erasure::exit::FAILED);
    let said = text(&second);
    assert!(
        said.contains("is in use by another vendor-erase run"),
        "{said}"
    );
    assert!(said.contains("nothing was sent"), "{said}");
    // At once: not after the first run (a bound on a hang, not a speed test).
    assert!(waited < Duration::from_secs(10), "{waited:?}");
    let verify = output(&elsewhere.env(), &["verify", "--journal", path(&journal)]).await;
    assert_exit(&verify, erasure::exit::FAILED);
    assert_says(&verify, "is in use");
    assert_eq!(elsewhere.received().await, []);

    let first = first.wait_with_output().await.unwrap();
    assert_eq!(first.status.code(), Some(0));
    for person in &batch {
        for (vendor, id) in person.ids() {
            let erasures = world.erasures_of(vendor, &id).await;
            assert_eq!(erasures.len(), 1, "{vendor}: {erasures:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_reads_a_journal_in_a_directory_its_reader_cannot_write() {
    use std::os::unix::fs::PermissionsExt;
    let person = Person::numbered(3);
    let world = World::start(std::slice::from_ref(&person), 200).await;
    let subjects = world.subjects_file("subjects.csv", std::slice::from_ref(&person));
    let journal = world.path("journal.db");
    let run = output(
        &world.env(),
        &run_args(&subjects, &journal, &["--operator", "Dana (privacy)"]),
    )
    .await;
    assert_exit(&run, erasure::exit::ERASED);
    assert_says(&run, "Journal chain head: sha256:");

    // An auditor's copy: a directory only its owner (root) may write, a file nobody may write,
    // read by another user (nobody). Tests run as root, who may write anywhere, so the reader
    // must be another user for the directory's mode to count.
    let audit = tempfile::tempdir().unwrap();
    std::fs::set_permissions(audit.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let copy_dir = audit.path().join("copy");
    std::fs::create_dir(&copy_dir).unwrap();
    let copy = copy_dir.join("journal.db");
    std::fs::copy(&journal, &copy).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(&copy_dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    let as_nobody = tokio::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN])
        .args(["report", "--journal", path(&copy), "--format", "json"])
        .env_clear()
        .output()
        .await
        .expect("setpriv runs the tool as another user");
    assert_exit(&as_nobody, erasure::exit::ERASED);
    let report: Value = serde_json::from_slice(&as_nobody.stdout).unwrap();
    assert_eq!(report["summary"]["subjects_erased"], 1);
    let head = report["chain"]["head"].as_str().unwrap();
    assert!(head.starts_with("sha256:"), "{report}");
    assert_eq!(report["runs"][0]["operator"], "Dana (privacy)");
    let px = report["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|vendor| vendor["vendor"] == "gainsight-px")
        .unwrap();
    assert_eq!(
        px["environments"][0],
        format!(
            "{} (data centre: custom base URL (no Gainsight PX data centre))",
            world
                .sandbox
                .gainsight_px_url()
                .split("://")
                .nth(1)
                .unwrap()
                .split('/')
                .next()
                .unwrap()
        )
    );
    assert!(px["completed_at"].is_string(), "{px}");
    assert!(px["method"].as_str().unwrap().starts_with("hard delete"));
    assert_eq!(px["cited_pages"][0]["sha256"].as_str().unwrap().len(), 64);
    // A dry run reads it the same way.
    let subjects_copy = audit.path().join("subjects.csv");
    std::fs::copy(&subjects, &subjects_copy).unwrap();
    std::fs::set_permissions(&subjects_copy, std::fs::Permissions::from_mode(0o444)).unwrap();
    let dry_run = tokio::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN])
        .args([
            "run",
            path(&subjects_copy),
            "--journal",
            path(&copy),
            "--dry-run",
        ])
        .env_clear()
        .envs(world.env())
        .output()
        .await
        .unwrap();
    assert_exit(&dry_run, erasure::exit::ERASED);
    assert_says(&dry_run, "Dry run against");
    // Nothing was made beside it.
    let beside: Vec<_> = std::fs::read_dir(&copy_dir).unwrap().collect();
    assert_eq!(beside.len(), 1, "{beside:?}");
    // Every format states the chain head.
    for format in ["markdown", "html"] {
        let out = output(&BTreeMap::new(), &report_args(&journal, format, &[])).await;
        assert_exit(&out, erasure::exit::ERASED);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(head),
            "{format}"
        );
    }
    std::fs::set_permissions(&copy_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_read_by_a_reader_that_stops_early_ends_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let subjects = dir.path().join("subjects.csv");
    std::fs::write(&subjects, subjects_csv(&people(3000))).unwrap();
    // The plan is far larger than a pipe holds, and the reader is gone before it is written.
    let mut child = command(&BTreeMap::new(), &["plan", path(&subjects)])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_exit(&out, erasure::exit::ERASED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_finds_a_px_user_created_again_and_exits_3() {
    let person = Person {
        subject: "DSR-AGAIN".to_string(),
        attestr: None,
        trust: None,
        gainsight_px: Some("again@example.test".to_string()),
    };
    let world = World::start(std::slice::from_ref(&person), 200).await;
    let subjects = world.subjects_file("subjects.csv", std::slice::from_ref(&person));
    let journal = world.path("journal.db");
    let run = output(&world.env(), &run_args(&subjects, &journal, &[])).await;
    assert_exit(&run, erasure::exit::ERASED);

    // Nothing came back yet: absence proven again.
    let verify = [
        "verify",
        "--journal",
        path(&journal),
        "--operator",
        "Auditor B",
    ];
    let first = output(&world.env(), &verify).await;
    assert_exit(&first, erasure::exit::ERASED);
    assert_says(&first, "1 absent again, 0 present again");

    world.create_px_user("again@example.test").await;
    let second = output(&world.env(), &verify).await;
    assert_exit(&second, erasure::exit::NEEDS_PERSON);
    assert_says(&second, "0 absent again, 1 present again");
    assert!(
        !text(&second).contains("again@example.test"),
        "{}",
        text(&second)
    );

    let report = output(&BTreeMap::new(), &report_args(&journal, "json", &[])).await;
    assert_exit(&report, erasure::exit::ERASED);
    let report: Value = serde_json::from_slice(&report.stdout).unwrap();
    let step = &report["subjects"][0]["steps"][0];
    assert_eq!(step["standing"], "needs_person", "{step}");
    assert_eq!(step["verification"]["result"], "present_again", "{step}");
    assert!(step["recheck_due"].is_string(), "{step}");
    let operators: Vec<&Value> = report["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| &run["operator"])
        .collect();
    assert_eq!(
        operators,
        [&Value::Null, &json!("Auditor B"), &json!("Auditor B")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_edited_outside_the_tool_gets_no_receipt() {
    let batch = people(2);
    let world = World::start(&batch, 200).await;
    let subjects = world.subjects_file("subjects.csv", &batch);
    let journal = world.path("journal.db");
    let run = output(&world.env(), &run_args(&subjects, &journal, &[])).await;
    assert_exit(&run, erasure::exit::ERASED);
    let report_args = report_args(&journal, "json", &[]);
    assert_exit(
        &output(&BTreeMap::new(), &report_args).await,
        erasure::exit::ERASED,
    );

    // Another client rewrites the second subject's Trust outcome.
    rusqlite::Connection::open(&journal)
        .unwrap()
        .execute_batch(
            "UPDATE steps SET outcome = 'not_found' WHERE vendor = 'trust'
             AND subject_id = (SELECT id FROM subjects WHERE line = 3)",
        )
        .unwrap();
    let report = output(&BTreeMap::new(), &report_args).await;
    assert_exit(&report, erasure::exit::FAILED);
    let said = text(&report);
    assert!(
        said.contains("changed outside vendor-erase: the Trust step of the subject on line 3"),
        "{said}"
    );
    assert!(report.stdout.is_empty(), "a receipt was printed");
    assert!(!said.contains(batch[1].trust.as_deref().unwrap()), "{said}");
    let verify = output(&world.env(), &["verify", "--journal", path(&journal)]).await;
    assert_exit(&verify, erasure::exit::FAILED);
    assert_says(&verify, "line 3");
    let resumed = output(&world.env(), &run_args(&subjects, &journal, &[])).await;
    assert_exit(&resumed, erasure::exit::FAILED);

    // A deleted salt is said as such.
    rusqlite::Connection::open(&journal)
        .unwrap()
        .execute_batch("DELETE FROM meta WHERE key = 'salt'")
        .unwrap();
    let report = output(&BTreeMap::new(), &report_args).await;
    assert_exit(&report, erasure::exit::FAILED);
    assert_says(&report, "its salt is missing");
    assert!(!text(&report).contains("no rows"), "{}", text(&report));
}

/// A journal named like an SQLite URI is a file like any other: `file:…?mode=memory` is not a
/// journal kept in memory only (which no crash, resume or report would find).
#[tokio::test]
async fn a_journal_named_like_a_sqlite_uri_is_a_file_like_any_other() {
    let batch = people(1);
    let world = World::start(&batch, 200).await;
    let subjects = world.subjects_file("s.csv", &batch);
    let name = "file:j.db?mode=memory";
    for args in [
        run_args(&subjects, Path::new(name), &FAST),
        vec!["report", "--journal", name, "--format", "json"],
    ] {
        let out = command(&world.env(), &args)
            .current_dir(world.path(""))
            .output()
            .await
            .unwrap();
        assert_exit(&out, 0);
    }
    let journal = Journal::open_read_only(&world.path(name)).unwrap();
    let steps = journal.steps().unwrap();
    assert!(!steps.is_empty());
    assert!(steps.iter().all(|step| step.state == StepState::Done));
}
