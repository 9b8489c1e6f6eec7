//! List operations read as a stream of items, a page at a time.
//!
//! The legacy list routes page with `start` and `count` and report the total.
//! [`Paginate`] turns a configured list call into a `Stream` that asks for the
//! next page only when the items of the last one have been read, and stops at
//! the reported total (or at the first empty page, should the total be
//! wrong).

use std::collections::VecDeque;

use futures_core::Stream;

use crate::error::{Error, ResultExt as _};

/// How many items a page holds unless the caller says otherwise: large
/// enough that long lists take few calls, small enough that one page stays
/// a quick answer.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// A list call that can be read page by page.
///
/// ```no_run
/// # async fn demo(client: nutrient_workflow::Client) -> Result<(), nutrient_workflow::Error> {
/// use futures_util::TryStreamExt as _;
/// use nutrient_workflow::Paginate as _;
///
/// let open = client.workflow().list_my_requests().status("open").items();
/// let mut open = std::pin::pin!(open);
/// while let Some(request) = open.try_next().await? {
///     println!("#{} {}", request.id, request.name);
/// }
/// # Ok(())
/// # }
/// ```
///
/// The stream sets `start` and `count` itself; the other filters of the call
/// apply to every page.
pub trait Paginate<'a>: Sized + 'a {
    /// One item of the list.
    type Item: 'a;

    /// Every item, [`DEFAULT_PAGE_SIZE`] at a time.
    fn items(self) -> impl Stream<Item = Result<Self::Item, Error>> + 'a {
        self.items_in_pages_of(DEFAULT_PAGE_SIZE)
    }

    /// Every item, `page_size` (at least one) at a time.
    fn items_in_pages_of(
        self,
        page_size: u32,
    ) -> impl Stream<Item = Result<Self::Item, Error>> + 'a;
}

/// One page: the total the server reports and the items it holds.
struct Page<T> {
    total: u64,
    items: Vec<T>,
}

/// Where a paged read stands.
struct Cursor<Q, T> {
    query: Q,
    page_size: u32,
    next_start: u64,
    total: Option<u64>,
    buffered: VecDeque<T>,
    done: bool,
}

/// Streams the items of `query`, fetching each page with `fetch`.
fn paginate<'a, Q, T, F, Fut>(
    query: Q,
    page_size: u32,
    fetch: F,
) -> impl Stream<Item = Result<T, Error>> + 'a
where
    Q: Clone + 'a,
    T: 'a,
    F: Fn(Q, i32, i32) -> Fut + Copy + 'a,
    Fut: Future<Output = Result<Page<T>, Error>> + 'a,
{
    let cursor = Cursor {
        query,
        page_size: page_size.max(1),
        next_start: 0,
        total: None,
        buffered: VecDeque::new(),
        done: false,
    };
    futures_util::stream::unfold(cursor, move |mut cursor| async move {
        loop {
            if let Some(item) = cursor.buffered.pop_front() {
                return Some((Ok(item), cursor));
            }
            let exhausted = cursor.total.is_some_and(|total| cursor.next_start >= total);
            if cursor.done || exhausted {
                return None;
            }
            let start = i32::try_from(cursor.next_start).unwrap_or(i32::MAX);
            let count = i32::try_from(cursor.page_size).unwrap_or(i32::MAX);
            match fetch(cursor.query.clone(), start, count).await {
                Ok(page) => {
                    cursor.total = Some(page.total);
                    cursor.done = page.items.is_empty();
                    cursor.next_start += page.items.len() as u64;
                    cursor.buffered.extend(page.items);
                }
                Err(error) => {
                    cursor.done = true;
                    return Some((Err(error), cursor));
                }
            }
        }
    })
}

#[cfg(feature = "workflow")]
mod workflow_lists {
    use super::*;
    use crate::workflow::builder::{ListMyRequests, ListProcesses, ListUsers};
    use crate::workflow::types::{MyRequest, Process, User, UserList};

    impl<'a> Paginate<'a> for ListMyRequests<'a> {
        type Item = MyRequest;

        fn items_in_pages_of(
            self,
            page_size: u32,
        ) -> impl Stream<Item = Result<MyRequest, Error>> + 'a {
            paginate(self, page_size, |query: Self, start, count| async move {
                let page = query.start(start).count(count).send().await;
                let page = page.operation("list_my_requests").await?;
                Ok(Page {
                    total: u64::try_from(page.total).unwrap_or(0),
                    items: page.items,
                })
            })
        }
    }

    impl<'a> Paginate<'a> for ListProcesses<'a> {
        type Item = Process;

        fn items_in_pages_of(
            self,
            page_size: u32,
        ) -> impl Stream<Item = Result<Process, Error>> + 'a {
            paginate(self, page_size, |query: Self, start, count| async move {
                let page = query.start(start).count(count).send().await;
                let page = page.operation("list_processes").await?;
                Ok(Page {
                    total: u64::try_from(page.total).unwrap_or(0),
                    items: page.items,
                })
            })
        }
    }

    impl<'a> Paginate<'a> for ListUsers<'a> {
        type Item = User;

        fn items_in_pages_of(self, page_size: u32) -> impl Stream<Item = Result<User, Error>> + 'a {
            paginate(self, page_size, |query: Self, start, count| async move {
                let list = query.start(start).count(count).send().await;
                let page = match list.operation("list_users").await? {
                    UserList::UserPage(page) => Some(page),
                    UserList::Array(pages) => pages.into_iter().next(),
                };
                Ok(page.map_or(
                    Page {
                        total: 0,
                        items: Vec::new(),
                    },
                    |page| Page {
                        total: u64::try_from(page.total_item_cnt).unwrap_or(0),
                        items: page.items,
                    },
                ))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt as _;

    /// A list of `len` numbers whose server reports `reported` as the total.
    fn numbers(len: u64, reported: u64, page_size: u32) -> Vec<Result<u64, String>> {
        let fetch = move |(): (), start: i32, count: i32| async move {
            let start = u64::try_from(start).unwrap_or(0);
            let end = (start + u64::try_from(count).unwrap_or(0)).min(len);
            Ok(Page {
                total: reported,
                items: (start..end).collect(),
            })
        };
        let stream = paginate((), page_size, fetch);
        let items = futures_util::FutureExt::now_or_never(stream.collect::<Vec<_>>())
            .expect("the pages are ready at once");
        items
            .into_iter()
            .map(|r| r.map_err(|e: Error| e.to_string()))
            .collect()
    }

    #[test]
    fn reads_every_page_up_to_the_total() {
        let items = numbers(25, 25, 10);
        assert_eq!(items, (0..25).map(Ok).collect::<Vec<_>>());
    }

    #[test]
    fn stops_at_an_empty_page_when_the_total_is_too_high() {
        let items = numbers(7, 1000, 5);
        assert_eq!(items.len(), 7);
    }

    #[test]
    fn stops_at_the_total_when_the_server_has_more() {
        let items = numbers(50, 12, 5);
        assert_eq!(items.len(), 15, "the last page is read whole");
    }

    #[test]
    fn an_error_ends_the_stream_after_being_yielded() {
        let fetch = |(): (), start: i32, _count: i32| async move {
            if start == 0 {
                Ok(Page {
                    total: 10,
                    items: vec![1, 2],
                })
            } else {
                Err(Error::Config("page two failed".into()))
            }
        };
        let stream = paginate((), 2, fetch);
        let items =
            futures_util::FutureExt::now_or_never(stream.collect::<Vec<Result<i32, Error>>>())
                .expect("ready");
        assert_eq!(items.len(), 3);
        assert!(items[2].is_err());
    }
}
