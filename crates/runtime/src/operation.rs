//! What the runtime knows about each operation, from the table `cargo xtask generate` writes
//! beside every generated client (`operations.rs`).

/// One operation of a generated client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The `operation_id` progenitor passes to the hooks (the method's name, `archive_profile`).
    pub id: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template relative to the base URL, as the spec writes it. Logged instead of the
    /// real path, which holds personal ids.
    pub path_template: &'static str,
    /// Whether the spec requires credentials for it (Atenea's token call does not).
    pub authenticated: bool,
}

impl Operation {
    /// Whether repeating the request is harmless by HTTP semantics. POST and PATCH are not: a
    /// retry after the request may have reached the server could apply it twice.
    pub fn is_idempotent(&self) -> bool {
        !matches!(self.method, "POST" | "PATCH")
    }

    /// Whether `path` (the request URL's path) is `base_path` followed by this operation's
    /// template, segment for segment, with each `{parameter}` filled by exactly one non-empty
    /// segment. A parameter value that the URL parser turned into a route change (`..`, `.`,
    /// a backslash) fails this check.
    pub fn matches_path(&self, base_path: &str, path: &str) -> bool {
        let base = base_path.trim_end_matches('/');
        let Some(rest) = path.strip_prefix(base) else {
            return false;
        };
        // Called on every request, so segments are compared in step, without collecting.
        let mut expected = self.path_template.as_bytes().split(|&byte| byte == b'/');
        let mut actual = rest.as_bytes().split(|&byte| byte == b'/');
        loop {
            match (expected.next(), actual.next()) {
                (None, None) => return true,
                (Some(template), Some(segment)) => {
                    let fits = if template.starts_with(b"{") && template.ends_with(b"}") {
                        !matches!(segment, b"" | b"." | b"..")
                    } else {
                        template == segment
                    };
                    if !fits {
                        return false;
                    }
                }
                _ => return false,
            }
        }
    }
}

/// Finds an operation by id.
pub fn find(operations: &'static [Operation], id: &str) -> Option<&'static Operation> {
    operations.iter().find(|operation| operation.id == id)
}

#[cfg(test)]
mod tests {
    use super::Operation;

    const ARCHIVE: Operation = Operation {
        id: "archive_profile",
        method: "PUT",
        path_template: "/public/factx/{profileId}/archive",
        authenticated: true,
    };

    #[test]
    fn a_path_matches_its_template_only() {
        assert!(ARCHIVE.matches_path("/api/v1", "/api/v1/public/factx/AX1/archive"));
        assert!(ARCHIVE.matches_path("/api/v1/", "/api/v1/public/factx/a%2Fb/archive"));
        // `..` as the id: the URL parser already removed a segment.
        assert!(!ARCHIVE.matches_path("/api/v1", "/api/v1/public/archive"));
        // A backslash became a separator.
        assert!(!ARCHIVE.matches_path("/api/v1", "/api/v1/public/factx/a/b/archive"));
        assert!(!ARCHIVE.matches_path("/api/v1", "/api/v1/public/factx//archive"));
        assert!(!ARCHIVE.matches_path("/api/v2", "/api/v1/public/factx/AX1/archive"));
    }

    #[test]
    fn post_and_patch_are_not_idempotent() {
        let post = Operation {
            method: "POST",
            ..ARCHIVE
        };
        let patch = Operation {
            method: "PATCH",
            ..ARCHIVE
        };
        assert!(ARCHIVE.is_idempotent());
        assert!(!post.is_idempotent());
        assert!(!patch.is_idempotent());
    }
}
