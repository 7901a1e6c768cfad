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

    /// Whether this operation's template is more specific than `other`'s at the first segment
    /// where they differ: a fixed segment (`delete`) against a parameter (`{identifyId}`).
    fn is_more_specific_than(&self, other: &Operation) -> bool {
        self.path_template
            .split('/')
            .zip(other.path_template.split('/'))
            .map(|(mine, theirs)| (is_parameter(mine), is_parameter(theirs)))
            .find(|(mine, theirs)| mine != theirs)
            .is_some_and(|(mine, _)| !mine)
    }
}

fn is_parameter(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

/// An operation table with each operation's shadowing candidates ([`Route::new`]) found once,
/// when the client is built: the check on every request then matches the path against those few
/// templates instead of comparing every template of the table with every other.
#[derive(Debug)]
pub(crate) struct Routes(Box<[Route]>);

/// One operation and the operations whose routes can shadow it.
#[derive(Debug)]
pub(crate) struct Route {
    pub(crate) operation: &'static Operation,
    shadows: Box<[&'static Operation]>,
}

impl Routes {
    pub(crate) fn new(operations: &'static [Operation]) -> Routes {
        let routes = operations
            .iter()
            .map(|operation| Route::new(operations, operation));
        Routes(routes.collect())
    }

    /// The route of the operation `id`.
    pub(crate) fn find(&self, id: &str) -> Option<&Route> {
        self.0.iter().find(|route| route.operation.id == id)
    }
}

impl Route {
    /// `operation` and the operations of its table, of any method, whose routes are more
    /// specific than its own: a concrete path of `operation` that also matches one of them may
    /// be routed there by the vendor (the user whose id is `delete` would be sent to
    /// `DELETE /v1/users/delete`). The method is ignored on purpose: how the vendor routes a
    /// method its fixed path does not serve is not documented.
    fn new(operations: &'static [Operation], operation: &'static Operation) -> Route {
        let shadows = operations.iter().filter(|other| {
            other.path_template != operation.path_template && other.is_more_specific_than(operation)
        });
        Route {
            operation,
            shadows: shadows.collect(),
        }
    }

    /// Checks a concrete request path for this route's operation: it must match the operation's
    /// own template and none of the templates that can shadow it.
    pub(crate) fn check(&self, base_path: &str, path: &str) -> Result<(), RouteProblem> {
        let operation = self.operation;
        if !operation.matches_path(base_path, path) {
            return Err(RouteProblem::RouteChanged {
                operation: operation.id,
                template: operation.path_template,
            });
        }
        let shadow = self
            .shadows
            .iter()
            .find(|other| other.matches_path(base_path, path));
        match shadow {
            Some(other) => Err(RouteProblem::Shadowed {
                operation: operation.id,
                other: other.id,
                other_template: other.path_template,
            }),
            None => Ok(()),
        }
    }
}

/// Why a path built for an operation cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteProblem {
    /// The operation is not in the table.
    #[error("operation `{0}` is not in the client's operation table")]
    UnknownOperation(String),
    /// A parameter value changed the route: the URL no longer matches the template.
    #[error(
        "a path parameter of `{operation}` changes the request's route (the URL no longer matches `{template}`); ids such as `.`, `..` or ones with a slash or backslash cannot be sent in a path"
    )]
    RouteChanged {
        /// The operation.
        operation: &'static str,
        /// Its template.
        template: &'static str,
    },
    /// The path also matches another operation's more specific route.
    #[error(
        "a path parameter of `{operation}` makes its path match `{other_template}`, the route of `{other}`; the vendor may route it there, so it is not sent"
    )]
    Shadowed {
        /// The operation.
        operation: &'static str,
        /// The operation whose route the path reaches.
        other: &'static str,
        /// That operation's template.
        other_template: &'static str,
    },
}

/// Checks, before building a request, that `operation` with these path parameter values keeps
/// its own route, the way the `pre` hook will check the real request. Values are
/// percent-encoded as the generated code encodes them, then the path goes through the same URL
/// parser, so `..` or a backslash fails here exactly as it would there. For the hand-written
/// layers that choose between a path and a body variant.
pub fn check_params(
    operations: &'static [Operation],
    operation_id: &str,
    params: &[(&str, &str)],
) -> Result<(), RouteProblem> {
    let operation = operations
        .iter()
        .find(|operation| operation.id == operation_id)
        .ok_or_else(|| RouteProblem::UnknownOperation(operation_id.to_string()))?;
    let mut path = operation.path_template.to_string();
    for (name, value) in params {
        path = path.replace(
            &format!("{{{name}}}"),
            &progenitor_client::encode_path(value),
        );
    }
    let parsed = reqwest::Url::parse(&format!("http://check.invalid{path}")).map_err(|_| {
        RouteProblem::RouteChanged {
            operation: operation.id,
            template: operation.path_template,
        }
    })?;
    Route::new(operations, operation).check("", parsed.path())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    static PX: [Operation; 4] = [
        Operation {
            id: "delete_user_by_body",
            method: "DELETE",
            path_template: "/v1/users/delete",
            authenticated: true,
        },
        Operation {
            id: "get_user",
            method: "GET",
            path_template: "/v1/users/{identifyId}",
            authenticated: true,
        },
        Operation {
            id: "delete_user",
            method: "DELETE",
            path_template: "/v1/users/{identifyId}",
            authenticated: true,
        },
        Operation {
            id: "update_user_by_body",
            method: "PUT",
            path_template: "/v1/users/update",
            authenticated: true,
        },
    ];

    #[test]
    fn an_id_that_is_a_fixed_segment_of_another_route_is_refused_whatever_the_method() {
        for (operation, id, other) in [
            ("delete_user", "delete", "delete_user_by_body"),
            ("get_user", "update", "update_user_by_body"),
            ("delete_user", "update", "update_user_by_body"),
        ] {
            assert_eq!(
                check_params(&PX, operation, &[("identifyId", id)]),
                Err(RouteProblem::Shadowed {
                    operation,
                    other,
                    other_template: if other == "delete_user_by_body" {
                        "/v1/users/delete"
                    } else {
                        "/v1/users/update"
                    },
                })
            );
        }
        // The fixed routes themselves, and ids that merely contain the words, are fine.
        let routes = Routes::new(&PX);
        let fixed = routes.find("delete_user_by_body").unwrap();
        assert_eq!(fixed.check("/base", "/base/v1/users/delete"), Ok(()));
        for id in [
            "Delete",
            "delete-me",
            "update@example.test",
            "jdoe+1@example.test",
        ] {
            assert_eq!(
                check_params(&PX, "delete_user", &[("identifyId", id)]),
                Ok(()),
                "{id}"
            );
        }
    }

    #[test]
    fn the_routes_a_client_builds_once_refuse_a_shadowed_path() {
        let routes = Routes::new(&PX);
        let check = |id, path| routes.find(id).unwrap().check("/base", path);
        assert!(matches!(
            check("delete_user", "/base/v1/users/delete"),
            Err(RouteProblem::Shadowed {
                other: "delete_user_by_body",
                ..
            })
        ));
        assert_eq!(check("delete_user", "/base/v1/users/jdoe"), Ok(()));
        assert_eq!(
            check("delete_user_by_body", "/base/v1/users/delete"),
            Ok(())
        );
        assert!(matches!(
            check("get_user", "/base/v1/users"),
            Err(RouteProblem::RouteChanged { .. })
        ));
        assert!(routes.find("no_such_operation").is_none());
    }

    #[test]
    fn ids_the_url_parser_would_move_are_refused() {
        for id in ["..", ".", "a\\b", "..\\x"] {
            assert!(
                matches!(
                    check_params(&PX, "delete_user", &[("identifyId", id)]),
                    Err(RouteProblem::RouteChanged { .. })
                ),
                "{id}"
            );
        }
        // A slash is percent-encoded into the segment.
        assert_eq!(
            check_params(&PX, "delete_user", &[("identifyId", "a/b")]),
            Ok(())
        );
    }
}
