//! Work over many files on all cores, with results delivered in file order as soon as each is
//! due: memory stays bounded by the few files in flight, however large the tree.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `work` on every item (with its index) on all cores; `sink` receives the results in
/// the order of `items`.
pub fn for_each<I: Sync, T: Send>(
    items: &[I],
    work: impl Fn(usize, &I) -> T + Sync,
    mut sink: impl FnMut(T),
) {
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(items.len().max(1));
    let (sender, receiver) = crossbeam_channel::bounded::<(usize, T)>(workers * 16);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let sender = sender.clone();
            let (next, work) = (&next, &work);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else {
                    break;
                };
                if sender.send((i, work(i, item))).is_err() {
                    break;
                }
            });
        }
        drop(sender);
        let mut waiting = BTreeMap::new();
        let mut due = 0;
        for (i, item) in receiver {
            waiting.insert(i, item);
            while let Some(item) = waiting.remove(&due) {
                sink(item);
                due += 1;
            }
        }
    });
}
