//! The native path of `wildsort.sort`: read the keys, have the `wildsort` API argsort them, and
//! build the new list in that order.

use std::sync::{Mutex, OnceLock, PoisonError};

use pyo3::exceptions::PyRuntimeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::objects::{self, Fields};

capreg::import_api! {
    /// What wildsort.sort uses of the wildsort API.
    struct Wildsort: "wildsort" "^1.0" as "wildsort._wildsort" {
        fn argsort_i64_scratch: unsafe extern "C" fn(*const i64, usize, *mut usize, *mut u64) -> i32;
        fn argsort_f64_scratch: unsafe extern "C" fn(*const f64, usize, *mut usize, *mut u64) -> i32;
    }
}

/// Where the native path works, `n` of each: the keys, the order the argsort writes, and its
/// scratch.
///
/// Fresh pages cost about as much as the sort itself (the kernel faults in and zeroes 24 MiB for
/// a million items), so the largest workspace up to [`KEEP_MAX_BYTES`] is kept for the next call.
#[derive(Default)]
struct Workspace {
    /// Each key as the 64 bits of an `i64` or an `f64`.
    keys: Vec<u64>,
    order: Vec<usize>,
    scratch: Vec<u64>,
}

/// The workspace kept between calls (empty until a sort has used one).
static KEPT: Mutex<Workspace> = Mutex::new(Workspace {
    keys: Vec::new(),
    order: Vec::new(),
    scratch: Vec::new(),
});
/// The largest workspace kept: that of a 2,097,152-item sort.
const KEEP_MAX_BYTES: usize = 48 << 20;

impl Workspace {
    /// A workspace for `n` items: the kept one if it is free, grown if it is short.
    fn take(n: usize) -> Workspace {
        let mut workspace = KEPT
            .try_lock()
            .map(|mut kept| std::mem::take(&mut *kept))
            .unwrap_or_default();
        workspace.keys.resize(n, 0);
        workspace.order.resize(n, 0);
        workspace.scratch.resize(n, 0);
        workspace
    }

    fn bytes(&self) -> usize {
        let words = self.keys.capacity() + self.scratch.capacity();
        words * size_of::<u64>() + self.order.capacity() * size_of::<usize>()
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        if self.bytes() > KEEP_MAX_BYTES {
            return;
        }
        if let Ok(mut kept) = KEPT.try_lock() {
            if kept.bytes() < self.bytes() {
                *kept = std::mem::take(self);
            }
        }
    }
}

/// How the keys were read.
#[derive(Clone, Copy)]
enum Keys {
    Ints,
    Floats,
}

/// References taken on the first `read` items read (in the order `read` reads them): given back
/// on drop, unless the new list took them.
struct Taken<'a, R: Reach> {
    lists: &'a R,
    read: usize,
    reverse: bool,
}

impl<R: Reach> Drop for Taken<'_, R> {
    fn drop(&mut self) {
        let n = self.lists.len();
        for step in 0..self.read {
            let i = if self.reverse { n - 1 - step } else { step };
            // SAFETY: `read` took one reference on this item (the GIL is held wherever a `Taken`
            // lives: it never leaves `sorted_list`).
            unsafe { ffi::Py_DecRef(self.lists.item(i)) };
        }
    }
}

/// How the native path reaches the items of the lists and the values of the floats, and fills
/// the new list.
trait Reach {
    /// How many items each list has.
    fn len(&self) -> usize;
    /// Item `i` of the keys, and of the items (the same list without a key function), borrowed.
    fn key(&self, i: usize) -> *mut ffi::PyObject;
    fn item(&self, i: usize) -> *mut ffi::PyObject;
    /// The value of `float`, a live exact float.
    fn float_value(&self, float: *mut ffi::PyObject) -> f64;
    /// Fills `out`, a new list of `len()` NULL slots, with the items at the positions `order`
    /// lists (positions in reversed input order with `reverse`, the list then filled from its
    /// end), handing over the references `read` took.
    fn fill(&self, out: &Bound<'_, PyList>, order: &[usize], reverse: bool);
}

/// Through the fields themselves (see [`objects`]).
struct ByFields<'a> {
    keys: &'a [*mut ffi::PyObject],
    items: &'a [*mut ffi::PyObject],
    fields: Fields,
}

impl Reach for ByFields<'_> {
    fn len(&self) -> usize {
        self.items.len()
    }
    #[inline(always)]
    fn key(&self, i: usize) -> *mut ffi::PyObject {
        self.keys[i]
    }
    #[inline(always)]
    fn item(&self, i: usize) -> *mut ffi::PyObject {
        self.items[i]
    }
    #[inline(always)]
    fn float_value(&self, float: *mut ffi::PyObject) -> f64 {
        // SAFETY: `float` is a live exact float (the trait's contract).
        unsafe { self.fields.float_value(float) }
    }
    fn fill(&self, out: &Bound<'_, PyList>, order: &[usize], reverse: bool) {
        let n = self.items.len();
        // SAFETY: `out` is a new list of n slots that nothing else sees yet (the trait's
        // contract); the items as addresses, each a `usize` the size of the pointer it is.
        let (slots, items) = unsafe {
            let items = std::slice::from_raw_parts(self.items.as_ptr().cast::<usize>(), n);
            (self.fields.new_slots(out.as_ptr(), n), items)
        };
        gather(order, items, slots, reverse);
    }
}

/// Through the C API's functions.
struct ByCalls {
    keys: *mut ffi::PyObject,
    items: *mut ffi::PyObject,
    len: usize,
}

impl Reach for ByCalls {
    fn len(&self) -> usize {
        self.len
    }
    fn key(&self, i: usize) -> *mut ffi::PyObject {
        // SAFETY: a live list of more than `i` items, the GIL held; PyList_GetItem borrows.
        unsafe { ffi::PyList_GetItem(self.keys, i as ffi::Py_ssize_t) }
    }
    fn item(&self, i: usize) -> *mut ffi::PyObject {
        // SAFETY: as in `key`.
        unsafe { ffi::PyList_GetItem(self.items, i as ffi::Py_ssize_t) }
    }
    fn float_value(&self, float: *mut ffi::PyObject) -> f64 {
        // SAFETY: `float` is a live exact float.
        unsafe { ffi::PyFloat_AsDouble(float) }
    }
    fn fill(&self, out: &Bound<'_, PyList>, order: &[usize], reverse: bool) {
        let n = self.len;
        for (k, &position) in order.iter().enumerate() {
            let (slot, i) = if reverse {
                (n - 1 - k, n - 1 - position)
            } else {
                (k, position)
            };
            // SAFETY: GIL held; PyList_SetItem steals the reference `read` took into its own
            // NULL slot.
            unsafe { ffi::PyList_SetItem(out.as_ptr(), slot as ffi::Py_ssize_t, self.item(i)) };
        }
    }
}

/// Reads every key into `out_keys` when all can be ordered natively exactly as `list.sort`
/// orders them: exact ints (or bools) that fit in i64, or exact floats without NaN. Anything
/// else — subclasses, which may override comparisons, mixed kinds, huge ints, NaN, whose
/// comparisons make the order depend on the input — stops the read and returns None, with
/// `taken` counting the references taken so far.
///
/// On the way, each item gains a reference (while it is in cache: with `same`, when there is no
/// key function, the lists are one and items are their own keys), counted in `taken`. With
/// `reverse`, keys are laid out in reversed input order (see `sorted_list`). Borrowed references
/// stay valid: the lists cannot change, no Python code runs in here.
fn read<R: Reach>(
    py: Python<'_>,
    taken: &mut Taken<'_, R>,
    same: bool,
    out_keys: &mut [u64],
) -> Option<Keys> {
    let (lists, reverse, n) = (taken.lists, taken.reverse, out_keys.len());
    // SAFETY: `o` is one of the lists' live items.
    let type_of = |o: *mut ffi::PyObject| unsafe { ffi::Py_TYPE(o) };
    let float_type = std::ptr::addr_of_mut!(ffi::PyFloat_Type);
    let int_type = std::ptr::addr_of_mut!(ffi::PyLong_Type);
    let bool_type = std::ptr::addr_of_mut!(ffi::PyBool_Type);
    let kind = if type_of(lists.key(if reverse { n - 1 } else { 0 })) == float_type {
        Keys::Floats
    } else {
        Keys::Ints
    };
    for (step, key_bits) in out_keys.iter_mut().enumerate() {
        let i = if reverse { n - 1 - step } else { step };
        let key = lists.key(i);
        let t = type_of(key);
        let bits = match kind {
            Keys::Floats if t == float_type => {
                let x = lists.float_value(key);
                // -0.0 == 0.0 for `<`: one key for both keeps their input order, as sorted() does.
                (!x.is_nan()).then(|| (if x == 0.0 { 0.0f64 } else { x }).to_bits())
            }
            Keys::Ints if t == int_type || t == bool_type => {
                let mut overflow = 0;
                // SAFETY: `key` is a live exact int or bool; `overflow` is writable.
                let x = unsafe { ffi::PyLong_AsLongLongAndOverflow(key, &mut overflow) };
                let failed = overflow != 0 || (x == -1 && PyErr::occurred(py));
                if failed {
                    let _ = PyErr::take(py);
                }
                (!failed).then_some(x as u64)
            }
            _ => None,
        };
        let Some(bits) = bits else {
            taken.read = step;
            return None;
        };
        *key_bits = bits;
        let item = if same { key } else { lists.item(i) };
        // SAFETY: `item` is live; `taken` gives the reference back unless the new list takes it.
        unsafe { objects::incref(item) };
    }
    taken.read = n;
    Some(kind)
}

/// Writes the item at each position of `order` into `slots`, last slot first with `reverse`
/// (positions then count from the end of `items`): random reads, so large inputs are cut in two
/// halves gathered side by side where two threads may run.
fn gather(order: &[usize], items: &[usize], slots: &mut [usize], reverse: bool) {
    let last = items.len().wrapping_sub(1);
    let gather_part = |order: &[usize], slots: &mut [usize]| {
        let address = |position: &usize| items[*position];
        let address_reversed = |position: &usize| items[last - *position];
        if reverse {
            slots
                .iter_mut()
                .rev()
                .zip(order)
                .for_each(|(s, p)| *s = address_reversed(p));
        } else {
            slots
                .iter_mut()
                .zip(order)
                .for_each(|(s, p)| *s = address(p));
        }
    };
    let n = order.len();
    if n < 1 << 17 || !two_threads() {
        return gather_part(order, slots);
    }
    let (first, second) = order.split_at(n / 2);
    // With `reverse`, the first positions fill the last slots.
    let (first_slots, second_slots) = if reverse {
        let (front, back) = slots.split_at_mut(n - n / 2);
        (back, front)
    } else {
        slots.split_at_mut(n / 2)
    };
    // The second half behind a lock, so that this thread can still do it if no thread starts.
    let second_slots = Mutex::new(second_slots);
    let gather_second = || {
        gather_part(
            second,
            &mut second_slots.lock().unwrap_or_else(PoisonError::into_inner),
        )
    };
    std::thread::scope(|scope| {
        let helper = std::thread::Builder::new().spawn_scoped(scope, gather_second);
        gather_part(first, first_slots);
        if helper.is_err() {
            gather_second();
        }
    });
}

/// Whether a sort may use a second thread: as libwildsort decides it, by `WILDSORT_THREADS` (a
/// positive number caps the threads) or else the available cores. Read once per process.
fn two_threads() -> bool {
    static TWO: OnceLock<bool> = OnceLock::new();
    *TWO.get_or_init(|| {
        let cap = std::env::var("WILDSORT_THREADS").ok();
        match cap.and_then(|v| v.trim().parse::<usize>().ok()) {
            Some(threads) if threads > 0 => threads >= 2,
            _ => std::thread::available_parallelism().is_ok_and(|cores| cores.get() >= 2),
        }
    })
}

/// The items of `items` sorted by `keys` (same length) exactly as `sorted(..., reverse=reverse)`
/// would return them, as a new list; or None when no native path applies. `reverse` keeps
/// stability, as `sorted(reverse=True)` does: reverse, stable sort, reverse.
#[pyfunction]
pub fn sorted_list<'py>(
    py: Python<'py>,
    items: &Bound<'py, PyList>,
    keys: &Bound<'py, PyList>,
    reverse: bool,
) -> PyResult<Option<Bound<'py, PyList>>> {
    let n = items.len();
    if n == 0 || keys.len() != n {
        return Ok(None);
    }
    // All three before the read: from the read until `out` is filled no Python code may run (it
    // could change `items`, whose slots `out` is filled from), and each may (an import, the
    // layout check's first run, a collection that an allocation starts)...
    let api = Wildsort::import(py)?;
    let fields = Fields::get(py);
    // SAFETY: PyList_New returns a new list of `n` NULL slots, or NULL with an exception set.
    let out = unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyList_New(n as ffi::Py_ssize_t)) }?;
    // SAFETY: made by PyList_New.
    let out = unsafe { out.cast_into_unchecked::<PyList>() };
    // ... and so may have changed the lists' lengths.
    if items.len() != n || keys.len() != n {
        return Ok(None);
    }
    let mut workspace = Workspace::take(n);
    let same = items.is(keys);
    let filled = match fields {
        Some(fields) => {
            // Shared slices, so the same list twice (no key function) is fine.
            // SAFETY: live lists of n items (a subclass keeps the layout); GIL held, no Python
            // code runs until `out` is filled.
            let (keys, items) = unsafe {
                (
                    fields.items(keys.as_ptr(), n),
                    fields.items(items.as_ptr(), n),
                )
            };
            let lists = ByFields {
                keys,
                items,
                fields,
            };
            sort_into(py, &lists, same, reverse, api, &mut workspace, &out)
        }
        None => {
            let lists = ByCalls {
                keys: keys.as_ptr(),
                items: items.as_ptr(),
                len: n,
            };
            sort_into(py, &lists, same, reverse, api, &mut workspace, &out)
        }
    }?;
    Ok(filled.then_some(out))
}

/// Reads the keys, argsorts them and fills `out` (see `sorted_list`); false, holding nothing,
/// where no native path applies.
fn sort_into<R: Reach>(
    py: Python<'_>,
    lists: &R,
    same: bool,
    reverse: bool,
    api: &Wildsort,
    workspace: &mut Workspace,
    out: &Bound<'_, PyList>,
) -> PyResult<bool> {
    let n = lists.len();
    let Workspace {
        keys: key_bits,
        order,
        scratch,
    } = workspace;
    let mut taken = Taken {
        lists,
        read: 0,
        reverse,
    };
    let Some(kind) = read(py, &mut taken, same, key_bits) else {
        return Ok(false);
    };
    let (keys_in, order_out) = (key_bits.as_ptr(), order.as_mut_ptr());
    // SAFETY: `key_bits`, `order` and `scratch` are live, separate buffers of n elements; an f64
    // has the size and alignment of the u64 its bits were stored in.
    let status = unsafe {
        match kind {
            Keys::Ints => {
                (api.argsort_i64_scratch)(keys_in.cast(), n, order_out, scratch.as_mut_ptr())
            }
            Keys::Floats => {
                (api.argsort_f64_scratch)(keys_in.cast(), n, order_out, scratch.as_mut_ptr())
            }
        }
    };
    if status != 0 {
        // Only a bug gets here (the buffers are checked above): say so, and what to use meanwhile.
        return Err(PyRuntimeError::new_err(format!(
            "wildsort: libwildsort's argsort failed with status {status} (named in wildsort.h) \
             on {n} keys: a bug in wildsort, please report it; sorted() gives the same result \
             meanwhile"
        )));
    }
    // The list takes over the references `taken` holds: `order` is a permutation of them.
    std::mem::forget(taken);
    lists.fill(out, order, reverse);
    Ok(true)
}
