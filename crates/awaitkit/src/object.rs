//! An `awaitkit.Awaitable` object: its memory layout, and `Awaitable`, the borrowed handle
//! through which every other module reaches it and its state. The type itself (made with
//! `PyType_FromSpec`), allocation and the GC slots are in typeobject.rs.

use std::cell::{self, RefCell, RefMut};
use std::ptr::{self, addr_of};
use std::sync::atomic::{AtomicPtr, Ordering};

use pyo3::ffi;

use crate::state::State;

/// The memory layout of an `awaitkit.Awaitable`.
#[repr(C)]
pub(crate) struct AwaitableObject {
    ob_base: ffi::PyObject,
    /// The weak references to it (CPython's `tp_weaklistoffset` points here).
    pub(crate) weakrefs: *mut ffi::PyObject,
    /// Borrowed only for short moves in and out, never across a Python call (see state.rs):
    /// the GIL serializes every access, and a re-entrant borrow would be a bug that panics (a
    /// `SystemError`) instead of corrupting anything.
    pub(crate) state: RefCell<State>,
}

/// A borrowed `awaitkit.Awaitable`: the object, and its state.
#[derive(Clone, Copy)]
pub(crate) struct Awaitable<'a> {
    ptr: *mut ffi::PyObject,
    state: &'a RefCell<State>,
}

/// The type, made once by `typeobject::init`, alive for the whole process.
pub(crate) static TYPE: AtomicPtr<ffi::PyTypeObject> = AtomicPtr::new(ptr::null_mut());

pub(crate) fn type_ptr() -> *mut ffi::PyTypeObject {
    TYPE.load(Ordering::Acquire)
}

impl<'a> Awaitable<'a> {
    /// `obj` as an awaitable, if it is one (the type has no subclasses).
    ///
    /// # Safety
    /// The GIL is held and `obj` is NULL or a live object that stays alive for `'a`.
    pub(crate) unsafe fn from_ptr(obj: *mut ffi::PyObject) -> Option<Awaitable<'a>> {
        let tp = type_ptr();
        // SAFETY: `obj` is a live object (the caller's contract): its type can be read.
        if obj.is_null() || tp.is_null() || unsafe { ffi::Py_TYPE(obj) } != tp {
            return None;
        }
        // SAFETY: an instance of the type, alive for `'a` (the caller's contract).
        Some(unsafe { Awaitable::from_instance(obj) })
    }

    /// `obj`, known to be an instance: Python calls the type's slots and methods only with its
    /// instances (method descriptors and slot wrappers check the type of `self`).
    ///
    /// # Safety
    /// The GIL is held and `obj` is a live instance of the type that stays alive for `'a`.
    pub(crate) unsafe fn from_instance(obj: *mut ffi::PyObject) -> Awaitable<'a> {
        let obj_ = obj.cast::<AwaitableObject>();
        // SAFETY: an object of this type has this layout; the state was written when it was
        // made and stays until it is deallocated, after `'a`.
        let state = unsafe { &*addr_of!((*obj_).state) };
        Awaitable { ptr: obj, state }
    }

    pub(crate) fn as_ptr(self) -> *mut ffi::PyObject {
        self.ptr
    }

    /// The state, borrowed: never keep it across a Python call or a callback.
    pub(crate) fn st(self) -> RefMut<'a, State> {
        self.state.borrow_mut()
    }

    /// The state, if nothing else has it borrowed.
    pub(crate) fn try_st(self) -> Option<RefMut<'a, State>> {
        self.state.try_borrow_mut().ok()
    }

    /// The state, to read, if nothing has it borrowed mutably.
    pub(crate) fn try_read(self) -> Option<cell::Ref<'a, State>> {
        self.state.try_borrow().ok()
    }
}
