//! Create a Gainsight PX user, soft-delete it, revive it, then hard-delete it.
//!
//! Against the local sandbox (`cargo run -p sandbox`, then
//! `cargo run -p vendor-examples --example gainsight_px`), or against Gainsight PX with
//! `GAINSIGHT_PX_API_KEY` (and `GAINSIGHT_PX_DATA_CENTER`) set.

use gainsight_px::{DataCenter, DeleteMode, DeleteOutcome, PxConfig, types};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = match PxConfig::from_env() {
        Ok(config) => config,
        Err(_) => PxConfig::new("sandbox-px-key", DataCenter::Us)
            .base_url("http://127.0.0.1:8787/gainsight-px"),
    };
    let client = config.build()?;
    let id = "example-user@example.test";

    let user = types::User::builder()
        .identify_id(id)
        .property_keys(vec!["AP-XXXXXXXXXX-2".to_string()])
        .email(id.to_string());
    client.create_user().body(user.clone()).send().await?;
    println!("created {id}");

    report(id, client.delete(id, DeleteMode::Soft).await?);
    // Within 7 days, a create with the same id revives the soft-deleted user with its history.
    client.create_user().body(user).send().await?;
    println!("revived {id}");
    report(id, client.delete(id, DeleteMode::Hard).await?);
    report(id, client.delete(id, DeleteMode::Hard).await?);
    Ok(())
}

fn report(id: &str, outcome: DeleteOutcome) {
    match outcome {
        DeleteOutcome::Deleted { hard: true } => println!("{id}: hard-deleted (cannot be revived)"),
        DeleteOutcome::Deleted { hard: false } => {
            println!("{id}: soft-deleted (revivable for 7 days)")
        }
        DeleteOutcome::NotFound => println!("{id}: no such user"),
        DeleteOutcome::DeletedOrAlreadyAbsent { .. } => println!("{id}: deleted or already absent"),
    }
}
