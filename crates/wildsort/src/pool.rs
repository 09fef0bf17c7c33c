//! Worker threads kept from one pass to the next, and from one sort to the next while sorts come
//! often.
//!
//! Starting a thread costs 50-250 µs on a small VM (measured), and a large argsort runs four
//! passes side by side: with a thread started for each, a 1M-key argsort took 11.5-14 ms; with
//! kept workers, 9.9-10.3 ms. A kept worker stays awake [`SPIN`] after each part, so the next
//! pass finds it awake, then sleeps, and ends after [`IDLE`] without work: a process that stopped
//! sorting keeps no threads.
//!
//! Before the process forks, the workers end (`pthread_atfork`, see [`fork`]): the child starts
//! its own, and the parent has no threads of wildsort's at the fork, so Python 3.12+ does not
//! warn that a multi-threaded process forked. Not rayon: its global pool is lost in a forked child
//! (multiprocessing's default start on Linux), where the next parallel call waits forever.

use std::any::Any;
use std::cell::UnsafeCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::thread::{self, JoinHandle};
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
    forking: false,
    workers: Vec::new(),
});

struct Pool {
    /// Set from just before a fork until just after it: no worker is started meanwhile.
    forking: bool,
    workers: Vec<Kept>,
}

/// A worker and its thread.
struct Kept {
    worker: Arc<Worker>,
    thread: JoinHandle<()>,
}

fn lock_pool() -> MutexGuard<'static, Pool> {
    // A panic is never raised while the lock is held (parts run under `catch_unwind`), but a
    // poisoned pool is as good as any.
    POOL.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A part for a worker: `call(data, part)`, with `data` erased to a plain pointer.
#[derive(Clone, Copy)]
struct Task {
    call: unsafe fn(*const (), usize),
    data: *const (),
    part: usize,
}

#[derive(Default)]
struct Worker {
    /// The count of parts posted to it, and of those it finished.
    posted: AtomicUsize,
    finished: AtomicUsize,
    /// The part posted last: written only while the worker is idle (`finished == posted`), read
    /// by the worker only after `posted` moved past what it finished.
    task: UnsafeCell<Option<Task>>,
    /// Set, with the pool's lock held, when the worker is to end (before a fork).
    retire: AtomicBool,
    /// The worker's thread id (Linux's), set as it starts.
    tid: AtomicI32,
}

// SAFETY: `task` is the only field that is not `Sync`; its writes and reads are ordered by
// `posted` (Release, then Acquire) and `finished` (likewise) as its doc says, so they never race.
// The pointer in it is only dereferenced by `call`, whose poster keeps it alive (`run`).
unsafe impl Sync for Worker {}
// SAFETY: as above; a `Task`'s pointer is used only while its poster waits.
unsafe impl Send for Worker {}

impl Kept {
    /// Hands `task` to this worker, which must be idle (every part posted to it finished).
    fn post(&self, task: Task) -> usize {
        let worker = &self.worker;
        // SAFETY: the worker is idle (the caller's contract, kept by `run`, which waits for every
        // part it posted), so nothing reads `task` until `posted` moves below.
        unsafe { *worker.task.get() = Some(task) };
        let number = worker.posted.load(Ordering::Relaxed) + 1;
        worker.posted.store(number, Ordering::Release);
        self.thread.thread().unpark(); // a no-op (an atomic swap) unless the worker sleeps
        number
    }
}

impl Worker {
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
    if pool.forking {
        return None;
    }
    let helpers = parts.checked_sub(1)?;
    hire(&mut pool, helpers)?;
    let slots: Vec<Slot<T>> = (0..parts).map(|_| UnsafeCell::new(None)).collect();
    let context = (job, slots.as_slice());
    let call = call_part::<T, F> as unsafe fn(*const (), usize);
    let posted: Vec<(&Worker, usize)> = (pool.workers.iter().zip(1..parts))
        .map(|(kept, part)| {
            let data = (&raw const context).cast::<()>();
            (&*kept.worker, kept.post(Task { call, data, part }))
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

/// Makes sure the pool has `count` workers; `None` if one cannot be started.
fn hire(pool: &mut Pool, count: usize) -> Option<()> {
    if pool.workers.len() < count {
        fork::watch()?;
    }
    while pool.workers.len() < count {
        pool.workers.push(start_worker()?);
    }
    Some(())
}

fn start_worker() -> Option<Kept> {
    let worker = Arc::new(Worker::default());
    let own = Arc::clone(&worker);
    let thread = thread::Builder::new()
        .name("wildsort-worker".into())
        .spawn(move || work(&own))
        .ok()?;
    Some(Kept { worker, thread })
}

/// A worker's life: each part posted to it in turn, until it has been idle for [`IDLE`].
fn work(worker: &Arc<Worker>) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `gettid` has no preconditions.
        let tid = unsafe { libc::gettid() };
        worker.tid.store(tid, Ordering::Relaxed);
    }
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
        if worker.retire.load(Ordering::Acquire) {
            return None; // taken out of the pool by `fork::prepare`, which waits for this end
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
    pool.workers
        .retain(|kept| !Arc::ptr_eq(&kept.worker, worker));
    true
}

/// The workers end before the process forks, and the pool takes workers again after it, in the
/// parent and in the child. A child never finds workers that stayed behind in the parent (it
/// would wait for them forever), and the parent has no threads of wildsort's at the fork.
mod fork {
    use super::*;
    use std::sync::OnceLock;

    /// Registers the handlers (once); `None` if that failed, and then no worker may be started.
    pub(super) fn watch() -> Option<()> {
        static REGISTERED: OnceLock<bool> = OnceLock::new();
        // SAFETY: `extern "C"` functions of this library, which is never unloaded (linked
        // `-z nodelete`), so the handlers stay valid for the life of the process.
        let ok = *REGISTERED.get_or_init(|| unsafe {
            libc::pthread_atfork(Some(prepare), Some(parent), Some(child)) == 0
        });
        ok.then_some(())
    }

    /// Ends every worker: they are idle once the lock is had (a sort holds it until its parts
    /// end), and no sort may start one until `parent` or `child` runs.
    pub(super) extern "C" fn prepare() {
        capreg::guard::c_code((), prepare_body);
    }

    fn prepare_body() {
        let mut pool = lock_pool();
        pool.forking = true;
        let kept = std::mem::take(&mut pool.workers);
        for Kept { worker, thread } in &kept {
            worker.retire.store(true, Ordering::Release);
            thread.thread().unpark();
        }
        let mut tids = Vec::with_capacity(kept.len());
        for Kept { worker, thread } in kept {
            let _ = thread.join(); // never an error: parts run under `catch_unwind`
            tids.push(worker.tid.load(Ordering::Relaxed));
        }
        gone(&tids);
    }

    /// Waits (at most 100 ms) until the threads `tids` are off the process's list of threads.
    /// `join` returns once a thread ran its last code, and the kernel takes it off the list a
    /// moment later (measured: still there after the fork in 1 of 15 forks right after a sort);
    /// Python 3.12+ counts that list to warn when a process with threads forks.
    fn gone(tids: &[i32]) {
        let deadline = Instant::now() + Duration::from_millis(100);
        for tid in tids {
            let task = std::path::PathBuf::from(format!("/proc/self/task/{tid}"));
            while task.exists() && Instant::now() < deadline {
                thread::yield_now();
            }
        }
    }

    /// In the parent once forked: sorts may start workers again.
    pub(super) extern "C" fn parent() {
        capreg::guard::c_code((), || lock_pool().forking = false);
    }

    /// In the child once forked: the same, but with `try_lock`, because a thread of the parent's
    /// that held the lock at the fork is not there to let it go. The pool then stays unused
    /// (sorts start threads of their own), rather than the child waiting forever.
    pub(super) extern "C" fn child() {
        capreg::guard::c_code((), || match POOL.try_lock() {
            Ok(mut pool) => pool.forking = false,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner().forking = false,
            Err(TryLockError::WouldBlock) => {}
        });
    }
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

    /// The threads named as the pool names its workers.
    fn worker_threads() -> usize {
        let tasks = std::fs::read_dir("/proc/self/task").expect("Linux's /proc");
        tasks
            .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
            .filter(|name| name.trim() == "wildsort-worker")
            .count()
    }

    #[test]
    fn the_workers_end_before_a_fork_and_come_back_after_it() {
        let _alone = alone();
        assert_eq!(run(3, &|part| part), Some(vec![0, 1, 2]));
        assert!(worker_threads() >= 2, "the run kept its workers");
        fork::prepare();
        // Every worker has ended (joined), and none may start until the fork is over.
        assert_eq!(worker_threads(), 0);
        assert!(lock_pool().workers.is_empty());
        assert_eq!(run(2, &|part| part), None, "no workers while forking");
        fork::parent();
        assert_eq!(run(3, &|part| part), Some(vec![0, 1, 2]));
        assert!(worker_threads() >= 2, "new workers after the fork");
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
