//! The floor of the sandbox's GET benchmark (`crates/sandbox/bench/bench.py`): a minimal axum
//! server that answers every GET with one JSON body held in memory. The sandbox does the same
//! work plus routing, authentication, rate limiting, a database read and the request log.
//!
//! `cargo run --release -p sandbox --example axum_floor -- BODY_FILE` prints
//! `listening on http://ADDR` (a free loopback port) and serves until killed.

use axum::Router;
use axum::http::header;
use axum::routing::get;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let path = std::env::args()
        .nth(1)
        .ok_or_else(|| std::io::Error::other("usage: axum_floor BODY_FILE"))?;
    let body: &'static str = Box::leak(std::fs::read_to_string(path)?.into_boxed_str());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("listening on http://{}", listener.local_addr()?);
    let app = Router::new().fallback(get(move || async move {
        ([(header::CONTENT_TYPE, "application/json")], body)
    }));
    axum::serve(listener, app).await
}
