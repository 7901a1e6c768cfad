//! The journal's cost per step, without any network: every step of 10,000 subjects (30,000
//! steps) is marked in flight and then finished through the [`Writer`], as a run does, once with
//! one step at a time (each write waits for its own fsync) and once with 32 steps in flight per
//! vendor like a default run (writes share commits). Prints microseconds per step.
//!
//! `cargo bench -p erasure --bench journal` (the journal goes under `target/`, on the disk a real
//! journal would use, not on a tmpfs).

use std::time::{Duration, Instant};

use erasure::journal::{Finish, Journal};
use erasure::outcome::Outcome;
use erasure::subjects::Subject;
use erasure::vendor::Vendor;
use futures_util::StreamExt;

const SUBJECTS: usize = 10_000;

fn subjects() -> Vec<Subject> {
    (1..=SUBJECTS)
        .map(|n| Subject {
            reference: format!("DSR-{n:05}"),
            line: n as u64 + 1,
            ids: vec![
                (Vendor::Attestr, format!("AXbench{n:08}")),
                (
                    Vendor::Trust,
                    format!("{n:08x}-0000-4000-8000-00000000be4c"),
                ),
                (Vendor::GainsightPx, format!("bench-{n:05}@example.test")),
            ],
        })
        .collect()
}

/// Marks `count` steps in flight and finishes them, `concurrency` at a time; returns the time
/// per step.
async fn steps(dir: &std::path::Path, name: &str, count: usize, concurrency: usize) -> Duration {
    let path = dir.join(name);
    let journal = Journal::open_for_run(&path, &subjects()).expect("journal");
    let steps = journal.steps().unwrap();
    let ids: Vec<i64> = steps.into_iter().take(count).map(|step| step.id).collect();
    let writer = journal.into_writer();
    let writer = &writer;
    let started = Instant::now();
    futures_util::stream::iter(ids)
        .for_each_concurrent(concurrency, |id| async move {
            writer.begin(id).await.expect("begin");
            let finish = Finish {
                result: Ok(Outcome::Deleted),
                attempts: 1,
                status: Some(200),
                request_id: None,
            };
            writer.finish(id, finish).await.expect("finish");
        })
        .await;
    started.elapsed() / count as u32
}

fn main() {
    let target =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/erasure-bench");
    std::fs::create_dir_all(&target).expect("target dir");
    let dir = tempfile::tempdir_in(&target).expect("scratch dir");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let created = Instant::now();
        Journal::open_for_run(&dir.path().join("create.db"), &subjects()).expect("journal");
        println!(
            "create a journal of {SUBJECTS} subjects ({} steps): {:.0} ms",
            SUBJECTS * 3,
            created.elapsed().as_secs_f64() * 1000.0
        );
        let alone = steps(dir.path(), "alone.db", 1_000, 1).await;
        println!(
            "one step at a time (2 commits, 2 fsyncs each): {:.0} µs per step",
            alone.as_secs_f64() * 1e6
        );
        let shared = steps(dir.path(), "shared.db", SUBJECTS * 3, 96).await;
        println!(
            "96 steps in flight (32 per vendor; commits shared): {:.0} µs per step, {:.0} steps/s",
            shared.as_secs_f64() * 1e6,
            1.0 / shared.as_secs_f64()
        );
    });
}
