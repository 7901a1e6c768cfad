//! Every Trust Index operation against the servers the environment names. Start the sandbox first
//! (`cargo run -p sandbox`), then
//! `TRUST_CLIENT_ID=sandbox-client TRUST_CLIENT_SECRET=sandbox-secret TRUST_ATENEA_BASE_URL=http://127.0.0.1:8787/atenea TRUST_INDEX_BASE_URL=http://127.0.0.1:8787/trust/index/v1 cargo run -p vendor-examples --example trust`.
//! A missing or invalid variable is reported as the configuration error it is.
//! An error is printed with its `Display` (what failed and why), and the exit status is 1.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    vendor_examples::exit_code(vendor_examples::trust::run(trust::Vars::process()).await)
}
