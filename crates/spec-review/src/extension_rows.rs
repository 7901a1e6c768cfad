//! The rows of this project's `x-` extensions as the rules table's matchers read them: an
//! `x-error-codes` row ([`ErrorCode`]), an `x-outcomes` row ([`OutcomeRow`]), each as it was and
//! as it is ([`ErrorCodePair`], [`RowPair`]), paired by [`crate::extensions`] the way Redocly
//! pairs the nodes of a document.

/// One row of an extension at the base and now; `None` where the row is absent on that side.
pub struct RowPair<'a, T> {
    pub old: Option<&'a T>,
    pub new: Option<&'a T>,
}

/// One documented error: `{status, code?, name, message}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ErrorCode {
    pub status: String,
    pub code: Option<String>,
    /// `None` only in a document from before rows were named (a base revision of that age).
    pub name: Option<String>,
    pub message: String,
}

impl ErrorCode {
    pub fn display(&self) -> String {
        format!("{} \"{}\"", self.label(), self.message)
    }

    /// The status and code, then the name where the row has one (``400/4001 `MalformedData` ``).
    pub fn label(&self) -> String {
        let name = self.name.as_ref().map(|name| format!(" `{name}`"));
        format!("{}{}", self.status_and_code(), name.unwrap_or_default())
    }

    pub fn status_and_code(&self) -> String {
        match &self.code {
            Some(code) => format!("{}/{code}", self.status),
            None => self.status.clone(),
        }
    }

    /// What identifies the error when its name is not compared: the code where the vendor
    /// sends one, else the message (Gainsight PX documents no codes).
    pub fn vendor_identity(&self) -> (&str, Option<&str>, Option<&str>) {
        match &self.code {
            Some(code) => (&self.status, Some(code), None),
            None => (&self.status, None, Some(&self.message)),
        }
    }

    /// Whether `other` is this error under another name (both rows named).
    pub fn renamed_in(&self, other: &ErrorCode) -> bool {
        matches!((&self.name, &other.name), (Some(was), Some(is)) if was != is)
    }
}

/// An `x-error-codes` row at the base and now, paired as the same error.
pub struct ErrorCodePair<'a> {
    pub rows: RowPair<'a, ErrorCode>,
    /// For a row gone: whether a row of the new document still names its Rust `ErrorCode`
    /// variant (its `name`, or its code for a row from before names).
    pub variant_stays: bool,
}

/// One `x-outcomes` row, identified by its outcome, status and whether it applies only after a
/// lost response; what proves it is `when` (each check as JSON text, sorted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeRow {
    pub key: (String, String, bool),
    pub when: Vec<String>,
    pub evidence: String,
    pub description: String,
}

impl OutcomeRow {
    pub fn display(&self) -> String {
        let (outcome, status, after_lost) = &self.key;
        let after = if *after_lost {
            " after a lost response"
        } else {
            ""
        };
        format!("`{outcome}` on {status}{after}")
    }

    /// The checks of `self` that `other` lacks.
    pub fn checks_beyond<'a>(&'a self, other: &OutcomeRow) -> Vec<&'a String> {
        self.when
            .iter()
            .filter(|c| !other.when.contains(c))
            .collect()
    }
}
