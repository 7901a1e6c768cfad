//! The erasure library against the in-process sandbox: one subject at all three vendors, a batch
//! of 1,000 through injected faults, a merged Trust uuid, steps in flight at a crash, a wrong base
//! URL, refused credentials.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use erasure::clients::Clients;
use erasure::journal::{Finish, Journal, StepRow, StepState};
use erasure::outcome::{Outcome, ProblemKind};
use erasure::pace::Pace;
use erasure::progress::Silent;
use erasure::report::{Report, Standing};
use erasure::run::{RunOptions, StopSignal, run};
use erasure::subjects::{Source, Subject, read_subjects};
use erasure::vendor::Vendor;
use serde_json::json;
use support::{CURRENT_UUID, MERGED_UUID, Person, World, people};

fn pace(per_second: f64, concurrency: usize) -> Pace {
    Pace {
        per_second,
        concurrency,
    }
}

/// Paces that leave Gainsight PX under the sandbox's 200/s and the others unhurried.
fn options() -> RunOptions {
    RunOptions {
        paces: BTreeMap::from([
            (Vendor::Attestr, pace(2000.0, 16)),
            (Vendor::Trust, pace(2000.0, 16)),
            (Vendor::GainsightPx, pace(190.0, 16)),
        ]),
        resend_delay: Duration::from_millis(200),
        ..RunOptions::default()
    }
}

/// The steps `journal` records.
fn steps_of(journal: &Path) -> Vec<StepRow> {
    Journal::open_read_only(journal).unwrap().steps().unwrap()
}

/// Runs the subjects file into the journal and returns the receipts.
async fn erase(subjects: &Path, journal: &Path, clients: &Clients, options: &RunOptions) -> Report {
    let subjects = read_subjects(subjects).unwrap();
    erase_subjects(&subjects, journal, clients, options).await
}

/// Runs `subjects` into the journal and returns the receipts, ids revealed.
async fn erase_subjects(
    subjects: &(impl Source + ?Sized),
    journal: &Path,
    clients: &Clients,
    options: &RunOptions,
) -> Report {
    let opened = Journal::open_for_run(journal, subjects).unwrap();
    let stop = StopSignal::default();
    run(opened, clients, options, &Silent, &stop).await.unwrap();
    Report::from_journal(&Journal::open_read_only(journal).unwrap(), true).unwrap()
}

fn outcomes(report: &Report) -> Vec<(Vendor, Option<String>)> {
    report
        .subjects
        .iter()
        .flat_map(|subject| subject.steps.iter())
        .map(|step| (step.vendor, step.outcome.clone()))
        .collect()
}

#[tokio::test]
async fn one_subject_is_erased_at_all_three_vendors_and_never_twice() {
    let person = Person::numbered(1);
    let world = World::start(std::slice::from_ref(&person), 200).await;
    let subjects = world.subjects_file("subjects.csv", std::slice::from_ref(&person));
    let journal = world.path("journal.db");

    let report = erase(&subjects, &journal, &world.clients(), &options()).await;
    assert!(report.all_settled(), "{report:#?}");
    assert_eq!(
        outcomes(&report),
        [
            (Vendor::Attestr, Some("archived".to_string())),
            (Vendor::Trust, Some("deleted".to_string())),
            (Vendor::GainsightPx, Some("deleted".to_string())),
        ]
    );
    for step in &report.subjects[0].steps {
        assert_eq!((step.attempts, step.sends), (1, 1), "{step:?}");
        assert!(step.time.is_some());
    }
    for (vendor, id) in person.ids() {
        assert_eq!(world.erasures_of(vendor, &id).await.len(), 1, "{vendor}");
    }

    // The vendors agree: the user and the identity are gone, the profile is archived.
    let clients = world.clients();
    let px = clients.gainsight_px.as_ref().unwrap();
    let gone = px
        .get_user()
        .identify_id(person.gainsight_px.as_deref().unwrap())
        .call()
        .await;
    assert!(
        matches!(&gone, Err(gainsight_px::Error::Api { context, .. }) if context.status == Some(404)),
        "{gone:?}"
    );
    let trust = clients.trust.as_ref().unwrap();
    let uuid = person.trust.as_deref().unwrap().parse().unwrap();
    assert_eq!(
        trust.delete(uuid).await.unwrap(),
        trust::DeleteOutcome::NotFound
    );
    let attestr = clients.attestr.as_ref().unwrap();
    assert_eq!(
        attestr
            .archive(person.attestr.as_deref().unwrap())
            .await
            .unwrap(),
        attestr::ArchiveOutcome::AlreadyArchived
    );

    // Run again: every step is finished, nothing is sent.
    world.clear_received().await;
    let again = erase(&subjects, &journal, &world.clients(), &options()).await;
    assert!(again.all_settled());
    assert_eq!(world.received().await, []);
}

#[tokio::test]
async fn a_batch_of_1000_through_429s_503s_and_delays_is_all_proven() {
    let batch = people(1000);
    let world = World::start(&batch, 200).await;
    let subjects = world.subjects_file("subjects.csv", &batch);
    let journal = world.path("journal.db");
    for fault in [
        // Each vendor's first call is the check that its base URL serves that vendor
        // (`Clients::check`): let it pass, so that the faults after it meet the erasures.
        json!({"vendor": "gainsight-px", "delay_ms": 1, "count": 1}),
        json!({"vendor": "attestr", "delay_ms": 1, "count": 1}),
        json!({"vendor": "trust", "delay_ms": 1, "count": 1}),
        json!({"vendor": "gainsight-px", "status": 429, "count": 3, "retry_after_secs": 1}),
        json!({"vendor": "gainsight-px", "status": 503, "count": 4}),
        json!({"vendor": "gainsight-px", "delay_ms": 300, "count": 10}),
        json!({"vendor": "attestr", "status": 503, "count": 4}),
        json!({"vendor": "attestr", "delay_ms": 400, "count": 10}),
        json!({"vendor": "attestr", "status": 429, "count": 2, "retry_after_secs": 1}),
        json!({"vendor": "trust", "status": 429, "count": 3, "retry_after_secs": 1}),
        json!({"vendor": "trust", "status": 500, "count": 3}),
        json!({"vendor": "atenea", "status": 503, "count": 1}),
    ] {
        world.fault(fault).await;
    }
    let started = std::time::Instant::now();
    let report = erase(&subjects, &journal, &world.clients(), &options()).await;
    let elapsed = started.elapsed();
    assert!(report.all_settled(), "{:#?}", report.head.summary);
    assert_eq!(report.head.summary.steps, 3000);
    let steps: Vec<_> = report
        .subjects
        .iter()
        .flat_map(|s| s.steps.iter())
        .collect();
    assert!(steps.iter().all(|step| step.outcome.as_deref()
        == Some(match step.vendor {
            Vendor::Attestr => "archived",
            _ => "deleted",
        })));
    // The faults were met (retried inside the calls) and show in the receipts' attempts.
    let attempts: u32 = steps.iter().map(|step| step.attempts).sum();
    assert!(attempts >= 3000 + 3 + 4 + 4 + 2 + 3 + 3, "{attempts}");
    // Every fault answer reached the client, and each step's erasure ended in one success.
    let received = world.received().await;
    let statuses = |vendor: &str, status: u16| {
        received
            .iter()
            .filter(|r| r.vendor == vendor && r.status == status)
            .count()
    };
    assert_eq!(statuses("gainsight-px", 429), 3);
    assert_eq!(statuses("gainsight-px", 503), 4);
    assert_eq!(statuses("trust", 429), 3);
    for person in batch.iter().step_by(97) {
        for (vendor, id) in person.ids() {
            let erasures = world.erasures_of(vendor, &id).await;
            assert_eq!(
                erasures.iter().filter(|r| r.status < 300).count(),
                1,
                "{vendor} {id}: {erasures:?}"
            );
        }
    }
    // 1,000 PX deletes at 190/s take 5.3 s at least; the faults add a few seconds, no more.
    assert!(elapsed < Duration::from_secs(40), "{elapsed:?}");
}

#[tokio::test]
async fn a_merged_trust_uuid_is_reported_with_its_current_identity_and_not_followed() {
    let person = Person::merged("DSR-merged");
    let world = World::start(&[], 200).await;
    let subjects = world.subjects_file("subjects.csv", std::slice::from_ref(&person));
    let journal = world.path("journal.db");

    let report = erase(&subjects, &journal, &world.clients(), &options()).await;
    assert!(!report.all_settled());
    let step = &report.subjects[0].steps[0];
    assert_eq!(step.outcome.as_deref(), Some("merged"));
    assert_eq!(step.merged_into.as_deref(), Some(CURRENT_UUID));
    assert_eq!(step.standing, Standing::NeedsPerson);
    assert_eq!(report.subjects[0].standing, Standing::NeedsPerson);
    // The identity it names was not touched.
    assert_eq!(world.erasures_of(Vendor::Trust, CURRENT_UUID).await, []);
    let trust = world.clients().trust.unwrap();
    let found = trust
        .find_identity()
        .uuid(CURRENT_UUID.parse::<uuid::Uuid>().unwrap())
        .call()
        .await
        .unwrap();
    assert_eq!(
        found
            .into_inner()
            .data
            .unwrap()
            .uuid
            .map(|uuid| uuid.to_string())
            .as_deref(),
        Some(CURRENT_UUID)
    );

    // Hashed unless revealed.
    let hidden = Report::from_journal(&Journal::open_read_only(&journal).unwrap(), false).unwrap();
    let text = hidden.render(erasure::report::Format::Json);
    assert!(
        !text.contains(CURRENT_UUID) && !text.contains(MERGED_UUID),
        "{text}"
    );

    // Run again without the flag: the merge is a finished step, nothing is sent.
    world.clear_received().await;
    erase(&subjects, &journal, &world.clients(), &options()).await;
    assert_eq!(world.received_by("trust").await, 0);

    // With --follow-merges the current identity is deleted, once.
    let follow = RunOptions {
        follow_merges: true,
        ..options()
    };
    let followed = erase(&subjects, &journal, &world.clients(), &follow).await;
    assert!(followed.all_settled(), "{followed:#?}");
    let steps = &followed.subjects[0].steps;
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[1].id, CURRENT_UUID);
    assert_eq!(steps[1].follows_merge_of.as_deref(), Some(MERGED_UUID));
    assert_eq!(steps[1].outcome.as_deref(), Some("deleted"));
    assert_eq!(
        world.erasures_of(Vendor::Trust, CURRENT_UUID).await.len(),
        1
    );
    assert_eq!(world.erasures_of(Vendor::Trust, MERGED_UUID).await, []);
}

#[tokio::test]
async fn a_merge_into_an_identity_the_subject_has_is_resolved_by_its_step() {
    let world = World::start(&[], 200).await;
    // Trust one at a time, in plan order: the merged uuid is answered before its identity goes.
    let mut one_at_a_time = RunOptions {
        follow_merges: true,
        ..options()
    };
    one_at_a_time.paces.insert(Vendor::Trust, pace(2000.0, 1));
    let trust = |id: &str| (Vendor::Trust, id.to_string());

    // The same subject names the merged uuid and the identity it was merged into (the library
    // takes any ids; a subjects file has one column per vendor).
    let both = [Subject {
        reference: "DSR-both".to_string(),
        line: 2,
        ids: vec![trust(MERGED_UUID), trust(CURRENT_UUID)],
    }];
    let journal = world.path("same.db");
    let report = erase_subjects(&both, &journal, &world.clients(), &one_at_a_time).await;
    assert!(report.all_settled(), "{report:#?}");
    let steps = &report.subjects[0].steps;
    assert_eq!(steps.len(), 2, "nothing added: {steps:#?}");
    assert_eq!(steps[0].outcome.as_deref(), Some("merged"));
    assert_eq!(steps[0].standing, Standing::Erased);
    assert_eq!(steps[1].outcome.as_deref(), Some("deleted"));
    assert_eq!(steps[1].follows_merge_of, None);
    assert_eq!(
        world.erasures_of(Vendor::Trust, CURRENT_UUID).await.len(),
        1
    );
    // Run again: the merge is resolved, nothing is sent.
    world.clear_received().await;
    erase_subjects(&both, &journal, &world.clients(), &one_at_a_time).await;
    assert_eq!(world.received_by("trust").await, 0);

    // Another subject names the current identity: each subject gets its own step for it.
    let world = World::start(&[], 200).await;
    let people = [
        Person::merged("DSR-merged"),
        Person {
            subject: "DSR-current".to_string(),
            attestr: None,
            trust: Some(CURRENT_UUID.to_string()),
            gainsight_px: None,
        },
    ];
    let subjects = world.subjects_file("subjects.csv", &people);
    let report = erase(
        &subjects,
        &world.path("other.db"),
        &world.clients(),
        &one_at_a_time,
    )
    .await;
    assert!(report.all_settled(), "{report:#?}");
    let merged = &report.subjects[0].steps;
    assert_eq!(merged.len(), 2, "{merged:#?}");
    assert_eq!(merged[0].outcome.as_deref(), Some("merged"));
    assert_eq!(merged[1].id, CURRENT_UUID);
    assert_eq!(merged[1].follows_merge_of.as_deref(), Some(MERGED_UUID));
    assert_eq!(report.subjects[1].steps.len(), 1);
}

#[tokio::test]
async fn a_stop_during_a_back_off_is_not_waited_out() {
    let person = Person::numbered(5);
    let world = World::start(std::slice::from_ref(&person), 200).await;
    let subjects_path = world.subjects_file("subjects.csv", std::slice::from_ref(&person));
    let subjects = read_subjects(&subjects_path).unwrap();
    // Every Attestr answer after the check of its base URL is a 503: the step backs off for ten
    // minutes after its first send.
    world
        .fault(json!({"vendor": "attestr", "delay_ms": 1, "count": 1}))
        .await;
    world
        .fault(json!({"vendor": "attestr", "status": 503, "count": 100000}))
        .await;
    let options = RunOptions {
        resend_delay: Duration::from_secs(600),
        ..options()
    };
    let opened = Journal::open_for_run(&world.path("j.db"), &subjects).unwrap();
    let stop = StopSignal::default();
    let clients = world.clients();
    let running = run(opened, &clients, &options, &Silent, &stop);
    let journal = world.path("j.db");
    let stopping = async {
        // Once the first Attestr send is recorded as failed, the step is in its back-off.
        let backing_off = || {
            Journal::open_read_only(&journal)
                .and_then(|journal| journal.steps())
                .is_ok_and(|steps| {
                    steps.iter().any(|step| {
                        step.vendor == Vendor::Attestr && step.state == StepState::Failed
                    })
                })
        };
        while !backing_off() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        stop.cancel();
    };
    // A bound on a hang (the back-off is ten minutes), not on speed.
    let (ran, ()) = tokio::time::timeout(Duration::from_secs(120), async {
        tokio::join!(running, stopping)
    })
    .await
    .expect("the stop ended the back-off");
    ran.unwrap();
    let steps = steps_of(&world.path("j.db"));
    let attestr = steps.iter().find(|s| s.vendor == Vendor::Attestr).unwrap();
    assert_eq!((attestr.state, attestr.sends), (StepState::Failed, 1));
}

#[tokio::test]
async fn steps_in_flight_at_a_crash_end_in_the_idempotent_outcome() {
    let person = Person::numbered(7);
    let world = World::start(std::slice::from_ref(&person), 200).await;
    let subjects_path = world.subjects_file("subjects.csv", std::slice::from_ref(&person));
    let journal_path = world.path("journal.db");
    let subjects = read_subjects(&subjects_path).unwrap();

    // A run that marked every step in flight, sent it, and died before recording the answer.
    let journal = Journal::open_for_run(&journal_path, &subjects).unwrap();
    let steps = journal.steps().unwrap();
    let writer = journal.into_writer();
    let clients = world.clients();
    for step in &steps {
        writer.begin(step.id).await.unwrap();
        clients.erase(step.vendor, &step.vendor_id).await.unwrap();
    }
    drop(writer);

    let report = erase(&subjects_path, &journal_path, &clients, &options()).await;
    assert!(report.all_settled(), "{report:#?}");
    assert_eq!(
        outcomes(&report),
        [
            (Vendor::Attestr, Some("already_archived".to_string())),
            (Vendor::Trust, Some("deleted_or_already_absent".to_string())),
            (
                Vendor::GainsightPx,
                Some("deleted_or_already_absent".to_string())
            ),
        ]
    );
    for step in &report.subjects[0].steps {
        assert_eq!(step.sends, 2);
    }
    let px = &report.subjects[0].steps[2];
    assert!(
        px.caveat.is_some_and(|caveat| caveat.contains("7 days")),
        "{px:?}"
    );
}

#[tokio::test]
async fn a_wrong_base_url_is_never_reported_as_erased() {
    let person = Person::numbered(3);
    let world = World::start(std::slice::from_ref(&person), 200).await;
    let subjects = world.subjects_file("subjects.csv", std::slice::from_ref(&person));
    let base = world.sandbox.base_url();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        format!("http://{addr}")
    };
    for (name, changes) in [
        (
            "another version or prefix",
            vec![
                ("ATTESTR_BASE_URL", format!("{base}/attestr/api/v2")),
                ("TRUST_INDEX_BASE_URL", format!("{base}/trust/index/v2")),
                ("GAINSIGHT_PX_BASE_URL", format!("{base}/gainsight-px/api")),
            ],
        ),
        (
            "another service's prefix",
            vec![
                ("ATTESTR_BASE_URL", format!("{base}/trust/index/v1")),
                ("TRUST_INDEX_BASE_URL", format!("{base}/gainsight-px")),
                ("GAINSIGHT_PX_BASE_URL", format!("{base}/trust/index/v1")),
            ],
        ),
        (
            "nothing listening",
            vec![
                ("ATTESTR_BASE_URL", format!("{closed}/attestr/api/v1")),
                ("TRUST_INDEX_BASE_URL", format!("{closed}/trust/index/v1")),
                ("GAINSIGHT_PX_BASE_URL", closed.clone()),
            ],
        ),
    ] {
        let changes: Vec<(&str, &str)> = changes.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let clients = world.clients_with(&changes);
        let journal = world.path(&format!("{}.db", name.replace(' ', "-")));
        let options = RunOptions {
            max_sends: 1,
            ..options()
        };
        let report = erase(&subjects, &journal, &clients, &options).await;
        assert_eq!(report.head.summary.steps_erased, 0, "{name}: {report:#?}");
        assert_eq!(report.subjects[0].standing, Standing::NeedsPerson, "{name}");
        for step in &report.subjects[0].steps {
            assert_eq!(step.outcome, None, "{name}: {step:?}");
            assert!(step.problem.is_some(), "{name}: {step:?}");
        }
    }
    // The records are all still there for a right run.
    let report = erase(
        &subjects,
        &world.path("right.db"),
        &world.clients(),
        &options(),
    )
    .await;
    assert!(report.all_settled(), "{report:#?}");
    assert!(
        outcomes(&report)
            .iter()
            .all(|(_, outcome)| outcome.as_deref() != Some("not_found"))
    );
}

#[tokio::test]
async fn refused_credentials_stop_that_vendor_only() {
    let batch = people(20);
    let world = World::start(&batch, 200).await;
    let subjects = world.subjects_file("subjects.csv", &batch);
    let clients = world.clients_with(&[("GAINSIGHT_PX_API_KEY", "not-the-key")]);
    let options = RunOptions {
        paces: BTreeMap::from([(Vendor::GainsightPx, pace(190.0, 1))]),
        ..options()
    };
    let report = erase(&subjects, &world.path("journal.db"), &clients, &options).await;
    let px: Vec<_> = report
        .subjects
        .iter()
        .flat_map(|s| &s.steps)
        .filter(|s| s.vendor == Vendor::GainsightPx)
        .collect();
    // The check before the first delete met the 401; no delete was sent, and every PX step
    // says why.
    for step in &px {
        assert_eq!(
            step.problem.as_ref().map(|p| p.kind),
            Some(ProblemKind::Auth),
            "{step:?}"
        );
        assert_eq!((step.standing, step.sends), (Standing::NeedsPerson, 0));
    }
    let others = report
        .subjects
        .iter()
        .flat_map(|s| &s.steps)
        .filter(|s| s.vendor != Vendor::GainsightPx);
    assert!(others.clone().all(|step| step.standing == Standing::Erased));
    assert_eq!(world.received_by("gainsight-px").await, 1);
}

#[tokio::test]
async fn a_finished_step_is_refused_by_the_journal_itself() {
    // Belt and braces under the run's own bookkeeping: the journal will not restart a step
    // whose outcome is committed.
    let person = Person::numbered(9);
    let world = World::start(std::slice::from_ref(&person), 200).await;
    let subjects =
        read_subjects(&world.subjects_file("s.csv", std::slice::from_ref(&person))).unwrap();
    let journal = Journal::open_for_run(&world.path("j.db"), &subjects).unwrap();
    let mut steps = journal.steps().unwrap();
    let step = steps.remove(0);
    let writer = journal.into_writer();
    writer.begin(step.id).await.unwrap();
    writer
        .finish(
            step.id,
            Finish {
                result: Ok(Outcome::Archived),
                attempts: 1,
                status: Some(200),
                request_id: None,
            },
        )
        .await
        .unwrap();
    assert!(writer.begin(step.id).await.is_err());
    drop(writer);
    let steps = steps_of(&world.path("j.db"));
    assert_eq!((steps[0].state, steps[0].sends), (StepState::Done, 1));
}

/// Reads the journal back through the vendors at the time `now` gives (Unix milliseconds).
async fn verify_at(journal: &Path, clients: &Clients, now: i64) -> erasure::verify::Verified {
    let opened = Journal::open_for_verify(journal).unwrap();
    erasure::verify::verify(opened, clients, Some("Auditor A"), &move || now)
        .await
        .unwrap()
}

fn step_of<'a>(
    report: &'a Report,
    subject: &str,
    vendor: Vendor,
) -> &'a erasure::report::StepReceipt {
    report
        .subjects
        .iter()
        .find(|receipt| receipt.subject == subject)
        .and_then(|receipt| receipt.steps.iter().find(|step| step.vendor == vendor))
        .unwrap()
}

#[tokio::test]
async fn verify_proves_absence_again_and_lifts_the_px_caveat_only_after_the_recheck_date() {
    use erasure::verify::CheckResult;
    let person = Person::numbered(1);
    // Known to nobody: Gainsight PX answers not found, with the revival caveat.
    let ghost = Person {
        subject: "DSR-GHOST".to_string(),
        attestr: None,
        trust: None,
        gainsight_px: Some("ghost@example.test".to_string()),
    };
    let world = World::start(std::slice::from_ref(&person), 200).await;
    let subjects = world.subjects_file("subjects.csv", &[person.clone(), ghost.clone()]);
    let journal = world.path("journal.db");
    let clients = world.clients();
    let report = erase(&subjects, &journal, &clients, &options()).await;
    assert!(report.all_settled(), "{report:#?}");
    let ghost_px = step_of(&report, "DSR-GHOST", Vendor::GainsightPx);
    assert_eq!(ghost_px.outcome.as_deref(), Some("not_found"));
    assert!(ghost_px.caveat.is_some());
    let erased_at = chrono::DateTime::parse_from_rfc3339(ghost_px.time.as_deref().unwrap())
        .unwrap()
        .timestamp_millis();
    let due = erased_at + erasure::verify::GAINSIGHT_PX_REVIVAL_WINDOW.as_millis() as i64;
    assert_eq!(
        ghost_px.recheck_due,
        Some(
            chrono::DateTime::from_timestamp_millis(due)
                .unwrap()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        )
    );

    // Before the re-check date: absence proven again, the caveat stays.
    world.clear_received().await;
    let early = verify_at(&journal, &clients, due - 1).await;
    assert_eq!(
        (
            early.absent_again,
            early.present_again,
            early.not_verifiable,
            early.failed
        ),
        (2, 0, 2, 0),
        "{early:?}"
    );
    assert_eq!(early.exit_code(), erasure::exit::ERASED);
    // Attestr documents no read that proves absence: nothing is sent there.
    assert_eq!(world.received_by("attestr").await, 0);
    let report = Report::from_journal(&Journal::open_read_only(&journal).unwrap(), true).unwrap();
    let ghost_px = step_of(&report, "DSR-GHOST", Vendor::GainsightPx);
    assert_eq!(
        ghost_px.verification.as_ref().map(|check| check.result),
        Some(CheckResult::AbsentAgain)
    );
    assert!(ghost_px.caveat.is_some(), "lifted before the re-check date");
    let attestr = step_of(&report, &person.subject, Vendor::Attestr);
    assert_eq!(
        attestr.verification.as_ref().map(|check| check.result),
        Some(CheckResult::NotVerifiable)
    );
    assert!(
        report
            .render(erasure::report::Format::Markdown)
            .contains("not verifiable by API"),
    );
    assert_eq!(report.head.runs.last().unwrap().command, "verify");
    assert_eq!(
        report.head.runs.last().unwrap().operator.as_deref(),
        Some("Auditor A")
    );

    // On the re-check date: proven absent again, the caveat is lifted for that step.
    verify_at(&journal, &clients, due).await;
    let report = Report::from_journal(&Journal::open_read_only(&journal).unwrap(), true).unwrap();
    let ghost_px = step_of(&report, "DSR-GHOST", Vendor::GainsightPx);
    assert_eq!(ghost_px.caveat, None, "{ghost_px:?}");
    assert!(report.head.caveats.is_empty());
    assert!(report.all_settled());
}

#[tokio::test]
async fn a_px_user_created_again_after_its_erasure_is_present_again_and_needs_a_person() {
    let person = Person {
        subject: "DSR-REVIVED".to_string(),
        attestr: None,
        trust: None,
        gainsight_px: Some("revived@example.test".to_string()),
    };
    let world = World::start(std::slice::from_ref(&person), 200).await;
    let subjects = world.subjects_file("subjects.csv", std::slice::from_ref(&person));
    let journal = world.path("journal.db");
    let clients = world.clients();
    let report = erase(&subjects, &journal, &clients, &options()).await;
    assert!(report.all_settled(), "{report:#?}");

    // A product identifies the person again: Gainsight PX holds a user under the id once more.
    world.create_px_user("revived@example.test").await;

    let now = erasure::journal::now_millis();
    let verified = verify_at(&journal, &clients, now).await;
    assert_eq!(verified.present_again, 1, "{verified:?}");
    assert_eq!(verified.exit_code(), erasure::exit::NEEDS_PERSON);
    let report = Report::from_journal(&Journal::open_read_only(&journal).unwrap(), false).unwrap();
    assert!(!report.all_settled());
    let step = &report.subjects[0].steps[0];
    assert_eq!(step.standing, Standing::NeedsPerson);
    assert!(
        step.meaning.starts_with("Present again"),
        "{}",
        step.meaning
    );
    assert_eq!(report.head.summary.steps_needing_a_person, 1);
    // The verify is in the chain: the report found it whole, and states a new head.
    assert!(report.head.chain.digest.starts_with("sha256:"));
}
