//! Every Attestr operation against the server the environment names. Start the sandbox first
//! (`cargo run -p sandbox`), then
//! `ATTESTR_AUTH_TOKEN=c2FuZGJveC1hcHA6c2FuZGJveC1zZWNyZXQ= ATTESTR_BASE_URL='http://127.0.0.1:8787/attestr/api/{version}' cargo run -p vendor-examples --example attestr`.
//! A missing or invalid variable is reported as the configuration error it is.
//! An error is printed with its `Display` (what failed and why), and the exit status is 1.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    vendor_examples::exit_code(vendor_examples::attestr::run(attestr::Vars::process()).await)
}
