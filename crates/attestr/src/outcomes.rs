//! The starting operations, returning what a caller needs to know rather than raw responses.

use crate::{AttestrError, Client, ErrorCode, types};

/// The end state of an archive call: in both cases the profile is archived and purged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveOutcome {
    /// This call archived it.
    Archived,
    /// It was archived already (Attestr's 400/40038, "Profile is archived already"): the state
    /// the caller asked for already holds. This is also what a retried archive whose first
    /// response was lost reports.
    AlreadyArchived,
}

impl Client {
    /// Archives a profile: irreversibly removes its verification items and linked media.
    pub async fn archive(&self, profile_id: &str) -> Result<ArchiveOutcome, AttestrError> {
        match self.archive_profile().profile_id(profile_id).send().await {
            Ok(_) => Ok(ArchiveOutcome::Archived),
            Err(error) => match AttestrError::from_client_error(error).await {
                AttestrError::Api {
                    code: ErrorCode::ProfileIsArchivedAlreadyOperationNotAllowed,
                    ..
                } => Ok(ArchiveOutcome::AlreadyArchived),
                other => Err(other),
            },
        }
    }

    /// Replaces a profile's basic information (`tag` and `name` are required again).
    pub async fn update(
        &self,
        profile_id: &str,
        input: types::ProfileInput,
    ) -> Result<(), AttestrError> {
        match self
            .update_profile()
            .profile_id(profile_id)
            .body(input)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(error) => Err(AttestrError::from_client_error(error).await),
        }
    }
}
