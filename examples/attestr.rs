//! Create, update and archive an Attestr profile.
//!
//! Against the local sandbox (`cargo run -p sandbox`, then
//! `cargo run -p vendor-examples --example attestr`), or against Attestr itself with
//! `ATTESTR_AUTH_TOKEN` set (and `ATTESTR_BASE_URL` unset).

use attestr::{ArchiveOutcome, AttestrConfig, types};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = match AttestrConfig::from_env() {
        Ok(config) => config,
        // The sandbox's demo token (base64 of `sandbox-app:sandbox-secret`).
        Err(_) => AttestrConfig::new("c2FuZGJveC1hcHA6c2FuZGJveC1zZWNyZXQ=")
            .base_url("http://127.0.0.1:8787/attestr/api/{version}"),
    };
    println!("Attestr at {}", config.resolved_base_url()?);
    let client = config.build()?;

    let input = types::ProfileInput::builder()
        .tag("EX-1")
        .name("Asha Example");
    let created = client
        .create_profile()
        .body(input)
        .send()
        .await?
        .into_inner();
    println!(
        "created profile {} ({})",
        created.id.as_deref().unwrap_or("?"),
        created.number.as_deref().unwrap_or("?")
    );
    let id = created.id.unwrap_or_default();

    let update = types::ProfileInput {
        tag: "EX-1".to_string(),
        name: "Asha Example".to_string(),
        email: Some("asha@example.test".to_string()),
        mobile: None,
    };
    client.update(&id, update).await?;
    println!("updated");

    for _ in 0..2 {
        match client.archive(&id).await? {
            ArchiveOutcome::Archived => println!("archived: items and media purged"),
            ArchiveOutcome::AlreadyArchived => println!("already archived: nothing left to do"),
        }
    }
    Ok(())
}
