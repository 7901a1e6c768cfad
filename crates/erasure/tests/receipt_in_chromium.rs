//! The HTML receipt as a privacy officer opens it: one local file in Debian's headless Chromium
//! with the network blocked (the workspace's browser driver, `tests/support/browser.rs`). Nothing
//! fails to load, nothing is logged as an error, and the receipts table shows every step with
//! its outcome, hashed ids only.

mod support;

use std::collections::BTreeMap;

use erasure::journal::Journal;
use erasure::pace::Pace;
use erasure::progress::Silent;
use erasure::report::{Format, Report};
use erasure::run::{RunOptions, StopSignal, run};
use erasure::subjects::read_subjects;
use erasure::vendor::Vendor;
use support::{MERGED_UUID, Person, World, people};
use workspace_tests::browser::{self, Job};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_html_receipt_renders_its_table_offline_in_chromium() {
    let mut batch = people(2);
    batch.push(Person {
        subject: "DSR-merged <b>&</b>".to_string(),
        attestr: None,
        trust: Some(MERGED_UUID.to_string()),
        gainsight_px: Some("never-existed@example.test".to_string()),
    });
    let world = World::start(&batch[..2], 200).await;
    let subjects = read_subjects(&world.subjects_file("subjects.csv", &batch)).unwrap();
    let journal_path = world.path("journal.db");
    let journal = Journal::open_for_run(&journal_path, &subjects).unwrap();
    let fast = Pace {
        per_second: 500.0,
        concurrency: 8,
    };
    let options = RunOptions {
        paces: BTreeMap::from([
            (Vendor::Attestr, fast),
            (Vendor::Trust, fast),
            (
                Vendor::GainsightPx,
                Pace {
                    per_second: 190.0,
                    ..fast
                },
            ),
        ]),
        ..RunOptions::default()
    };
    run(
        journal,
        &world.clients(),
        &options,
        &Silent,
        &StopSignal::default(),
    )
    .await
    .unwrap();
    let report =
        Report::from_journal(&Journal::open_read_only(&journal_path).unwrap(), false).unwrap();

    let dir = browser::output_dir("erasure-receipt");
    let page = dir.join("receipt.html");
    std::fs::write(&page, report.render(Format::Html)).unwrap();
    let screenshot = dir.join("receipt.png");
    let job = Job::new(&page)
        .wait_for("table#receipts")
        .tables("receipts", "table#receipts")
        .text("summary", "p.summary")
        .text("caveats", "#caveats li")
        .screenshot(&screenshot);
    let seen = tokio::task::spawn_blocking(move || browser::run(&job))
        .await
        .unwrap();
    seen.assert_offline_and_clean();
    assert!(browser::is_png(&screenshot));

    let tables = seen.tables("receipts");
    assert_eq!(tables.len(), 1);
    let rows = &tables[0];
    assert_eq!(
        rows[0],
        [
            "Subject",
            "Line",
            "Vendor",
            "Action",
            "Vendor id (HMAC-SHA256)",
            "Standing",
            "Outcome",
            "What it means",
            "Time (UTC)",
            "Request id",
            "Attempts",
        ]
    );
    let steps = &rows[1..];
    assert_eq!(steps.len(), 2 * 3 + 2);
    // Columns: subject, line, vendor, …, outcome at 6.
    let cell = |subject: &str, vendor: &str, column: usize| -> String {
        steps
            .iter()
            .find(|row| row[0] == subject && row[2] == vendor)
            .unwrap_or_else(|| panic!("no row for {subject} at {vendor}: {steps:?}"))[column]
            .clone()
    };
    assert_eq!(cell("DSR-00001", "Attestr", 6), "archived");
    assert_eq!(cell("DSR-00002", "Gainsight PX", 6), "deleted");
    // Hostile text in a subject reference is shown as text, not markup.
    assert_eq!(cell("DSR-merged <b>&</b>", "Trust", 6), "merged");
    assert_eq!(cell("DSR-merged <b>&</b>", "Trust", 5), "needs a person");
    assert_eq!(cell("DSR-merged <b>&</b>", "Gainsight PX", 6), "not_found");
    for row in steps {
        assert!(
            row[4].len() == 32 && row[4].bytes().all(|b| b.is_ascii_hexdigit()),
            "{row:?}"
        );
        assert_eq!(row[10], "1", "{row:?}");
    }
    assert_eq!(
        seen.text("summary"),
        [
            "2 of 3 subjects erased at every vendor named, 0 with no record under the id at some vendor (absent), 1 needs a person, 0 not finished. Steps: 6 erased, 1 absent (the vendor holds no record under the id: check the ids if unexpected), 1 needs a person, 0 not finished."
        ]
    );
    assert!(seen.text("caveats")[0].contains("within 7 days"));
}
