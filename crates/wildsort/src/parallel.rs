//! Large sorts split across threads: each pass's work is cut into parts that touch disjoint
//! memory, one thread a part (kept workers, `pool`, or threads started for it), all done before
//! the next pass.

use std::sync::{Mutex, OnceLock, PoisonError};

use crate::pool;

/// Inputs shorter than this are sorted on the calling thread alone: below it, starting threads
/// costs more than it saves.
const PARALLEL_MIN: usize = 1 << 17;
/// At most this many threads share one sort.
const MAX_THREADS: usize = 8;

/// How many parts `n` items are cut into: one per available core, each at least half of
/// `PARALLEL_MIN` items, at most [`threads`].
pub fn parts_for(n: usize) -> usize {
    if n < PARALLEL_MIN {
        return 1;
    }
    threads().min(n / (PARALLEL_MIN / 2)).max(1)
}

/// The most threads one sort uses: `WILDSORT_THREADS` if it is set to a positive number (`1`:
/// the calling thread only), else the available cores; never more than [`MAX_THREADS`]. Read
/// once per process.
fn threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| {
        let cores = || std::thread::available_parallelism().map_or(1, |c| c.get());
        let wanted = std::env::var("WILDSORT_THREADS").ok();
        let wanted = wanted
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|&t| t > 0);
        wanted.unwrap_or_else(cores).min(MAX_THREADS)
    })
}

/// Runs `job(0)` .. `job(parts - 1)`, the first on this thread, the others on kept workers
/// (`pool`), else on threads started for them, and returns their results in order. A part whose
/// thread cannot be started runs on this thread; a panic in any part is raised again here.
pub fn run<T: Send>(parts: usize, job: impl Fn(usize) -> T + Sync) -> Vec<T> {
    if parts <= 1 {
        return (0..parts).map(job).collect();
    }
    if let Some(results) = pool::run(parts, &job) {
        return results;
    }
    let job = &job;
    std::thread::scope(|scope| {
        let threads: Vec<_> = (1..parts)
            .map(|part| std::thread::Builder::new().spawn_scoped(scope, move || job(part)))
            .collect();
        let mut results = vec![job(0)];
        for (part, thread) in (1..).zip(threads) {
            results.push(match thread {
                Ok(thread) => thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                Err(_) => job(part),
            });
        }
        results
    })
}

/// Each of `parts` as its own lock, so that a part can be handed to the one job that works on it.
pub fn owned_by_part<T>(parts: impl IntoIterator<Item = T>) -> Vec<Mutex<T>> {
    parts.into_iter().map(Mutex::new).collect()
}

/// The part behind `lock` (a panic elsewhere leaves the part itself intact).
pub fn take<T>(lock: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    lock.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A buffer that several threads write at once, each to positions no other thread writes.
pub struct Disjoint<'a> {
    start: *mut u64,
    len: usize,
    _buffer: std::marker::PhantomData<&'a mut [u64]>,
}

// SAFETY: `Disjoint` hands out writes only (through `write`, whose callers keep the positions
// of different threads apart), to a buffer it borrows exclusively for its whole life.
unsafe impl Sync for Disjoint<'_> {}

impl<'a> Disjoint<'a> {
    pub fn new(buffer: &'a mut [u64]) -> Self {
        Disjoint {
            start: buffer.as_mut_ptr(),
            len: buffer.len(),
            _buffer: std::marker::PhantomData,
        }
    }

    /// Writes `value` at `position`.
    ///
    /// # Safety
    /// `position` is below the buffer's length, and no other thread reads or writes it while
    /// this `Disjoint` lives.
    pub unsafe fn write(&self, position: usize, value: u64) {
        debug_assert!(position < self.len);
        // SAFETY: in bounds and not shared, by this function's contract.
        unsafe { self.start.add(position).write(value) };
    }
}
