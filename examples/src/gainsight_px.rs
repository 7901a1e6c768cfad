//! Every Gainsight PX operation: create, get, list (as a stream), update (partial, and by body for
//! an id that is also a path segment) and delete (soft, hard, and by body) users.

use futures_util::TryStreamExt;
use gainsight_px::{
    Client, Config, ConfigError, DeleteMode, DeleteOutcome, Error, ListOptions, Vars, types,
};

/// Builds the client from `vars` and runs the tour. The example writes and deletes users, so it
/// refuses the production default: `GAINSIGHT_PX_BASE_URL` (the sandbox) or
/// `GAINSIGHT_PX_DATA_CENTER` (a real data centre, on purpose) must be set.
pub async fn run(vars: Vars<'_>) -> Result<(), Error> {
    if vars.optional("GAINSIGHT_PX_BASE_URL")?.is_none()
        && vars.optional("GAINSIGHT_PX_DATA_CENTER")?.is_none()
    {
        return Err(ConfigError::MissingEnv(
            "GAINSIGHT_PX_BASE_URL (the sandbox) or GAINSIGHT_PX_DATA_CENTER (a real data centre; this example creates and deletes users)",
        )
        .into());
    }
    let client = Config::from_vars(vars)?.build()?;
    tour(&client).await
}

/// Runs the tour; every line it prints is one step.
pub async fn tour(client: &Client) -> Result<(), Error> {
    let id = "example-user@example.test";
    let user = types::User::builder()
        .identify_id(id)
        .property_keys(vec!["AP-XXXXXXXXXX-2".to_string()])
        .email(id.to_string());
    client.create_user().body(user.clone()).call().await?;
    println!("create_user: {id}");

    let fetched = client.get_user().identify_id(id).call().await?;
    println!("get_user: {:?}", fetched.email);

    let page = client
        .list_users()
        .page_size(std::num::NonZeroU32::new(10).unwrap())
        .call()
        .await?;
    println!("list_users (one page): {}", page.users.len());
    let everyone: Vec<types::User> = client
        .users(ListOptions {
            page_size: 2,
            ..Default::default()
        })
        .try_collect()
        .await?;
    println!("users (all pages): {}", everyone.len());

    // A partial body, as real integrations send it.
    let changes = types::UserUpdate {
        account_id: Some("account-id-placeholder".to_string()),
        ..Default::default()
    };
    client
        .update_user()
        .identify_id(id)
        .body(changes.clone())
        .call()
        .await?;
    client.update(id, changes).await?;
    println!("update_user: account set");

    // A user whose id is a fixed path segment of the API goes by the body variants.
    let awkward = types::User::builder()
        .identify_id("update")
        .property_keys(vec!["AP-XXXXXXXXXX-2".to_string()]);
    client.create_user().body(awkward).call().await?;
    let by_body = types::UserUpdate {
        title: Some("engineer".to_string()),
        property_keys: vec!["AP-XXXXXXXXXX-2".to_string()],
        ..Default::default()
    };
    client.update("update", by_body).await?;
    println!("update_user_by_body: done");
    report("update", client.delete("update", DeleteMode::Hard).await?);

    report(id, client.delete(id, DeleteMode::Soft).await?);
    match client.get_user().identify_id(id).call().await {
        Err(Error::Api { error, .. }) if error.0.status.as_deref() == Some("NOT_FOUND") => {
            println!("get_user after the soft delete: hidden");
        }
        Err(other) => return Err(other),
        Ok(_) => {
            return Err(Error::InvalidRequest(
                "a deleted user is still visible".to_string(),
            ));
        }
    }
    // Within 7 days, a create with the same id revives the soft-deleted user with its history.
    client.create_user().body(user).call().await?;
    println!("create_user: revived {id}");
    let hard = types::DeleteUser {
        identify_id: id.to_string(),
    };
    client
        .delete_user_by_body()
        .body(hard)
        .hard_delete(true)
        .call()
        .await?;
    println!("delete_user_by_body: hard-deleted {id}");
    client.delete_user().identify_id(id).call().await.err();
    report(id, client.delete(id, DeleteMode::Hard).await?);
    Ok(())
}

fn report(id: &str, outcome: DeleteOutcome) {
    match outcome {
        DeleteOutcome::Deleted { hard: true } => {
            println!("delete {id}: hard-deleted (cannot be revived)")
        }
        DeleteOutcome::Deleted { hard: false } => {
            println!("delete {id}: soft-deleted (revivable for 7 days)")
        }
        DeleteOutcome::NotFound => println!("delete {id}: no such user"),
        DeleteOutcome::DeletedOrAlreadyAbsent { .. } => {
            println!("delete {id}: deleted or already absent")
        }
    }
}
