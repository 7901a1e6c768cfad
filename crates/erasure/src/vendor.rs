//! What the tool does at each vendor, as one table: its CSV column, how each action is
//! described to a person, the spec its calls are cited from, and what `verify` can read back. The
//! vendors themselves are the workspace roster's [`Vendor`] (the journal and the reports name one
//! by its slug); the facts here belong to this tool alone, so they stay here, keyed by it.

pub use vendor_roster::Vendor;

/// The erasure tool's facts about a vendor.
#[derive(Debug)]
pub struct Facts {
    /// The subjects file's column holding this vendor's id.
    pub column: &'static str,
    /// What the tool does at this vendor, in a few words.
    pub action: &'static str,
    /// What the action means, for the plan: what it removes and whether it can be undone.
    pub action_effect: &'static str,
    /// The erasure method, as a processor's erasure confirmation names it.
    pub method: &'static str,
    /// The environment variables that configure the vendor, required ones first, as its crate
    /// exports them. (A configuration error does not always name its variable: a bad base URL
    /// names the URL.)
    pub variables: &'static [&'static str],
    /// The spec the vendor crate is generated from (`spec/dist`), for the pages it cites.
    pub spec: &'static str,
    /// The operations the tool calls there (erasure, the check before it, the read of
    /// `verify`), by their spec `operationId`.
    pub operations: &'static [&'static str],
    /// Whether `verify` can prove absence there by a read.
    pub verifiable_by_api: bool,
    /// The read `verify` makes there, or why no read proves absence, for the receipts.
    pub absence_read: &'static str,
}

/// The table of [`Facts`], read through a vendor.
pub trait ErasureFacts {
    /// The erasure tool's facts about this vendor.
    fn facts(self) -> &'static Facts;
}

impl ErasureFacts for Vendor {
    fn facts(self) -> &'static Facts {
        match self {
            Vendor::Attestr => &Facts {
                column: "attestr_profile_id",
                action: "archive profile",
                action_effect: "irreversible: Attestr purges the profile's verification items and linked media",
                method: "archive (Archive Profile): irreversible purge of the profile's verification items and linked media",
                variables: &attestr::Config::VARIABLES,
                spec: include_str!("../../../spec/dist/attestr.json"),
                operations: &["archiveProfile"],
                verifiable_by_api: false,
                absence_read: "Attestr does not document what Get Profile answers for an archived profile (nor its errors); nothing is sent.",
            },
            Vendor::Trust => &Facts {
                column: "trust_uuid",
                action: "delete identity",
                action_effect: "the identity is deleted; a uuid merged into another identity is reported, \
                                and that identity is deleted only with --follow-merges",
                method: "delete (Delete Identity)",
                variables: &trust::Config::VARIABLES,
                spec: include_str!("../../../spec/dist/trust.json"),
                operations: &["createAccessToken", "deleteIdentity", "findIdentity"],
                verifiable_by_api: false,
                absence_read: "Find Identity shows an identity that is present again, but Trust documents no not-found answer for it, so no answer proves absence.",
            },
            Vendor::GainsightPx => &Facts {
                column: "gainsight_px_identify_id",
                action: "hard-delete user",
                action_effect: "hardDelete=true: the user cannot be revived by a later create or update",
                method: "hard delete (Delete User, hardDelete=true): not revived by a later create or update",
                variables: &gainsight_px::Config::VARIABLES,
                spec: include_str!("../../../spec/dist/gainsight-px.json"),
                operations: &["listUsers", "deleteUser", "deleteUserByBody", "getUser"],
                verifiable_by_api: true,
                absence_read: "Get User: a 404 with Gainsight PX's not-found body proves absence (third-party evidence, as for a delete), a 200 that the user is present again.",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_round_trip_and_match_serde() {
        for vendor in Vendor::ALL {
            assert_eq!(Vendor::by_slug(vendor.slug()), Some(vendor));
            assert_eq!(
                serde_json::to_value(vendor).unwrap(),
                serde_json::Value::String(vendor.slug().to_string())
            );
        }
        assert_eq!(Vendor::by_slug("atenea"), None);
    }

    /// Reads `vendor`'s configuration the way its crate does, from `lookup`.
    fn read_config(
        vendor: Vendor,
        lookup: &dyn Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<(), vendor_runtime::ConfigError> {
        let vars = vendor_runtime::Vars::from_fn(lookup);
        match vendor {
            Vendor::Attestr => attestr::Config::from_vars(vars).map(drop),
            Vendor::Trust => trust::Config::from_vars(vars).map(drop),
            Vendor::GainsightPx => gainsight_px::Config::from_vars(vars).map(drop),
        }
    }

    #[test]
    fn each_vendor_crate_exports_the_variables_it_reads_required_first() {
        for vendor in Vendor::ALL {
            // Every variable set ("US" is a valid value for each, a data centre included): the
            // crate reads all it knows.
            let read = std::sync::Mutex::new(Vec::new());
            let every = |name: &str| {
                read.lock().unwrap().push(name.to_string());
                Some("US".into())
            };
            read_config(vendor, &every).unwrap();
            let mut read = read.into_inner().unwrap();
            read.sort();
            let mut listed: Vec<String> = vendor
                .facts()
                .variables
                .iter()
                .map(|name| name.to_string())
                .collect();
            listed.sort();
            assert_eq!(read, listed, "{vendor}");

            // Without one of them: the required ones come first in the list.
            let required: Vec<bool> = vendor
                .facts()
                .variables
                .iter()
                .map(|&missing| {
                    let lookup = |name: &str| (name != missing).then(|| "US".into());
                    matches!(
                        read_config(vendor, &lookup),
                        Err(vendor_runtime::ConfigError::MissingEnv(name)) if name == missing
                    )
                })
                .collect();
            assert!(required[0], "{vendor}: {required:?}");
            assert!(
                required.windows(2).all(|pair| pair[0] || !pair[1]),
                "{vendor}: {required:?}"
            );
        }
    }
}
