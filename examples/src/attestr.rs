//! Every Attestr operation: create, get, update and archive a profile, and the documented error
//! of an update after the archive.

use attestr::{ArchiveOutcome, Client, Config, Error, ErrorCode, Vars, types};

/// Builds the client from `vars` (`ATTESTR_AUTH_TOKEN`, `ATTESTR_BASE_URL`) and runs the tour.
pub async fn run(vars: Vars<'_>) -> Result<(), Error> {
    let client = Config::from_vars(vars)?.build()?;
    tour(&client).await
}

/// Runs the tour; every line it prints is one step.
pub async fn tour(client: &Client) -> Result<(), Error> {
    let input = types::ProfileInput::builder()
        .tag("EX-1")
        .name("Asha Example");
    let created = client
        .create_profile()
        .body(input)
        .call()
        .await?
        .into_inner();
    let id = created.id.unwrap_or_default();
    println!(
        "create_profile: {id} ({})",
        created.number.as_deref().unwrap_or("?")
    );

    let profile = client.get_profile().profile_id(&id).call().await?;
    println!("get_profile: {:?}", profile.name);

    let update = types::ProfileInput {
        tag: "EX-1".to_string(),
        name: "Asha Example".to_string(),
        email: Some("asha@example.test".to_string()),
        mobile: None,
    };
    client
        .update_profile()
        .profile_id(&id)
        .body(update.clone())
        .call()
        .await?;
    println!("update_profile: done");

    // The same, through the starting operation that returns the documented outcome.
    client.update(&id, update.clone()).await?;
    for _ in 0..2 {
        match client.archive(&id).await? {
            ArchiveOutcome::Archived => println!("archive: items and media purged"),
            ArchiveOutcome::AlreadyArchived => println!("archive: already archived"),
        }
    }
    client.archive_profile().profile_id(&id).call().await.err();

    // An archived profile refuses updates with a documented code.
    match client.update(&id, update).await {
        Err(Error::Api { error, .. })
            if error.code == ErrorCode::ProfileIsArchivedAlreadyOperationNotAllowed =>
        {
            println!("update after archive: refused with {}", error.code.code());
            Ok(())
        }
        Err(other) => Err(other),
        Ok(()) => Err(Error::InvalidRequest(
            "an archived profile accepted an update".to_string(),
        )),
    }
}
