//! Every Trust Index operation against the servers the environment names. Start the sandbox first
//! (`cargo run -p sandbox`), then
//! `TRUST_CLIENT_ID=sandbox-client TRUST_CLIENT_SECRET=sandbox-secret TRUST_ATENEA_BASE_URL=http://127.0.0.1:8787/atenea TRUST_INDEX_BASE_URL=http://127.0.0.1:8787/trust/index/v1 cargo run -p vendor-examples --example trust`.
//! A missing or invalid variable is reported as the configuration error it is.

/// The sandbox's former document, merged into the vendor's sample identity.
const MERGED: &str = "cccccccc-cccc-cccc-cccc-cccccccccccc";

#[tokio::main]
async fn main() -> Result<(), trust::Error> {
    let client = trust::Config::from_env()?.build()?;
    vendor_examples::trust::tour(&client, MERGED).await
}
