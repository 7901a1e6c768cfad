//! Every Gainsight PX operation against the server the environment names. Start the sandbox first
//! (`cargo run -p sandbox`), then
//! `GAINSIGHT_PX_API_KEY=sandbox-px-key GAINSIGHT_PX_BASE_URL=http://127.0.0.1:8787/gainsight-px cargo run -p vendor-examples --example gainsight_px`.
//! A missing or invalid variable is reported as the configuration error it is.
//! An error is printed with its `Display` (what failed and why), and the exit status is 1.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    vendor_examples::exit_code(
        vendor_examples::gainsight_px::run(gainsight_px::Vars::process()).await,
    )
}
