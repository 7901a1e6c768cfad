//! A stateful local sandbox of the three vendors' APIs, for testing update and erasure flows
//! without the real vendors. Unlike a stateless mock (stripe-mock, Prism) it keeps state: a
//! profile archived stays archived, a deleted user can be revived within 7 days, a token expires.
//!
//! Run it with `cargo run -p sandbox` (binary `vendor-sandbox`, see `--help`), or start it inside
//! a test with [`Sandbox::start`].
//!
//! # What it serves
//!
//! | prefix | vendor | spec |
//! |---|---|---|
//! | `/attestr/api/{version}/public/factx/...` | Attestr profiles (`version` must be `v1`) | `spec/attestr.yaml` |
//! | `/trust/index/v1/identity...` | Trust Index identities | `spec/trust.yaml` |
//! | `/atenea/oauth/token/` | Trust's Atenea tokens | `spec/trust.yaml` |
//! | `/gainsight-px/v1/users...` | Gainsight PX users | `spec/gainsight-px.yaml` |
//! | `/openapi/{attestr,trust,gainsight-px}.json` | the sandbox's own OpenAPI 3.1 documents | |
//! | `/_sandbox/...` | admin: clock, faults, reset | |
//!
//! Each prefix replaces the vendor's server URL: a client built for
//! `https://api.attestr.com/api/v1` works against `http://127.0.0.1:8787/attestr/api/v1`.
//!
//! # Demo credentials
//!
//! Printed at start; override them with flags (or [`Credentials`]).
//!
//! - Attestr: `Authorization: Basic sandbox-token`
//! - Atenea: `client_id` `sandbox-client`, `client_secret` `sandbox-secret`; then Trust Index
//!   calls send `Authorization: Bearer <access_token>`
//! - Gainsight PX: `X-APTRINSIC-API-KEY: sandbox-px-key`
//!
//! Wrong credentials get each vendor's auth error: Attestr 401 `{"code":4016,"message":"Invalid
//! client authorization"}`, Gainsight PX 401 `{"externalapierror":{"status":"UNAUTHORIZED",
//! "message":"Unauthorized or bad API Key",...}}`, Trust and Atenea 401 in the Index envelope (see
//! below).
//!
//! # Semantics
//!
//! - **Attestr**: create (200 `{_id, number}`), get, update (replaces `tag`, `name`, `email`,
//!   `mobile`), archive. Archive is irreversible and purges the profile's `items` and `queries`;
//!   an update or archive after it gets 400/40038. An unknown id gets 400/40018, bad auth
//!   401/4016, a malformed body 400/4001, a `{version}` other than `v1` 400/40051.
//! - **Trust**: identities with merges. A uuid listed in a live identity's `former_documents`
//!   gets, on delete and update, 404 "Not found. Posible merge in document with uuid: <current
//!   uuid>" (the vendor's spelling); on find, 200 with only `{"uuid": <current uuid>}` as the
//!   vendor documents. Delete marks the identity deleted; afterwards every call on it (and on its
//!   former documents) gets 404 "Not found in database neither in former documents". The sandbox
//!   starts with the vendor's Delete Identity sample (`bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb`) with
//!   `cccccccc-cccc-cccc-cccc-cccccccccccc` merged into it; `--seed` adds more.
//! - **Atenea**: `POST /atenea/oauth/token/` with JSON `{client_id, client_secret, grant_type:
//!   "client_credentials"}` answers `{access_token, token_type: "Bearer", expires_in, created_at}`.
//!   Tokens are random and opaque; they stop working at `created_at + expires_in` on the sandbox
//!   clock (401). `expires_in` is 7200 unless `--token-ttl` says otherwise.
//! - **Gainsight PX**: delete is soft by default: the user is hidden from get, list, update and
//!   delete (404 "User not found"). A create or update with the same id within 7 days (604 800 s
//!   on the sandbox clock) revives the record with its history: same `aptrinsicId`, `createDate`
//!   and other server-side fields. After the window, a create makes a new record and an update
//!   gets 404. `hardDelete=true` removes the record at once, so it can never be revived. Over
//!   `--rate-limit` requests per second (default 200, as documented; 0 = off) the sandbox answers
//!   429 "Rate limit exceeded".
//!
//! # Choices where the vendors' docs are silent
//!
//! - Trust documents no 401 body: the sandbox answers 401 in the Index error envelope
//!   `{"code":401,"resource":"Identity","message":...}` with `WWW-Authenticate: Bearer`. Atenea
//!   documents no error at all: its 400/401 use the same envelope with `"resource":"Token"`.
//!   A find or update of an unknown or deleted uuid answers the delete call's 404 (undocumented
//!   for those calls).
//! - Bodies the vendors leave unknown are not invented: Attestr's update and archive, and
//!   Trust's update, answer 200 with an empty body.
//! - Gainsight PX: delete answers **200** with `{"body":{},"statusCode":"200",
//!   "statusCodeValue":200}` (the vendor documents 200 and 204); create answers 201 with the same
//!   shape (`"201"`); update answers 204 with no body. Update keeps the fields it is not sent,
//!   and the path's `identifyId` wins over the body's. Read-only fields in requests are ignored.
//!   A user already soft-deleted is not found, so a second delete (even with `hardDelete=true`)
//!   gets 404. Errors use the `externalapierror` shape seen by third parties, with Spring status
//!   names (`NOT_FOUND`, `BAD_REQUEST`...) and the detail in `debugMessage`. `filter` understands
//!   `field==value` (case-insensitive) and ignores other forms (the vendor's syntax is
//!   undocumented); `scrollId` is opaque and always returned; an unknown one gives an empty page.
//! - Trust list: identities ordered by uuid; `page < 1` or `per_page < 1` give an empty page.
//! - Bad input never panics and always gets the vendor's shape: malformed JSON or a schema
//!   mismatch 400, a body over `--body-limit` (default 1 MiB) 413, a `Content-Type` other than
//!   JSON 415, an undecodable or hostile path segment the vendor's "not found" (400/40018 for
//!   Attestr), an unknown path 404, a wrong method 405 (with `Allow`). Attestr has no codes for
//!   404/405/413/415: the sandbox uses 4001 with a `details` text.
//! - The sandbox does not enforce Gainsight PX's "at least one" `propertyKeys`: the spec's schema
//!   does not either.
//! - Attestr lists `Content-Type: application/json` as required on every factx call; the sandbox
//!   checks it only where a body is required (create, update), so GET and archive work without it.
//! - A Gainsight PX user whose `identifyId` is `delete` cannot be read or updated by path: OpenAPI
//!   matches the literal `/v1/users/delete` (DELETE only) first, so GET/PUT there get 405.
//!
//! # Admin endpoints
//!
//! - `GET /_sandbox/clock` → `{"now_unix_secs": T}`.
//! - `POST /_sandbox/clock` with `{"advance_secs": N}` (negative moves back) or
//!   `{"set_unix_secs": T}` moves the one sandbox clock (Atenea expiry, PX revival window).
//! - `POST /_sandbox/faults` with `{"vendor": "attestr|trust|atenea|gainsight-px", "status":
//!   429|500|503, "count": N, "retry_after_secs": S, "delay_ms": D}`: the vendor's next N calls
//!   (default 1) wait `delay_ms`, then, when `status` is given, fail with it in the vendor's shape
//!   (and `Retry-After: S` when given). Faults queue up in order. Not persisted.
//! - `POST /_sandbox/reset` restores the start state (built-in and seeded data, start clock, no
//!   tokens) and clears faults.
//!
//! # State
//!
//! In memory by default. With `--state FILE` the state (records, tokens, clock) is loaded from
//! FILE if it exists and saved after every write, before the response is sent: written to a
//! temporary file in the same directory, fsynced, renamed over FILE, directory fsynced. A restart
//! or a kill loses no acknowledged write. The file's clock wins over `--clock-start`.
//!
//! # In-process use (tests)
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = sandbox::Sandbox::start(sandbox::Config::ephemeral()).await?;
//! // http://127.0.0.1:<random port>/attestr/api/v1: the base URL for attestr::Client::new
//! let attestr_base = sandbox.attestr_url();
//! let px_base = sandbox.gainsight_px_url();
//! # let _ = (attestr_base, px_base);
//! // ... run the test against it ...
//! sandbox.stop().await?; // or just drop it
//! # Ok(()) }
//! ```
//!
//! [`Config::ephemeral`] listens on a free loopback port; [`RunningSandbox::addr`] and
//! [`RunningSandbox::base_url`] tell which. The server runs on the caller's tokio runtime.

mod admin;
mod app;
mod attestr;
mod clock;
pub mod config;
mod extract;
mod faults;
mod gainsight_px;
mod ids;
pub mod openapi;
mod persist;
mod rate_limit;
pub mod state;
mod trust;
mod vendor;

pub use app::{RunningSandbox, Sandbox, StartError};
pub use config::{Config, Credentials};
pub use gainsight_px::REVIVAL_WINDOW_SECS;
pub use trust::{MERGED_SAMPLE_UUID, SAMPLE_UUID};
pub use vendor::Vendor;
