//! Every item of a paged operation as one `Stream`: the vendor crate says how to fetch a page
//! and when the vendor's documentation says the list ends; this module walks the pages, one at a
//! time, and bounds the walk. A listing never ends silently where the vendor did not say it ends:
//! a repeated cursor or the page limit is an [`Error::Paging`].

use std::future::Future;

use futures_util::stream::{self, Stream, TryStreamExt};

use crate::error::Error;

/// The default bound of a listing: at most this many pages are fetched.
pub const DEFAULT_MAX_PAGES: u32 = 10_000;

/// One fetched page: its items, and the cursor of the next page, `None` when the vendor's rule
/// says this page is the last.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T, C> {
    /// The items of this page, in the vendor's order.
    pub items: Vec<T>,
    /// Where the next page starts; `None` ends the listing.
    pub next: Option<C>,
}

/// Streams the items of every page, starting at `first`, fetching the next page only when the
/// caller has taken the items of this one. At most `max_pages` pages are fetched; a next
/// cursor equal to the current one (a vendor that would loop) ends the stream with an error.
pub fn items<T, C, E, F, Fut>(
    first: C,
    max_pages: u32,
    fetch: F,
) -> impl Stream<Item = Result<T, Error<E>>>
where
    C: Clone + PartialEq,
    F: FnMut(C) -> Fut,
    Fut: Future<Output = Result<Page<T, C>, Error<E>>>,
{
    stream::unfold(
        (Some(first), 0_u32, fetch),
        move |(cursor, fetched, mut fetch)| async move {
            let cursor = cursor?;
            if fetched >= max_pages {
                let error = Error::Paging(format!(
                    "more than {max_pages} pages; raise the page limit or the page size to list more"
                ));
                return Some((Err(error), (None, fetched, fetch)));
            }
            match fetch(cursor.clone()).await {
                Ok(page) if page.next.as_ref() == Some(&cursor) => {
                    let error = Error::Paging(
                        "the vendor returned the same cursor twice; the listing would not end"
                            .to_string(),
                    );
                    Some((Err(error), (None, fetched + 1, fetch)))
                }
                Ok(page) => Some((Ok(page.items), (page.next, fetched + 1, fetch))),
                Err(error) => Some((Err(error), (None, fetched + 1, fetch))),
            }
        },
    )
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[derive(Debug)]
    struct NoBody;

    async fn collect(
        stream: impl Stream<Item = Result<u32, Error<NoBody>>>,
    ) -> (Vec<u32>, Option<String>) {
        let results: Vec<_> = stream.collect().await;
        let mut items = Vec::new();
        for result in results {
            match result {
                Ok(item) => items.push(item),
                Err(Error::Paging(message)) => return (items, Some(message)),
                Err(other) => panic!("{other:?}"),
            }
        }
        (items, None)
    }

    #[tokio::test]
    async fn pages_are_walked_until_the_vendor_rule_ends_them() {
        let stream = items(1_u32, 10, |page| async move {
            let next = (page < 3).then_some(page + 1);
            Ok(Page {
                items: vec![page * 10, page * 10 + 1],
                next,
            })
        });
        assert_eq!(collect(stream).await, (vec![10, 11, 20, 21, 30, 31], None));
    }

    #[tokio::test]
    async fn a_repeated_cursor_and_the_page_limit_are_errors() {
        let looping = items(7_u32, 10, |page| async move {
            Ok(Page {
                items: vec![page],
                next: Some(page),
            })
        });
        let (items_seen, error) = collect(looping).await;
        assert_eq!(items_seen, Vec::<u32>::new());
        assert!(error.unwrap().contains("same cursor"));

        let endless = items(0_u32, 3, |page| async move {
            Ok(Page {
                items: vec![page],
                next: Some(page + 1),
            })
        });
        let (items_seen, error) = collect(endless).await;
        assert_eq!(items_seen, vec![0, 1, 2]);
        assert!(error.unwrap().contains("more than 3 pages"));
    }
}
