//! Delete Trust Index identities, telling a merged uuid from a missing one.
//!
//! Against the local sandbox (`cargo run -p sandbox`, then
//! `cargo run -p vendor-examples --example trust`), whose seed holds the vendor's sample identity
//! `bbbbbbbb-…` and a former document `cccccccc-…` merged into it; or against Trust with
//! `TRUST_CLIENT_ID` and `TRUST_CLIENT_SECRET` set.

use trust::{DeleteOutcome, TrustConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = match TrustConfig::from_env() {
        Ok(config) => config,
        Err(_) => TrustConfig::new("sandbox-client", "sandbox-secret")
            .atenea_base_url("http://127.0.0.1:8787/atenea")
            .index_base_url("http://127.0.0.1:8787/trust/index/v1"),
    };
    println!("Trust Index at {}", config.index_base_url);
    let client = config.build()?;

    for uuid in [
        "cccccccc-cccc-cccc-cccc-cccccccccccc",
        "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb",
        "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb",
    ] {
        match client.delete(uuid.parse()?).await? {
            DeleteOutcome::Deleted(identity) => println!(
                "{uuid}: deleted ({:?} {:?})",
                identity.name, identity.last_name
            ),
            DeleteOutcome::Merged(current) => {
                println!("{uuid}: merged into {current}; that is the one to delete")
            }
            DeleteOutcome::NotFound => println!("{uuid}: not in Index"),
            DeleteOutcome::DeletedOrAlreadyAbsent => println!("{uuid}: deleted or already absent"),
        }
    }
    Ok(())
}
