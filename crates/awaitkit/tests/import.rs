//! The Rust import macro works for awaitkit: a consumer's table, written from the C contract
//! with plain Rust types (no dependency on this crate), resolves against the declaration by
//! name and signature. (`--no-default-features`, as tests/header.rs.)

use std::ffi::c_void;

use pyo3::ffi::{PyObject, PyTypeObject};

type Obj = *mut PyObject;
type Cb = Option<extern "C" fn(*mut PyObject, *mut PyObject) -> i32>;

capreg::import_api! {
    /// What a Rust (PyO3) consumer of awaitkit writes.
    struct Awaitkit: "awaitkit" "^1.0" as "awaitkit_import_test" {
        fn new_awaitable: extern "C" fn() -> Obj;
        fn add_await: unsafe extern "C" fn(Obj, Obj, Cb, Cb) -> i32;
        fn add_expr: unsafe extern "C" fn(Obj, Obj, Cb, Cb) -> i32;
        fn defer: unsafe extern "C" fn(Obj, Option<extern "C" fn(*mut PyObject) -> i32>) -> i32;
        fn async_with: unsafe extern "C" fn(Obj, Obj, Cb, Cb) -> i32;
        fn set_result: unsafe extern "C" fn(Obj, Obj) -> i32;
        fn cancel: unsafe extern "C" fn(Obj) -> i32;
        fn save_values: unsafe extern "C" fn(Obj, *const Obj, usize) -> i32;
        fn unpack_values: unsafe extern "C" fn(Obj, *mut Obj, usize) -> i32;
        fn get_value: unsafe extern "C" fn(Obj, isize) -> Obj;
        fn set_value: unsafe extern "C" fn(Obj, isize, Obj) -> i32;
        fn save_arbitrary: unsafe extern "C" fn(Obj, *const *mut c_void, usize) -> i32;
        fn unpack_arbitrary: unsafe extern "C" fn(Obj, *mut *mut c_void, usize) -> i32;
        fn get_arbitrary: unsafe extern "C" fn(Obj, isize, *mut *mut c_void) -> i32;
        fn set_arbitrary: unsafe extern "C" fn(Obj, isize, *mut c_void) -> i32;
        fn type_object: extern "C" fn() -> *mut PyTypeObject;
    }
}

#[test]
fn rust_import_table_resolves_against_the_declaration() {
    let registry = capreg::Registry::new();
    let api = registry
        .publish(_awaitkit::AWAITKIT_1.declaration())
        .unwrap();
    let items = Awaitkit::__spec().import_items();
    assert_eq!(items.len(), _awaitkit::AWAITKIT_1.functions.len());
    if let Err(e) = registry.resolve(api, Awaitkit::REQUESTER, &items, Some("^1.0")) {
        panic!("{e}");
    }
}
