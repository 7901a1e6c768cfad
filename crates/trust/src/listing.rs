//! Every identity in Index as one stream (`listIdentities`, page by page).

use futures_util::Stream;
use vendor_runtime::__private::paging::{self, DEFAULT_MAX_PAGES, Page};

use crate::{Client, Error, types};

/// The vendor's default `per_page` ("Defaults to 5").
pub const DEFAULT_PER_PAGE: u32 = 5;

/// How to walk the identities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListOptions {
    /// Identities per page (`per_page`). Unknown: the largest value Index accepts.
    pub per_page: u32,
    /// At most this many pages are fetched; past it the stream ends with `Error::Paging`.
    pub max_pages: u32,
}

impl Default for ListOptions {
    fn default() -> Self {
        ListOptions {
            per_page: DEFAULT_PER_PAGE,
            max_pages: DEFAULT_MAX_PAGES,
        }
    }
}

impl Client {
    /// Every identity, fetching page 1, 2, … on demand. Index documents no end-of-list marker
    /// (unknown): the stream ends after a page with fewer than `per_page` identities, which is
    /// an inference, stated here.
    pub fn identities(
        &self,
        options: ListOptions,
    ) -> impl Stream<Item = Result<types::Identity, Error>> + '_ {
        let per_page = options.per_page.max(1);
        paging::items(1_u32, options.max_pages, move |page| async move {
            let response = self
                .list_identities()
                .page(i64::from(page))
                .per_page(i64::from(per_page))
                .call()
                .await?;
            let items = response.into_inner().data;
            let next = (items.len() >= per_page as usize).then_some(page + 1);
            Ok(Page { items, next })
        })
    }
}
