//! The context every handler shares: configuration, the state database, the clock, faults, rate
//! limits and the request log. It names no vendor's data: vendors bring their own tables and
//! queries, and the start state is handed in by the server.

use std::sync::Arc;

use parking_lot::Mutex;
use rusqlite::{Connection, OptionalExtension, params};

use crate::clock::{self, Clock};
use crate::config::Config;
use crate::faults::FaultQueues;
use crate::rate_limit::RateLimits;
use crate::request_log::RequestLog;
use crate::store::{Store, StoreError};
use crate::validate::Specs;
use crate::vendor::Api;

/// The shared context, as axum state.
pub(crate) type AppState = Arc<AppContext>;

/// Inserts the start records (built-in and seeded) into an empty database, stamped with the
/// sandbox clock's time in milliseconds.
pub(crate) type StartData =
    Arc<dyn Fn(&Connection, i64) -> rusqlite::Result<Result<(), String>> + Send + Sync>;

pub(crate) struct AppContext {
    pub(crate) config: Config,
    pub(crate) store: Store,
    /// The sandbox clock (its offset is stored; this is the live copy).
    pub(crate) clock: Clock,
    pub(crate) specs: &'static Specs,
    /// The requests the vendors received.
    pub(crate) requests: RequestLog,
    /// The faults injected per API, for its next calls and writes.
    pub(crate) faults: Mutex<FaultQueues>,
    /// Gainsight PX's rate limit and daily quota, per API key.
    pub(crate) gainsight_px_limits: RateLimits,
    start_data: StartData,
}

/// A value of the state's own, 0 until stored.
fn meta_value(db: &Connection, key: &str) -> rusqlite::Result<i64> {
    db.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row(params![key], |row| row.get(0))
        .optional()
        .map(Option::unwrap_or_default)
}

/// The stored clock: `(offset_secs, version)`.
fn stored_clock(db: &Connection) -> rusqlite::Result<(i64, u64)> {
    let version = u64::try_from(meta_value(db, "clock_version")?).unwrap_or(0);
    Ok((meta_value(db, "clock_offset_secs")?, version))
}

fn store_clock(db: &Connection, offset_secs: i64) -> rusqlite::Result<u64> {
    let version = meta_value(db, "clock_version")?.saturating_add(1);
    db.prepare_cached(
        "INSERT INTO meta (key, value) VALUES ('clock_offset_secs', ?1), ('clock_version', ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![offset_secs, version])?;
    Ok(u64::try_from(version).unwrap_or(0))
}

/// Empties every vendor table (the state's own values stay).
fn clear_records(db: &Connection) -> rusqlite::Result<()> {
    let tables: Vec<String> = db
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table'
             AND name NOT IN ('meta', 'counts') AND name NOT LIKE 'sqlite_%'",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    // Foreign keys are checked at commit, once every table is empty: the order does not matter.
    db.pragma_update(None, "defer_foreign_keys", true)?;
    for table in &tables {
        db.execute(&format!("DELETE FROM \"{table}\""), [])?;
    }
    Ok(())
}

/// Fills an empty database: the start clock (`offset` seconds) and the start records; the
/// clock's version.
pub(crate) fn fill(
    db: &Connection,
    offset: i64,
    start_data: &StartData,
) -> rusqlite::Result<Result<u64, String>> {
    let version = store_clock(db, offset)?;
    Ok(start_data(db, clock::millis_with_offset(offset))?.map(|()| version))
}

/// The clock offset (seconds) of the start state.
pub(crate) fn start_offset(config: &Config) -> i64 {
    config
        .clock_start_unix_secs
        .map(clock::offset_for)
        .unwrap_or(0)
}

impl AppContext {
    /// The context around an opened store.
    pub(crate) fn new(
        config: Config,
        store: Store,
        specs: &'static Specs,
        start_data: StartData,
    ) -> Result<Self, StoreError> {
        let (offset, version) = store.read(stored_clock)?;
        Ok(Self {
            clock: Clock::new(offset, version),
            requests: RequestLog::new(config.limits.request_log_capacity),
            faults: Mutex::new(FaultQueues::default()),
            gainsight_px_limits: RateLimits::new(
                config.gainsight_px_rate_limit,
                config.gainsight_px_daily_quota,
            ),
            config,
            store,
            specs,
            start_data,
        })
    }

    /// Runs a write for `api` and returns once it committed (see [`Store::write`]). A storage
    /// fault queued for the vendor makes this write's commit fail.
    pub(crate) async fn write<T, E>(
        &self,
        api: impl Into<Api>,
        work: impl FnOnce(&Connection) -> rusqlite::Result<Result<T, E>> + Send + 'static,
    ) -> Result<Result<T, E>, StoreError>
    where
        T: Send + 'static,
        E: Send + 'static,
    {
        let fail_commit = self.faults.lock().take_commit_failure(api.into());
        self.store.write(fail_commit, work).await
    }

    /// Moves the sandbox clock (committed before it takes effect): `to` gives the new offset and
    /// Unix time for the stored offset (as [`clock::advanced`]), or why the clock cannot move.
    pub(crate) async fn move_clock(
        &self,
        to: impl FnOnce(i64) -> Result<(i64, i64), String> + Send + 'static,
    ) -> Result<Result<i64, String>, StoreError> {
        let outcome = self
            .store
            .write(false, move |db| match to(stored_clock(db)?.0) {
                Ok((offset, target)) => {
                    store_clock(db, offset).map(|version| Ok((offset, version, target)))
                }
                Err(reason) => Ok(Err(reason)),
            })
            .await?;
        Ok(outcome.map(|(offset, version, target)| {
            self.clock.apply(offset, version);
            target
        }))
    }

    /// Restores the start state (start records, start clock; no tokens) in one transaction, then,
    /// once it committed, clears faults, rate counts and the request log. A reset that did not
    /// commit changes nothing.
    pub(crate) async fn reset(&self) -> Result<(), StoreError> {
        let start_data = self.start_data.clone();
        let offset = start_offset(&self.config);
        let version = self
            .store
            .write(false, move |db| {
                clear_records(db)?;
                fill(db, offset, &start_data)
            })
            .await?
            .map_err(|reason| StoreError::NotCommitted(format!("seed: {reason}")))?;
        self.clock.apply(offset, version);
        self.faults.lock().clear();
        self.gainsight_px_limits.clear();
        self.requests.clear();
        Ok(())
    }
}
