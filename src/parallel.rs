//! Work over many files on all cores, with results delivered in file order as soon as each is
//! due: memory stays bounded by the few files in flight, however large the tree.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// Runs `work` on every item (with its index) on all cores; `sink` receives the results in
/// the order of `items`.
///
/// The calling thread is one of the workers: between its own items it takes what the others
/// sent without waiting, and waits only once no item is left. A caller that only waited would
/// be a third thread on two cores, woken (or spinning) for every result.
pub fn for_each<I: Sync, T: Send>(
    items: &[I],
    work: impl Fn(usize, &I) -> T + Sync,
    sink: impl FnMut(T),
) {
    for_each_on(cores(), items, work, sink);
}

/// `for_each` for work that waits on other processes (verification asks bash): one worker more
/// than there are cores, so that a core is not left idle while a worker waits for an answer
/// (`patch --check` on the 10,000-file tree: 1.41x to 1.26x `check`'s time on two cores).
pub fn for_each_waiting<I: Sync, T: Send>(
    items: &[I],
    work: impl Fn(usize, &I) -> T + Sync,
    sink: impl FnMut(T),
) {
    for_each_on(cores() + 1, items, work, sink);
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

fn for_each_on<I: Sync, T: Send>(
    workers: usize,
    items: &[I],
    work: impl Fn(usize, &I) -> T + Sync,
    sink: impl FnMut(T),
) {
    let next = AtomicUsize::new(0);
    let workers = workers.min(items.len().max(1));
    let (sender, receiver) = mpsc::sync_channel::<(usize, T)>(workers * 16);
    let mut order = InOrder::new(sink);
    let take = || {
        let i = next.fetch_add(1, Ordering::Relaxed);
        items.get(i).map(|item| (i, work(i, item)))
    };
    std::thread::scope(|scope| {
        for _ in 1..workers {
            let sender = sender.clone();
            scope.spawn(move || {
                while let Some(result) = take() {
                    if sender.send(result).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        // Owned here: if this thread's work panics, the receiver goes with it, and the others
        // stop at their next send instead of waiting for room forever.
        let receiver = receiver;
        while let Some(result) = take() {
            order.put(result);
            receiver.try_iter().for_each(|result| order.put(result));
        }
        receiver.iter().for_each(|result| order.put(result));
    });
}

/// Results put in any order, handed to the sink in index order.
struct InOrder<T, S> {
    waiting: BTreeMap<usize, T>,
    due: usize,
    sink: S,
}

impl<T, S: FnMut(T)> InOrder<T, S> {
    fn new(sink: S) -> Self {
        InOrder {
            waiting: BTreeMap::new(),
            due: 0,
            sink,
        }
    }

    fn put(&mut self, (i, result): (usize, T)) {
        self.waiting.insert(i, result);
        while let Some(result) = self.waiting.remove(&self.due) {
            (self.sink)(result);
            self.due += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_result_reaches_the_sink_once_in_the_order_of_the_items() {
        for (count, workers) in [0, 1, 2, 3, 17, 500]
            .into_iter()
            .flat_map(|c| [(c, 2), (c, 3)])
        {
            let items: Vec<usize> = (0..count).collect();
            let mut seen = Vec::new();
            for_each_on(
                workers,
                &items,
                |i, item| {
                    // Uneven work, so that results arrive out of order.
                    if item % 7 == 0 {
                        std::thread::sleep(std::time::Duration::from_micros(200));
                    }
                    (i, item * 2)
                },
                |result| seen.push(result),
            );
            let expected: Vec<(usize, usize)> = items.iter().map(|&i| (i, i * 2)).collect();
            assert_eq!(seen, expected, "{count} items, {workers} workers");
        }
    }

    #[test]
    fn a_panic_in_the_work_reaches_the_caller_instead_of_hanging_the_others() {
        let items: Vec<usize> = (0..2_000).collect();
        for bad in [0, 1, 1_999] {
            let run = std::panic::catch_unwind(|| {
                for_each(
                    &items,
                    |_, &item| {
                        assert_ne!(item, bad, "item {bad} fails");
                        item
                    },
                    |_| {},
                );
            });
            assert!(run.is_err(), "item {bad}");
        }
    }
}
