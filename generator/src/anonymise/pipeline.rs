//! An ordered parallel map for the anonymiser's two passes: a source thread produces work
//! items in order, worker threads transform them, and the caller's thread consumes the
//! results in source order. At most `window` items are in flight (produced but not yet
//! consumed), so memory is bounded whatever the input size, and the output does not depend
//! on thread timing. Not for: what the work is (that is `engine`'s).

use std::collections::BTreeMap;
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};

/// Worker threads: one per core.
pub fn workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Runs `source` until it returns `Ok(None)`, `work` on every item on `workers` threads, and
/// `sink` on every result in source order. The first error in source order stops everything
/// and is returned (the items before it have reached `sink`).
pub fn ordered<T, R, E>(
    workers: usize,
    window: usize,
    mut source: impl FnMut() -> Result<Option<T>, E> + Send,
    work: impl Fn(T) -> Result<R, E> + Sync,
    mut sink: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E>
where
    T: Send,
    R: Send,
    E: Send,
{
    let window = window.max(1);
    let work = &work;
    std::thread::scope(|scope| {
        // A token per item in flight: the source takes one before producing an item, the
        // sink gives it back once the item's result is consumed.
        let (token_tx, token_rx) = sync_channel::<()>(window);
        for _ in 0..window {
            let _ = token_tx.send(());
        }
        let (item_tx, item_rx) = sync_channel::<(u64, T)>(window);
        let (result_tx, result_rx) = sync_channel::<(u64, Result<R, E>)>(window + workers);

        let source_results = result_tx.clone();
        scope.spawn(move || {
            let mut seq = 0u64;
            while token_rx.recv().is_ok() {
                match source() {
                    Ok(Some(item)) => {
                        if item_tx.send((seq, item)).is_err() {
                            return;
                        }
                    }
                    Ok(None) => return,
                    Err(e) => {
                        let _ = source_results.send((seq, Err(e)));
                        return;
                    }
                }
                seq += 1;
            }
        });

        // Shared so the receiver goes (and a blocked source wakes) when the last worker stops.
        let item_rx = Arc::new(Mutex::new(item_rx));
        for _ in 0..workers.max(1) {
            let (item_rx, result_tx) = (Arc::clone(&item_rx), result_tx.clone());
            scope.spawn(move || loop {
                let next = match item_rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(poisoned) => poisoned.into_inner().recv(),
                };
                let Ok((seq, item)) = next else { return };
                if result_tx.send((seq, work(item))).is_err() {
                    return;
                }
            });
        }
        drop(item_rx);
        drop(result_tx);

        let mut pending: BTreeMap<u64, Result<R, E>> = BTreeMap::new();
        let mut next = 0u64;
        for (seq, result) in result_rx.iter() {
            pending.insert(seq, result);
            while let Some(result) = pending.remove(&next) {
                // Returning drops the channels' ends held here, which stops the threads.
                sink(result?)?;
                next += 1;
                let _ = token_tx.send(());
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_source_order() {
        let mut n = 0u32;
        let mut seen = Vec::new();
        let result: Result<(), String> = ordered(
            3,
            4,
            || {
                n += 1;
                Ok((n <= 200).then_some(n))
            },
            |x| {
                // Uneven work so results finish out of order.
                std::thread::sleep(std::time::Duration::from_micros(u64::from(x % 7) * 50));
                Ok(x * 2)
            },
            |y| {
                seen.push(y);
                Ok(())
            },
        );
        assert!(result.is_ok());
        assert_eq!(seen, (1..=200).map(|x| x * 2).collect::<Vec<_>>());
    }

    #[test]
    fn the_first_error_in_order_wins_and_nothing_hangs() {
        let mut n = 0u32;
        let mut seen = Vec::new();
        let result = ordered(
            2,
            3,
            || {
                n += 1;
                if n == 500 {
                    return Err(format!("source failed at {n}"));
                }
                Ok(Some(n))
            },
            |x| {
                if x == 40 || x == 90 {
                    Err(format!("item {x} failed"))
                } else {
                    Ok(x)
                }
            },
            |y| {
                seen.push(y);
                Ok(())
            },
        );
        assert_eq!(result, Err("item 40 failed".to_string()));
        assert_eq!(seen, (1..40).collect::<Vec<_>>());

        let mut n = 0u32;
        let result = ordered(
            2,
            3,
            || {
                n += 1;
                if n == 10 {
                    return Err("source failed".to_string());
                }
                Ok(Some(n))
            },
            Ok,
            |_| Ok(()),
        );
        assert_eq!(result, Err("source failed".to_string()));
    }
}
