//! Each vendor's tour (every operation, with `?` into the vendor's one error type) against an
//! in-process sandbox.

use sandbox::{Config, Credentials, RunningSandbox, Sandbox};

async fn start() -> (RunningSandbox, Credentials) {
    let config = Config::ephemeral();
    let credentials = config.credentials.clone();
    let sandbox = Sandbox::start(config).await.expect("the sandbox starts");
    (sandbox, credentials)
}

#[tokio::test]
async fn every_attestr_operation_runs_with_the_typed_error() {
    let (sandbox, credentials) = start().await;
    let client = attestr::Config::new(credentials.attestr_auth_token)
        .base_url(format!("{}/attestr/api/{{version}}", sandbox.base_url()))
        .build()
        .unwrap();
    vendor_examples::attestr::tour(&client).await.unwrap();
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn every_trust_operation_runs_with_the_typed_error() {
    let (sandbox, credentials) = start().await;
    let client = trust::Config::new(
        credentials.atenea_client_id,
        credentials.atenea_client_secret,
    )
    .atenea_base_url(format!("{}/atenea", sandbox.base_url()))
    .index_base_url(format!("{}/trust/index/v1", sandbox.base_url()))
    .build()
    .unwrap();
    vendor_examples::trust::tour(&client, "cccccccc-cccc-cccc-cccc-cccccccccccc")
        .await
        .unwrap();
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn every_gainsight_px_operation_runs_with_the_typed_error() {
    let (sandbox, credentials) = start().await;
    let client = gainsight_px::Config::new(
        credentials.gainsight_px_api_keys[0].clone(),
        gainsight_px::DataCenter::Us,
    )
    .base_url(format!("{}/gainsight-px", sandbox.base_url()))
    .build()
    .unwrap();
    vendor_examples::gainsight_px::tour(&client).await.unwrap();
    sandbox.stop().await.unwrap();
}

#[test]
fn a_missing_variable_is_the_configuration_error_it_is() {
    let err = gainsight_px::Config::from_vars(gainsight_px::Vars::from_fn(&|_| None)).unwrap_err();
    let err: gainsight_px::Error = err.into();
    assert!(err.to_string().contains("GAINSIGHT_PX_API_KEY"), "{err}");
}

/// The variables `vendor-sandbox --print-env` prints for `sandbox`, parsed back from its
/// `export NAME='value'` lines (the form a shell reads when they are pasted).
fn print_env_vars(
    sandbox: &RunningSandbox,
    credentials: &Credentials,
) -> std::collections::BTreeMap<String, String> {
    let lines = sandbox::cli::print_env(sandbox.addr(), credentials).unwrap();
    let mut vars = std::collections::BTreeMap::new();
    for line in lines.lines() {
        let (name, quoted) = line
            .strip_prefix("export ")
            .and_then(|rest| rest.split_once('='))
            .unwrap_or_else(|| panic!("not an export line: {line}"));
        let value = quoted
            .strip_prefix('\'')
            .and_then(|rest| rest.strip_suffix('\''))
            .unwrap_or_else(|| panic!("not single-quoted: {line}"))
            .replace("'\\''", "'");
        vars.insert(name.to_string(), value);
    }
    vars
}

#[tokio::test]
async fn each_example_runs_twice_from_the_print_env_lines_alone() {
    let (sandbox, credentials) = start().await;
    let vars = print_env_vars(&sandbox, &credentials);
    let lookup = |name: &str| vars.get(name).map(std::ffi::OsString::from);
    for run in 1..=2 {
        vendor_examples::attestr::run(attestr::Vars::from_fn(&lookup))
            .await
            .unwrap_or_else(|error| panic!("attestr, run {run}: {error}"));
        vendor_examples::trust::run(trust::Vars::from_fn(&lookup))
            .await
            .unwrap_or_else(|error| panic!("trust, run {run}: {error}"));
        vendor_examples::gainsight_px::run(gainsight_px::Vars::from_fn(&lookup))
            .await
            .unwrap_or_else(|error| panic!("gainsight_px, run {run}: {error}"));
    }
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn the_gainsight_px_example_refuses_the_production_default() {
    // A key and nothing else: the crate would default to the US data centre.
    let key_only =
        |name: &str| (name == "GAINSIGHT_PX_API_KEY").then(|| std::ffi::OsString::from("k"));
    let err = vendor_examples::gainsight_px::run(gainsight_px::Vars::from_fn(&key_only))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, gainsight_px::Error::Config(_))
            && message.contains("GAINSIGHT_PX_BASE_URL")
            && message.contains("GAINSIGHT_PX_DATA_CENTER"),
        "{message}"
    );
}
