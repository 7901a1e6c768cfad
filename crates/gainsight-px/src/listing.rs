//! Every Gainsight PX user as one stream (`listUsers`, scrolling with `scrollId`).

use std::num::NonZeroU32;

use futures_util::Stream;
use vendor_runtime::__private::paging::{self, DEFAULT_MAX_PAGES, Page};

use crate::{Client, Error, types};

/// The vendor's default `pageSize` (25).
pub const DEFAULT_PAGE_SIZE: u32 = 25;
/// The vendor's largest `pageSize` (1000).
pub const MAX_PAGE_SIZE: u32 = 1000;

/// How to walk the users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListOptions {
    /// Users per page, 1 to 1000 (clamped).
    pub page_size: u32,
    /// At most this many pages are fetched; past it the stream ends with `Error::Paging`.
    pub max_pages: u32,
}

impl Default for ListOptions {
    fn default() -> Self {
        ListOptions {
            page_size: DEFAULT_PAGE_SIZE,
            max_pages: DEFAULT_MAX_PAGES,
        }
    }
}

impl Client {
    /// Every user, scrolling on demand. It stops as the vendor documents: "Scroll until the
    /// returned result list is less than the requested size. Do not depend on the scrollId
    /// becoming null". A full page without a `scrollId`, or the same `scrollId` twice, ends the
    /// stream with `Error::Paging` rather than a silent, possibly partial end.
    pub fn users(
        &self,
        options: ListOptions,
    ) -> impl Stream<Item = Result<types::User, Error>> + '_ {
        let page_size = options.page_size.clamp(1, MAX_PAGE_SIZE);
        let size = NonZeroU32::new(page_size).unwrap_or(NonZeroU32::MIN);
        paging::items(
            None::<String>,
            options.max_pages,
            move |scroll_id| async move {
                let mut request = self.list_users().page_size(size);
                if let Some(scroll_id) = scroll_id {
                    request = request.scroll_id(scroll_id);
                }
                let page = request.call().await?.into_inner();
                if page.users.len() < page_size as usize {
                    return Ok(Page {
                        items: page.users,
                        next: None,
                    });
                }
                match page.scroll_id {
                    Some(next) => Ok(Page {
                        items: page.users,
                        next: Some(Some(next)),
                    }),
                    None => Err(Error::Paging(
                        "a full page came without a scrollId, so the next page cannot be asked for"
                            .to_string(),
                    )),
                }
            },
        )
    }
}
