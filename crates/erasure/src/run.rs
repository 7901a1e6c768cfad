//! Running a journal's unfinished steps: one lane per vendor (its pace, its requests in flight),
//! each step committed as in flight before it is sent and with its outcome after, a problem that
//! may pass (429, 5xx, a timeout) tried again within bounds, and a merged Trust uuid followed only
//! when asked.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use futures_util::{Stream, StreamExt, TryStreamExt, stream};
use vendor_runtime::CallOptions;

use crate::clients::Clients;
use crate::journal::{Finish, Followed, Journal, JournalError, StepRow, StepState, Writer};
use crate::lock;
use crate::outcome::{Outcome, Problem, ProblemKind};
use crate::pace::{Lane, Pace};
use crate::progress::Progress;
use crate::vendor::Vendor;

/// How a run behaves.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Each vendor's pace; a vendor missing here gets [`Pace::default_for`].
    pub paces: BTreeMap<Vendor, Pace>,
    /// Delete the identity a merged Trust uuid names.
    pub follow_merges: bool,
    /// Sends per step in this run, at most, when the vendor keeps answering 429, 5xx or nothing
    /// (each send has the client's own retries inside it).
    pub max_sends: u32,
    /// The wait before sending a step again after a 5xx or a timeout (doubled each time); a 429
    /// waits for its `Retry-After` instead (this long when it has none).
    pub resend_delay: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            paces: BTreeMap::new(),
            follow_merges: false,
            max_sends: 3,
            resend_delay: Duration::from_secs(1),
        }
    }
}

/// Asks a run to stop sending new steps (Ctrl-C) when it is cancelled; steps in flight finish
/// and are recorded.
pub type StopSignal = tokio_util::sync::CancellationToken;

/// Steps read from the journal at once by a lane: the most a run holds of its work per vendor.
pub const WORK_PAGE: usize = 256;

/// The longest `Retry-After` a run waits out. A vendor that asks for longer (a daily quota, or a
/// value no clock can add) gets nothing more in this run: its steps say to run again later.
pub const MAX_PAUSE: Duration = Duration::from_secs(60 * 60);

/// One vendor's work, read from `reader` a page at a time ([`Journal::work_page`]), up to the
/// step `up_to` (the last there was when the run started). Ends early once a stop is asked for,
/// and after a failed read.
fn work_pages<'a>(
    reader: &'a Mutex<Journal>,
    vendor: Vendor,
    follow_merges: bool,
    up_to: i64,
    stop: &'a StopSignal,
) -> impl Stream<Item = Result<StepRow, JournalError>> + 'a {
    stream::try_unfold(0, move |after| async move {
        let page = lock(reader).work_page(vendor, follow_merges, (after, up_to), WORK_PAGE);
        page.map(|page| {
            let last = page.last()?.id;
            Some((page, last))
        })
    })
    .map_ok(|page| stream::iter(page.into_iter().map(Ok)))
    .try_flatten()
    .take_until(stop.cancelled())
}

struct Context<'a> {
    writer: &'a Writer,
    clients: &'a Clients,
    options: &'a RunOptions,
    progress: &'a dyn Progress,
    stop: &'a StopSignal,
}

/// Sends every unfinished step of `journal` (as [`Journal::open_for_run`] opened it), and
/// records each outcome. Returns when every step was tried, or the run was stopped; a journal
/// write that fails stops the run with its error (every other write stays committed, and the
/// step it concerned is sent again next time). The steps are read from the journal a page at a
/// time per vendor, never all at once.
pub async fn run(
    journal: Journal,
    clients: &Clients,
    options: &RunOptions,
    progress: &dyn Progress,
    stop: &StopSignal,
) -> Result<(), JournalError> {
    let counts = journal.work_counts(options.follow_merges)?;
    let up_to = journal.last_step_id()?;
    // A second connection pages the work while the writer's commits; in WAL mode it sees each
    // commit, and the steps it has yet to page are the run's alone.
    let reader = Mutex::new(Journal::open_read_only(journal.path())?);
    progress.started(counts.steps, counts.work());
    let writer = journal.into_writer();
    // The first journal failure; the run stops at it.
    let failure: OnceLock<JournalError> = OnceLock::new();
    let context = Context {
        writer: &writer,
        clients,
        options,
        progress,
        stop,
    };

    let lanes = counts.by_vendor.keys().map(|&vendor| {
        let context = &context;
        let failure = &failure;
        let reader = &reader;
        async move {
            let pace = options.paces.get(&vendor).copied();
            let pace = pace.unwrap_or_else(|| Pace::default_for(vendor));
            let lane = Lane::new(&pace);
            let lane = &lane;
            if let Err(problem) = check_vendor(context, lane, vendor).await {
                // Each step records the whole reason, the vendor's answer included (receipts
                // remove that step's ids from it). The terminal line belongs to no one step, so
                // it quotes nothing the vendor sent.
                lane.halt(problem.kind, &problem.message);
                let shown = format!(
                    "the base URL did not prove that it serves {vendor}'s API ({}); each step's receipt has the answer",
                    problem.summary()
                );
                // Stopped, the run records no step, so says nothing of their receipts.
                if !context.stop.is_cancelled() {
                    context.progress.vendor_halted(vendor, &shown);
                }
            }
            let pages = work_pages(reader, vendor, options.follow_merges, up_to, context.stop);
            pages
                .for_each_concurrent(pace.concurrency.max(1), |item| async move {
                    let result = match item {
                        Ok(item) => process(context, lane, item).await,
                        Err(error) => Err(error),
                    };
                    if let Err(error) = result {
                        tracing::error!(%error, "stopping: the journal cannot be written or read");
                        let _ = failure.set(error);
                        context.stop.cancel();
                    }
                })
                .await;
        }
    });
    futures_util::future::join_all(lanes).await;
    // Closed before the writer, so that the writer's connection is the journal's last and
    // SQLite moves the WAL into the journal file as it closes (a copy of the file alone is
    // then whole).
    drop(reader);
    // Waits for the writes already handed to the writer.
    drop(writer);
    progress.ended();
    failure.into_inner().map_or(Ok(()), Err)
}

/// Sends one step a [`Journal::work_page`] returned, and then, if it was merged and merges are
/// followed, the step for the identity it names, as long as [`Writer::follow`] adds one. A
/// finished step is there only as a merge to follow: it is followed without being sent.
async fn process(
    context: &Context<'_>,
    lane: &Lane,
    mut step: StepRow,
) -> Result<(), JournalError> {
    let mut follow = match (&step.state, &step.outcome) {
        (StepState::Done, Some(Outcome::Merged { into })) => Some(into.clone()),
        _ => None,
    };
    loop {
        if let Some(into) = follow.take() {
            match context.writer.follow(&step, &into).await? {
                Followed::Added(id) => step = StepRow::following(&step, id, into),
                // The subject has that step already; it is sent (or was) on its own.
                Followed::Present(_) => return Ok(()),
                Followed::TooDeep => {
                    let merged = Outcome::Merged { into };
                    context.progress.step_ended(&step, Ok(&merged));
                    return Ok(());
                }
            }
        }
        match send_step(context, lane, &step).await? {
            Some(Outcome::Merged { into }) if context.options.follow_merges => {
                follow = Some(into);
            }
            _ => return Ok(()),
        }
    }
}

/// Sends a step until it has an outcome, a problem only a person can solve, or no sends left.
/// Returns the outcome, if one was proven. What the journal holds of the step (its sends, and
/// whether an earlier one may have acted) is the journal's: `step` only names it.
async fn send_step(
    context: &Context<'_>,
    lane: &Lane,
    step: &StepRow,
) -> Result<Option<Outcome>, JournalError> {
    for send in 1..=context.options.max_sends.max(1) {
        if let Some((kind, reason)) = lane.halted() {
            let message = format!("not sent: {reason}");
            context.writer.not_sent(step.id, kind, &message).await?;
            context.progress.step_not_sent(step);
            return Ok(None);
        }
        // A stop asked for while the lane waits (a 429's pause) is not waited out.
        tokio::select! {
            biased;
            () = context.stop.cancelled() => return Ok(None),
            () = lane.ready() => {}
        }
        // An earlier send whose effect is unknown (lost, or a run killed mid-flight) is told to
        // the runtime, whose outcome rows for a lost response decide what a not-found answer
        // then proves, as they do after a retry within one send.
        let earlier_send_may_have_acted = context.writer.begin(step.id).await? > 0;
        let call_options = CallOptions {
            earlier_send_may_have_acted,
            ..CallOptions::current().unwrap_or_default()
        };
        let (result, record) = call_options
            .scope(vendor_runtime::record(
                context.clients.erase(step.vendor, &step.vendor_id),
            ))
            .await;
        let finish = Finish {
            result: result.clone(),
            attempts: record.attempts,
            status: record.status,
            request_id: record.request_id,
        };
        context.writer.finish(step.id, finish).await?;
        let problem = match result {
            Ok(outcome) => {
                context.progress.step_ended(step, Ok(&outcome));
                return Ok(Some(outcome));
            }
            Err(problem) => problem,
        };
        let too_long = wait_too_long(&problem);
        let halt = if problem.kind == ProblemKind::Auth {
            Some(format!(
                "{} refused the credentials or they could not be had: {}",
                step.vendor,
                problem.kind.advice()
            ))
        } else {
            too_long.map(|wait| {
                format!(
                    "{} asked to wait {} s before the next request, longer than a run waits ({} s); run again after that",
                    step.vendor,
                    wait.as_secs(),
                    MAX_PAUSE.as_secs()
                )
            })
        };
        if let Some(reason) = halt
            && lane.halt(problem.kind, &reason)
        {
            context.progress.vendor_halted(step.vendor, &reason);
        }
        let last = send == context.options.max_sends.max(1);
        if problem.retryable && !last && !context.stop.is_cancelled() && too_long.is_none() {
            wait_before_resend(context, lane, &problem, send).await;
            continue;
        }
        context.progress.step_ended(step, Err(&problem));
        return Ok(None);
    }
    Ok(None)
}

/// Runs the vendor's check ([`Clients::check`]) before its first step, with the same resends as
/// a step; a stop asked for while it waits to send again ends it with its last problem.
async fn check_vendor(context: &Context<'_>, lane: &Lane, vendor: Vendor) -> Result<(), Problem> {
    let max_sends = context.options.max_sends.max(1);
    let mut send = 1;
    lane.ready().await;
    loop {
        match context.clients.check(vendor).await {
            Err(problem)
                if problem.retryable && send < max_sends && wait_too_long(&problem).is_none() =>
            {
                wait_before_resend(context, lane, &problem, send).await;
                tokio::select! {
                    biased;
                    () = context.stop.cancelled() => return Err(problem),
                    () = lane.ready() => {}
                }
                send += 1;
            }
            answer => return answer,
        }
    }
}

/// The `Retry-After` a problem asks for when it is longer than a run waits ([`MAX_PAUSE`]).
fn wait_too_long(problem: &Problem) -> Option<Duration> {
    problem.retry_after.filter(|wait| *wait > MAX_PAUSE)
}

/// After a 429 the whole vendor waits for its `Retry-After`; after anything else only this step
/// waits, longer each time, or until a stop is asked for.
async fn wait_before_resend(context: &Context<'_>, lane: &Lane, problem: &Problem, send: u32) {
    if problem.status == Some(429) {
        lane.pause(problem.retry_after.unwrap_or(context.options.resend_delay));
        return;
    }
    let delay = context
        .options
        .resend_delay
        .saturating_mul(1 << (send - 1).min(5));
    tokio::select! {
        () = tokio::time::sleep(delay) => {}
        () = context.stop.cancelled() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stop_wakes_whoever_waits_for_it() {
        let stop = StopSignal::default();
        let waiting = tokio::spawn({
            let stop = stop.clone();
            async move { stop.cancelled().await }
        });
        tokio::task::yield_now().await;
        stop.cancel();
        // A bound on a hang, not on speed.
        tokio::time::timeout(Duration::from_secs(30), waiting)
            .await
            .expect("the waiter was woken")
            .unwrap();
        // Asked for before the wait: no wait at all.
        tokio::time::timeout(Duration::from_secs(30), stop.cancelled())
            .await
            .expect("already stopped");
    }
}
