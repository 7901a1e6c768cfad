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
