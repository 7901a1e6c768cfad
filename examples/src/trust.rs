//! Every Trust Index operation: list (as a stream), find, update and delete identities, telling a
//! merged uuid from a missing one. The token call runs inside the client, before the first of them.

use futures_util::TryStreamExt;
use trust::{Client, Config, DeleteOutcome, Error, ListOptions, Vars, types};

/// The sandbox's former document, merged into the vendor's sample identity.
pub const SANDBOX_MERGED: &str = "cccccccc-cccc-cccc-cccc-cccccccccccc";

/// Builds the client from `vars` (`TRUST_CLIENT_ID`, `TRUST_CLIENT_SECRET`,
/// `TRUST_ATENEA_BASE_URL`, `TRUST_INDEX_BASE_URL`) and runs the tour from the sandbox's merged
/// uuid.
pub async fn run(vars: Vars<'_>) -> Result<(), Error> {
    let client = Config::from_vars(vars)?.build()?;
    tour(&client, SANDBOX_MERGED).await
}

/// Runs the tour from a uuid that was merged into another identity; every line it prints is one
/// step.
pub async fn tour(client: &Client, merged: &str) -> Result<(), Error> {
    let identities: Vec<types::Identity> = client
        .identities(ListOptions::default())
        .try_collect()
        .await?;
    println!("list_identities: {} identities", identities.len());
    let first = client.list_identities().page(1).per_page(5).call().await?;
    println!("list_identities (one page): {}", first.data.len());

    let merged = merged
        .parse()
        .map_err(|_| Error::InvalidRequest(format!("`{merged}` is not a uuid")))?;
    let current = match client.delete(merged).await? {
        DeleteOutcome::Merged(current) => current,
        // Run again: the identity it was merged into is gone, and Index forgets the merge.
        DeleteOutcome::NotFound => {
            println!(
                "delete {merged}: not in Index; an earlier run deleted the identity it was merged into (reset the sandbox for the whole tour)"
            );
            return Ok(());
        }
        other => {
            return Err(Error::InvalidRequest(format!(
                "expected a merge, got {other:?}"
            )));
        }
    };
    println!("delete {merged}: merged into {current}; that is the one to delete");

    let found = client.find_identity().uuid(current).call().await?;
    println!(
        "find_identity: {:?}",
        found.data.as_ref().map(|identity| &identity.name)
    );

    let update = types::IdentityUpdate::Variant1 {
        apps: Vec::new(),
        company_uid: "99".to_string(),
        email: "abeta@example.test".to_string(),
        img: None,
        last_name: None,
        name: None,
        nationality: None,
        phone_number: None,
        status: None,
    };
    client
        .update_identity()
        .uuid(current)
        .body(update)
        .call()
        .await?;
    println!("update_identity: done");

    for _ in 0..2 {
        match client.delete(current).await? {
            DeleteOutcome::Deleted(identity) => println!("delete: deleted {:?}", identity.uuid),
            DeleteOutcome::NotFound => println!("delete: not in Index"),
            DeleteOutcome::DeletedOrAlreadyAbsent => println!("delete: deleted or already absent"),
            DeleteOutcome::Merged(other) => println!("delete: merged into {other}"),
        }
    }
    match client.delete_identity().uuid(current).call().await {
        Err(Error::Api { error, .. }) if error.code == 404 => {
            println!("delete_identity again: {}", error.message);
            Ok(())
        }
        Err(other) => Err(other),
        Ok(_) => Err(Error::InvalidRequest(
            "a deleted identity was deleted again".to_string(),
        )),
    }
}
