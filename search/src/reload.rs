//! When a server may look for a newer build: at most once per [`CHECK_EVERY`], by whichever
//! request comes first, so following a rebuild costs no thread and no per-request file
//! system work. Used by the search index and the dataset endpoints' data.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How often a request may check for a newer build.
pub const CHECK_EVERY: Duration = Duration::from_millis(500);

#[derive(Debug)]
pub struct ReloadCheck {
    started: Instant,
    /// Milliseconds since `started` of the last check.
    checked_at: AtomicU64,
}

impl ReloadCheck {
    pub fn new() -> ReloadCheck {
        ReloadCheck {
            started: Instant::now(),
            checked_at: AtomicU64::new(0),
        }
    }

    /// True for exactly one caller per period.
    pub fn due(&self) -> bool {
        let now = self.started.elapsed().as_millis() as u64;
        let last = self.checked_at.load(Ordering::Relaxed);
        now.saturating_sub(last) >= CHECK_EVERY.as_millis() as u64
            && self
                .checked_at
                .compare_exchange(last, now, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
    }
}

impl Default for ReloadCheck {
    fn default() -> ReloadCheck {
        ReloadCheck::new()
    }
}
