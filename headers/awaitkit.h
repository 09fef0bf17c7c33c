/*
 * awaitkit.h -- the C API 'awaitkit' 1.0.0, for consumers that reach it through capreg.
 *
 * GENERATED from the Rust declaration of 'awaitkit' by capreg-header. Do not edit:
 * UPDATE_HEADERS=1 cargo test -p awaitkit --no-default-features --test header
 *
 * Its signatures use PyObject: include Python.h before this header.
 * Use (the GIL held, e.g. in a module's init; Python.h and capreg.h first):
 *
 *     static Awaitkit_API awaitkit;
 *     if (Awaitkit_Import(&awaitkit, "^1.0", "mypkg._native") < 0)
 *         return NULL;   // a capreg.ResolutionError (an ImportError) is set
 *     awaitkit.new_awaitable(...);
 */
/*
 * THE CONTRACT (awaitkit 1.0)
 *
 * Call every function with the GIL held. Functions returning int32_t return 0, or -1 with a
 * Python exception set; get_value returns NULL with an exception set. `aw` must be an
 * awaitkit.Awaitable made by new_awaitable (else TypeError); NULL pointers give TypeError,
 * never a crash, with these exceptions: add_expr's NULL (below), a NULL array with n == 0 (no
 * value read or written), set_arbitrary's void* value, and callbacks, which are optional (NULL
 * calls nothing; a step without an error callback propagates) except defer's.
 *
 * Callbacks (C: `int cb(PyObject *aw, PyObject *value)`, `int cb(PyObject *aw)`):
 *   result callback (add_await, add_expr, async_with's body) and defer callback:
 *      0              go on
 *     -1 + exception  the step failed: its error callback decides (defer steps have none)
 *     <= -2 + exc.    propagate the exception, skipping the step's error callback
 *     anything else   SystemError (-1 or <= -2 without an exception, 0 with one, > 0),
 *                     propagated. A StopIteration becomes RuntimeError (as PEP 479).
 *   error callback: called with NO exception set and the exception object as `value` (its
 *   __traceback__ set, as Python's `except` hands it over):
 *      0              swallow it and go on
 *     -1              re-raise the original exception
 *     -2 + exception  raise this exception instead (its __context__ is the original)
 *     anything else   SystemError
 *   A step without an error callback propagates its error: pending steps are dropped
 *   (pending coroutines closed) up to the next async_with exit, then out of `await aw`.
 *
 * Steps run in the order added; steps added while a callback runs go right after the step
 * that runs it (so a body's awaits finish before its __aexit__), in the order they are added.
 * The value passed to a result callback is borrowed for the duration of the call.
 *
 * add_expr steals its reference (on failure too); NULL means "the call making it failed":
 * it returns -1 with that exception. add_await refuses `aw` itself and non-awaitables.
 * async_with: `async with ctx as v: body(aw, v)`. If the body (or a step it added) fails,
 * __aexit__(type, exc, exc.__traceback__) runs and a true result swallows it; otherwise the
 * error callback decides (body returning <= -2: propagates after __aexit__). __aenter__ failing
 * goes to the error callback; __aexit__ is not called.
 * set_result / set_value take their own reference and release the old one. get_value and
 * unpack_values give borrowed references, valid until that value is replaced or `aw` dies.
 * void* values are not owned. cancel drops pending steps and closes pending coroutines; `await
 * aw` then returns the result set so far (None by default). An awaitable with steps that is
 * never awaited and not cancelled gives a ResourceWarning when destroyed.
 *
 * Cancellation: throw() and close() reach the coroutine being awaited (asyncio's
 * task.cancel(), trio and anyio cancel scopes); its `finally` runs before the task ends. If
 * the coroutine raises the cancellation, the step's error callback receives it like any other
 * error: return -1 to let it propagate (swallowing it is possible but breaks the event loop's
 * cancellation, exactly as `except BaseException: pass` would).
 */
#ifndef AWAITKIT_H
#define AWAITKIT_H

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif
#include "capreg.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AWAITKIT_API_NAME "awaitkit"
#define AWAITKIT_API_VERSION "1.0.0"

/* new_awaitable: fn() -> *mut PyObject (since 1.0) */
typedef PyObject * (*awaitkit_new_awaitable_fn)(void);
/* add_await: fn(*mut PyObject, *mut PyObject, fn(*mut PyObject, *mut PyObject) -> i32, fn(*mut PyObject, *mut PyObject) -> i32) -> i32 (since 1.0) */
typedef int32_t (*awaitkit_add_await_fn)(PyObject *, PyObject *, int32_t (*)(PyObject *, PyObject *), int32_t (*)(PyObject *, PyObject *));
/* add_expr: fn(*mut PyObject, *mut PyObject, fn(*mut PyObject, *mut PyObject) -> i32, fn(*mut PyObject, *mut PyObject) -> i32) -> i32 (since 1.0) */
typedef int32_t (*awaitkit_add_expr_fn)(PyObject *, PyObject *, int32_t (*)(PyObject *, PyObject *), int32_t (*)(PyObject *, PyObject *));
/* defer: fn(*mut PyObject, fn(*mut PyObject) -> i32) -> i32 (since 1.0) */
typedef int32_t (*awaitkit_defer_fn)(PyObject *, int32_t (*)(PyObject *));
/* async_with: fn(*mut PyObject, *mut PyObject, fn(*mut PyObject, *mut PyObject) -> i32, fn(*mut PyObject, *mut PyObject) -> i32) -> i32 (since 1.0) */
typedef int32_t (*awaitkit_async_with_fn)(PyObject *, PyObject *, int32_t (*)(PyObject *, PyObject *), int32_t (*)(PyObject *, PyObject *));
/* set_result: fn(*mut PyObject, *mut PyObject) -> i32 (since 1.0) */
typedef int32_t (*awaitkit_set_result_fn)(PyObject *, PyObject *);
/* cancel: fn(*mut PyObject) -> i32 (since 1.0) */
typedef int32_t (*awaitkit_cancel_fn)(PyObject *);
/* save_values: fn(*mut PyObject, *const *mut PyObject, usize) -> i32 (since 1.0) */
typedef int32_t (*awaitkit_save_values_fn)(PyObject *, PyObject * const *, size_t);
/* unpack_values: fn(*mut PyObject, *mut *mut PyObject, usize) -> i32 (since 1.0) */
typedef int32_t (*awaitkit_unpack_values_fn)(PyObject *, PyObject * *, size_t);
/* get_value: fn(*mut PyObject, isize) -> *mut PyObject (since 1.0) */
typedef PyObject * (*awaitkit_get_value_fn)(PyObject *, ptrdiff_t);
/* set_value: fn(*mut PyObject, isize, *mut PyObject) -> i32 (since 1.0) */
typedef int32_t (*awaitkit_set_value_fn)(PyObject *, ptrdiff_t, PyObject *);
/* save_arbitrary: fn(*mut PyObject, *const *mut void, usize) -> i32 (since 1.0) */
typedef int32_t (*awaitkit_save_arbitrary_fn)(PyObject *, void * const *, size_t);
/* unpack_arbitrary: fn(*mut PyObject, *mut *mut void, usize) -> i32 (since 1.0) */
typedef int32_t (*awaitkit_unpack_arbitrary_fn)(PyObject *, void * *, size_t);
/* get_arbitrary: fn(*mut PyObject, isize, *mut *mut void) -> i32 (since 1.0) */
typedef int32_t (*awaitkit_get_arbitrary_fn)(PyObject *, ptrdiff_t, void * *);
/* set_arbitrary: fn(*mut PyObject, isize, *mut void) -> i32 (since 1.0) */
typedef int32_t (*awaitkit_set_arbitrary_fn)(PyObject *, ptrdiff_t, void *);
/* type_object: fn() -> *mut PyTypeObject (since 1.0) */
typedef PyTypeObject * (*awaitkit_type_object_fn)(void);

/* Every function of awaitkit 1.0.0, resolved by name and checked by signature. */
typedef struct Awaitkit_API {
    awaitkit_new_awaitable_fn new_awaitable;
    awaitkit_add_await_fn add_await;
    awaitkit_add_expr_fn add_expr;
    awaitkit_defer_fn defer;
    awaitkit_async_with_fn async_with;
    awaitkit_set_result_fn set_result;
    awaitkit_cancel_fn cancel;
    awaitkit_save_values_fn save_values;
    awaitkit_unpack_values_fn unpack_values;
    awaitkit_get_value_fn get_value;
    awaitkit_set_value_fn set_value;
    awaitkit_save_arbitrary_fn save_arbitrary;
    awaitkit_unpack_arbitrary_fn unpack_arbitrary;
    awaitkit_get_arbitrary_fn get_arbitrary;
    awaitkit_set_arbitrary_fn set_arbitrary;
    awaitkit_type_object_fn type_object;
} Awaitkit_API;

#ifdef Py_PYTHON_H
/* Resolves every function of 'awaitkit' matching `requirement` into *api. Returns 0, or -1 with a
 * capreg.ResolutionError set that names `consumer`, the version found and the fix. */
static inline int Awaitkit_Import(Awaitkit_API *api, const char *requirement, const char *consumer)
{
    static const capreg_import_item items[16] = {
        {"new_awaitable", "fn() -> *mut PyObject", 0},
        {"add_await", "fn(*mut PyObject, *mut PyObject, fn(*mut PyObject, *mut PyObject) -> i32, fn(*mut PyObject, *mut PyObject) -> i32) -> i32", 0},
        {"add_expr", "fn(*mut PyObject, *mut PyObject, fn(*mut PyObject, *mut PyObject) -> i32, fn(*mut PyObject, *mut PyObject) -> i32) -> i32", 0},
        {"defer", "fn(*mut PyObject, fn(*mut PyObject) -> i32) -> i32", 0},
        {"async_with", "fn(*mut PyObject, *mut PyObject, fn(*mut PyObject, *mut PyObject) -> i32, fn(*mut PyObject, *mut PyObject) -> i32) -> i32", 0},
        {"set_result", "fn(*mut PyObject, *mut PyObject) -> i32", 0},
        {"cancel", "fn(*mut PyObject) -> i32", 0},
        {"save_values", "fn(*mut PyObject, *const *mut PyObject, usize) -> i32", 0},
        {"unpack_values", "fn(*mut PyObject, *mut *mut PyObject, usize) -> i32", 0},
        {"get_value", "fn(*mut PyObject, isize) -> *mut PyObject", 0},
        {"set_value", "fn(*mut PyObject, isize, *mut PyObject) -> i32", 0},
        {"save_arbitrary", "fn(*mut PyObject, *const *mut void, usize) -> i32", 0},
        {"unpack_arbitrary", "fn(*mut PyObject, *mut *mut void, usize) -> i32", 0},
        {"get_arbitrary", "fn(*mut PyObject, isize, *mut *mut void) -> i32", 0},
        {"set_arbitrary", "fn(*mut PyObject, isize, *mut void) -> i32", 0},
        {"type_object", "fn() -> *mut PyTypeObject", 0},
    };
    capreg_fn out[16];
    if (capreg_import(AWAITKIT_API_NAME, requirement, consumer, items, 16, out) < 0)
        return -1;
    api->new_awaitable = (awaitkit_new_awaitable_fn)out[0];
    api->add_await = (awaitkit_add_await_fn)out[1];
    api->add_expr = (awaitkit_add_expr_fn)out[2];
    api->defer = (awaitkit_defer_fn)out[3];
    api->async_with = (awaitkit_async_with_fn)out[4];
    api->set_result = (awaitkit_set_result_fn)out[5];
    api->cancel = (awaitkit_cancel_fn)out[6];
    api->save_values = (awaitkit_save_values_fn)out[7];
    api->unpack_values = (awaitkit_unpack_values_fn)out[8];
    api->get_value = (awaitkit_get_value_fn)out[9];
    api->set_value = (awaitkit_set_value_fn)out[10];
    api->save_arbitrary = (awaitkit_save_arbitrary_fn)out[11];
    api->unpack_arbitrary = (awaitkit_unpack_arbitrary_fn)out[12];
    api->get_arbitrary = (awaitkit_get_arbitrary_fn)out[13];
    api->set_arbitrary = (awaitkit_set_arbitrary_fn)out[14];
    api->type_object = (awaitkit_type_object_fn)out[15];
    return 0;
}
#endif /* Py_PYTHON_H */

#ifdef __cplusplus
}
#endif

#endif /* AWAITKIT_H */
