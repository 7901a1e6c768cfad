//! What an erasure does at each vendor: its CSV column and how each action is described to a
//! person. The vendors themselves are the workspace roster's [`Vendor`] (the journal and the
//! reports name one by its slug); the facts here belong to this tool alone, so they stay here,
//! keyed by it.

pub use vendor_roster::Vendor;

/// The erasure tool's facts about a vendor.
pub trait ErasureFacts {
    /// The subjects file's column holding this vendor's id.
    fn column(self) -> &'static str;

    /// What the tool does at this vendor, in a few words.
    fn action(self) -> &'static str;

    /// What the action means, for the plan: what it removes and whether it can be undone.
    fn action_effect(self) -> &'static str;

    /// The erasure method, as a processor's erasure confirmation names it.
    fn method(self) -> &'static str;

    /// The environment variables that configure the vendor, required ones first, as its crate
    /// exports them. (A configuration error does not always name its variable: a bad base URL
    /// names the URL.)
    fn variables(self) -> &'static [&'static str];
}

impl ErasureFacts for Vendor {
    fn column(self) -> &'static str {
        match self {
            Vendor::Attestr => "attestr_profile_id",
            Vendor::Trust => "trust_uuid",
            Vendor::GainsightPx => "gainsight_px_identify_id",
        }
    }

    fn action(self) -> &'static str {
        match self {
            Vendor::Attestr => "archive profile",
            Vendor::Trust => "delete identity",
            Vendor::GainsightPx => "hard-delete user",
        }
    }

    fn action_effect(self) -> &'static str {
        match self {
            Vendor::Attestr => {
                "irreversible: Attestr purges the profile's verification items and linked media"
            }
            Vendor::Trust => {
                "the identity is deleted; a uuid merged into another identity is reported, \
                 and that identity is deleted only with --follow-merges"
            }
            Vendor::GainsightPx => {
                "hardDelete=true: the user cannot be revived by a later create or update"
            }
        }
    }

    fn method(self) -> &'static str {
        match self {
            Vendor::Attestr => {
                "archive (Archive Profile): irreversible purge of the profile's verification items and linked media"
            }
            Vendor::Trust => "delete (Delete Identity)",
            Vendor::GainsightPx => {
                "hard delete (Delete User, hardDelete=true): not revived by a later create or update"
            }
        }
    }

    fn variables(self) -> &'static [&'static str] {
        match self {
            Vendor::Attestr => &attestr::Config::VARIABLES,
            Vendor::Trust => &trust::Config::VARIABLES,
            Vendor::GainsightPx => &gainsight_px::Config::VARIABLES,
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
                .variables()
                .iter()
                .map(|name| name.to_string())
                .collect();
            listed.sort();
            assert_eq!(read, listed, "{vendor}");

            // Without one of them: the required ones come first in the list.
            let required: Vec<bool> = vendor
                .variables()
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
