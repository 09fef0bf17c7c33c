//! Worker threads kept from one pass to the next, and from one sort to the next while sorts come
//! often.
//!
//! Starting a thread costs 50-250 µs on a small VM (measured), and a large argsort runs four
//! passes side by side: with a thread started for each, a 1M-key argsort took 11.5-14 ms; with
//! kept workers, 9.9-10.3 ms. A kept worker stays awake [`SPIN`] after each part, so the next
//! pass finds it awake, then sleeps, and ends after [`IDLE`] without work: a process that stopped sorting
//! keeps no threads (Python 3.12+ warns when a process with threads forks).
//!
//! Not rayon: its global pool is lost in a forked child (multiprocessing's default start on
//! Linux), where the next parallel call waits forever. Here a child sees that the pool is not its
//! own (another process id) and starts its own workers.

use std::any::Any;
use std::cell::UnsafeCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, TryLockError};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

/// How long a worker that finished its part stays awake for the next one: a thousand pauses, then
/// yielding its core to any other thread until this is over. The two halves of a pass often end
/// hundreds of µs apart on a busy VM, and a worker that fell asleep takes about as long to wake
/// as a new thread takes to start (measured: with 50 µs a 1M-key argsort gained half as much).
const SPIN: Duration = Duration::from_millis(2);
/// How long a worker sleeps without work before it ends.
const IDLE: Duration = Duration::from_secs(1);

/// The kept workers of this process. Parts are posted only with this lock held, so a worker that
/// holds it may end without a part being posted to it meanwhile.
static POOL: Mutex<Pool> = Mutex::new(Pool {
    pid: 0,
    workers: Vec::new(),
});

struct Pool {
    /// The process the workers run in: after a fork, they are not there.
    pid: u32,
    workers: Vec<Arc<Worker>>,
}

/// A part for a worker: `call(data, part)`, with `data` erased to a plain pointer.
#[derive(Clone, Copy)]
struct Task {
    call: unsafe fn(*const (), usize),
    data: *const (),
    part: usize,
}

struct Worker {
    thread: Thread,
    /// The count of parts posted to it, and of those it finished.
    posted: AtomicUsize,
    finished: AtomicUsize,
    /// The part posted last: written only while the worker is idle (`finished == posted`), read
    /// by the worker only after `posted` moved past what it finished.
    task: UnsafeCell<Option<Task>>,
}

// SAFETY: `task` is the only field that is not `Sync`; its writes and reads are ordered by
// `posted` (Release, then Acquire) and `finished` (likewise) as its doc says, so they never race.
// The pointer in it is only dereferenced by `call`, whose poster keeps it alive (`run`).
unsafe impl Sync for Worker {}
// SAFETY: as above; a `Task`'s pointer is used only while its poster waits.
unsafe impl Send for Worker {}

impl Worker {
    /// Hands `task` to this worker, which must be idle (every part posted to it finished).
    fn post(&self, task: Task) -> usize {
        // SAFETY: the worker is idle (the caller's contract, kept by `run`, which waits for every
        // part it posted), so nothing reads `task` until `posted` moves below.
        unsafe { *self.task.get() = Some(task) };
        let number = self.posted.load(Ordering::Relaxed) + 1;
        self.posted.store(number, Ordering::Release);
        self.thread.unpark(); // a no-op (an atomic swap) unless the worker sleeps
        number
    }

    /// Waits until the worker finished part `number`.
    fn wait(&self, number: usize) {
        let mut spins = 0u32;
        while self.finished.load(Ordering::Acquire) != number {
            spins = spins.saturating_add(1);
            if spins < 1 << 16 {
                std::hint::spin_loop();
            } else {
                thread::yield_now();
            }
        }
    }
}

/// Runs `job(0)` here and `job(1)` .. `job(parts - 1)` on kept workers, and returns the results
/// in order; `None` (having run nothing) when the workers are busy with another sort (or with
/// the part this one is nested in) or cannot be started. A panic in any part is raised again
/// here once every part has ended.
pub fn run<T: Send, F: Fn(usize) -> T + Sync>(parts: usize, job: &F) -> Option<Vec<T>> {
    let mut pool = match POOL.try_lock() {
        Ok(pool) => pool,
        Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        Err(TryLockError::WouldBlock) => return None,
    };
    let helpers = parts.checked_sub(1)?;
    hire(&mut pool, helpers)?;
    let slots: Vec<Slot<T>> = (0..parts).map(|_| UnsafeCell::new(None)).collect();
    let context = (job, slots.as_slice());
    let call = call_part::<T, F> as unsafe fn(*const (), usize);
    let posted: Vec<(&Worker, usize)> = (pool.workers.iter().zip(1..parts))
        .map(|(worker, part)| {
            let data = (&raw const context).cast::<()>();
            (&**worker, worker.post(Task { call, data, part }))
        })
        .collect();
    let first = panic::catch_unwind(AssertUnwindSafe(|| job(0)));
    // Every part ends before `context` (on this stack) may go, whatever panicked.
    for (worker, number) in posted {
        worker.wait(number);
    }
    drop(pool);
    let mut results = Vec::with_capacity(parts);
    results.push(first);
    for slot in slots.into_iter().skip(1) {
        let missing = || Err(Box::new("wildsort: a part did not run") as Box<dyn Any + Send>);
        results.push(slot.into_inner().unwrap_or_else(missing));
    }
    Some(
        results
            .into_iter()
            .map(|result| result.unwrap_or_else(|panic| panic::resume_unwind(panic)))
            .collect(),
    )
}

/// Where a part's result goes: written by the part's thread only, read after it finished.
type Slot<T> = UnsafeCell<Option<Result<T, Box<dyn Any + Send>>>>;

/// A worker's side of `run`: runs part `part` of the job behind `data` and keeps its result.
///
/// # Safety
/// `data` points to the `(job, slots)` pair of a `run` of the same `T` and `F` that waits for
/// this part, and no other thread touches `slots[part]` until then.
unsafe fn call_part<T, F: Fn(usize) -> T>(data: *const (), part: usize) {
    // SAFETY: the function's contract.
    let (job, slots) = unsafe { &*data.cast::<(&F, &[Slot<T>])>() };
    let result = panic::catch_unwind(AssertUnwindSafe(|| job(part)));
    // SAFETY: this part's slot is this thread's alone until `run` sees the part finished.
    unsafe { *slots[part].get() = Some(result) };
}

/// Makes sure the pool has `count` workers of this process; `None` if one cannot be started.
fn hire(pool: &mut Pool, count: usize) -> Option<()> {
    let pid = std::process::id();
    if pool.pid != pid {
        // Forked: the workers stayed behind in the parent. Their records are forgotten, not
        // dropped: nothing here may wait for threads that do not exist.
        std::mem::forget(std::mem::take(&mut pool.workers));
        pool.pid = pid;
    }
    while pool.workers.len() < count {
        pool.workers.push(start_worker()?);
    }
    Some(())
}

fn start_worker() -> Option<Arc<Worker>> {
    let (sender, receiver) = std::sync::mpsc::channel();
    let thread = thread::Builder::new()
        .name("wildsort-worker".into())
        .spawn(move || {
            let worker = Arc::new(Worker {
                thread: thread::current(),
                posted: AtomicUsize::new(0),
                finished: AtomicUsize::new(0),
                task: UnsafeCell::new(None),
            });
            if sender.send(Arc::clone(&worker)).is_ok() {
                work(&worker);
            }
        })
        .ok()?;
    let worker = receiver.recv().ok();
    if worker.is_none() {
        // It ended without starting to work (cannot happen short of a panic there).
        let _ = thread.join();
    }
    worker
}

/// A worker's life: each part posted to it in turn, until it has been idle for [`IDLE`].
fn work(worker: &Arc<Worker>) {
    let mut done = 0;
    while let Some(number) = next_part(worker, done) {
        // SAFETY: `posted` moved to `number` after the task was written (Acquire in
        // `next_part`), and the poster writes no other until this part is finished.
        let task = unsafe { *worker.task.get() };
        if let Some(task) = task {
            // SAFETY: a task posted by `run`, which keeps `data` alive until this part finished.
            unsafe { (task.call)(task.data, task.part) };
        }
        done = number;
        worker.finished.store(number, Ordering::Release);
    }
}

/// The number of the next part posted after part `done`, or `None` when the worker has left the
/// pool after [`IDLE`] without one.
fn next_part(worker: &Arc<Worker>, done: usize) -> Option<usize> {
    let posted = || Some(worker.posted.load(Ordering::Acquire)).filter(|&n| n != done);
    let since = Instant::now();
    let mut spins = 0u32;
    loop {
        if let Some(number) = posted() {
            return Some(number);
        }
        spins = spins.wrapping_add(1);
        if spins < 1024 {
            std::hint::spin_loop();
            continue;
        }
        if since.elapsed() < SPIN {
            thread::yield_now();
            continue;
        }
        thread::park_timeout(IDLE);
        if posted().is_none() && since.elapsed() >= IDLE && leave(worker, done) {
            return None;
        }
    }
}

/// Takes `worker` out of the pool if no part was posted to it meanwhile (posting holds the pool's
/// lock, so none can be while this holds it).
fn leave(worker: &Arc<Worker>, done: usize) -> bool {
    let Ok(mut pool) = POOL.try_lock() else {
        return false; // a sort is running: it may post to this worker
    };
    if worker.posted.load(Ordering::Acquire) != done {
        return false;
    }
    pool.workers.retain(|kept| !Arc::ptr_eq(kept, worker));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tests that need the pool to themselves take turns.
    static ALONE: Mutex<()> = Mutex::new(());

    fn alone() -> std::sync::MutexGuard<'static, ()> {
        ALONE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    #[test]
    fn results_come_in_part_order() {
        let _alone = alone();
        for parts in 1..=4 {
            let got = run(parts, &|part| part * 10).expect("the pool is free");
            assert_eq!(got, (0..parts).map(|p| p * 10).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_nested_run_is_refused_not_deadlocked() {
        let _alone = alone();
        let got = run(2, &|_| run(2, &|part| part).is_none()).expect("the pool is free");
        assert_eq!(got, vec![true, true]);
    }

    #[test]
    fn a_panic_in_a_worker_is_raised_after_every_part_ended() {
        let _alone = alone();
        let ended = AtomicUsize::new(0);
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            run(3, &|part| {
                if part == 2 {
                    panic!("part 2 failed");
                }
                thread::sleep(Duration::from_millis(20));
                ended.fetch_add(1, Ordering::SeqCst);
            })
        }));
        let panic = outcome.expect_err("the panic is raised again");
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"part 2 failed"));
        assert_eq!(
            ended.load(Ordering::SeqCst),
            2,
            "the other parts ran to their end"
        );
        assert_eq!(
            run(2, &|part| part),
            Some(vec![0, 1]),
            "the pool still works"
        );
    }

    #[test]
    fn many_callers_at_once_each_get_their_own_results() {
        let _alone = alone();
        thread::scope(|scope| {
            for caller in 0..4 {
                scope.spawn(move || {
                    for _ in 0..200 {
                        let expected: Vec<usize> = (0..3).map(|p| caller * 100 + p).collect();
                        let job = |part| caller * 100 + part;
                        let got = run(3, &job).unwrap_or_else(|| (0..3).map(job).collect());
                        assert_eq!(got, expected);
                    }
                });
            }
        });
    }
}
