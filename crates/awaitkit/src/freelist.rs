//! The memory of freed awaitables, kept for the next ones, as CPython keeps free lists for its
//! own short-lived objects (and Cython for its coroutines): allocating and freeing a GC object is
//! a large part of what an awaitable that lives for one `await` costs.
//!
//! A kept block is untracked by the GC and holds no object any more: only its memory (from
//! `PyObject_GC_New`) is reused, re-initialized by `PyObject_Init`. At most `CAPACITY` blocks
//! are kept (a few KiB); they are never given back, like the interpreter's own free lists.

use std::cell::UnsafeCell;
use std::ptr;

use pyo3::ffi;

const CAPACITY: usize = 16;

struct Blocks {
    blocks: [*mut ffi::PyObject; CAPACITY],
    len: usize,
}

struct FreeList(UnsafeCell<Blocks>);

// SAFETY: only touched with the GIL held (by the allocation and the deallocation of awaitables,
// both called by Python or by C code holding the GIL). abi3 modules cannot be loaded into a
// free-threaded Python, so the GIL serializes every access.
unsafe impl Sync for FreeList {}

static FREE: FreeList = FreeList(UnsafeCell::new(Blocks {
    blocks: [ptr::null_mut(); CAPACITY],
    len: 0,
}));

/// A kept block, if any.
///
/// # Safety
/// The GIL is held.
pub(crate) unsafe fn take() -> Option<*mut ffi::PyObject> {
    // SAFETY: the GIL is held (the caller's contract), so nothing else uses the list; no
    // reference to it outlives this call.
    let list = unsafe { &mut *FREE.0.get() };
    list.len = list.len.checked_sub(1)?;
    // SAFETY: `len` never exceeds CAPACITY (`keep`), so `len - 1` is in bounds.
    Some(unsafe { *list.blocks.get_unchecked(list.len) })
}

/// Keeps `block` for reuse; false (and the caller frees it) if enough are kept already.
///
/// # Safety
/// The GIL is held; `block` is the memory of a deallocated awaitable: untracked, its contents
/// dropped, not yet freed.
pub(crate) unsafe fn keep(block: *mut ffi::PyObject) -> bool {
    // SAFETY: as in `take`.
    let list = unsafe { &mut *FREE.0.get() };
    if list.len == CAPACITY {
        return false;
    }
    list.blocks[list.len] = block;
    list.len += 1;
    true
}
