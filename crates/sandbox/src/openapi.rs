//! The OpenAPI documents the sandbox serves at `/openapi/<slug>.json`: the published
//! `spec/dist/<slug>.json` themselves, compiled in and served byte for byte. They are also where
//! the routes come from (see `server`): the sandbox has no route table of its own to describe.

use axum::Router;
use axum::http::header;
use axum::routing::get;

use crate::context::AppState;
use crate::validate::DOCUMENTS;

/// `/openapi/<slug>.json` for each document.
pub(crate) fn routes() -> Router<AppState> {
    DOCUMENTS
        .into_iter()
        .fold(Router::new(), |routes, (slug, document, _)| {
            routes.route(
                &format!("/openapi/{slug}.json"),
                get(
                    move || async move { ([(header::CONTENT_TYPE, "application/json")], document) },
                ),
            )
        })
}
