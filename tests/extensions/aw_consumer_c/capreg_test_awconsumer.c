/*
 * capreg_test_awconsumer -- a C consumer of `awaitkit ^1.0` through headers/awaitkit.h: async
 * functions built on awaitkit (fetch_and_double, ...) and probes for tests/test_awaitkit*.py.
 *
 * Every function here returns an awaitkit.Awaitable (a coroutine) unless said otherwise.
 * Limited API 3.9: one abi3 wheel for 3.9 and later.
 */
#define PY_SSIZE_T_CLEAN
#ifndef Py_LIMITED_API
#define Py_LIMITED_API 0x03090000
#endif
#include <Python.h>

#include <stdint.h>

#include "capreg.h"
#include "awaitkit.h"

#define REQUESTER "capreg_test_awconsumer"

static Awaitkit_API ak;

/* Returns aw, or cancels and releases it and returns NULL when rc < 0. */
static PyObject *finish(PyObject *aw, int rc)
{
    if (rc < 0) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        ak.cancel(aw);
        Py_DECREF(aw);
        PyErr_Restore(type, value, tb);
        return NULL;
    }
    return aw;
}

/* Sets the result to `r` (a new reference, or NULL for "failed"). */
static int set_result_steal(PyObject *aw, PyObject *r)
{
    int rc;
    if (r == NULL)
        return -1;
    rc = ak.set_result(aw, r);
    Py_DECREF(r);
    return rc;
}

static int is_awaitable(PyObject *o)
{
    return PyObject_HasAttrString(o, "__await__");
}

/* ---- fetch_and_double(coro): 2 * (await coro) -------------------------------------------- */

static int double_cb(PyObject *aw, PyObject *value)
{
    return set_result_steal(aw, PyNumber_Add(value, value));
}

static PyObject *fetch_and_double(PyObject *self, PyObject *coro)
{
    PyObject *aw = ak.new_awaitable();
    (void)self;
    if (aw == NULL)
        return NULL;
    return finish(aw, ak.add_await(aw, coro, double_cb, NULL));
}

/* ---- gather_seq(iterable): [await a for a in iterable], one after another ----------------- */

static int append_cb(PyObject *aw, PyObject *value)
{
    PyObject *list = ak.get_value(aw, 0);
    return list == NULL ? -1 : PyList_Append(list, value);
}

static PyObject *gather_seq(PyObject *self, PyObject *iterable)
{
    PyObject *aw, *list, *it, *item;
    int rc = 0;
    (void)self;
    if ((aw = ak.new_awaitable()) == NULL)
        return NULL;
    if ((list = PyList_New(0)) == NULL)
        return finish(aw, -1);
    rc = ak.save_values(aw, &list, 1) < 0 || ak.set_result(aw, list) < 0 ? -1 : 0;
    Py_DECREF(list);
    if (rc < 0 || (it = PyObject_GetIter(iterable)) == NULL)
        return finish(aw, -1);
    while (rc == 0 && (item = PyIter_Next(it)) != NULL) {
        rc = ak.add_await(aw, item, append_cb, NULL);
        Py_DECREF(item);
    }
    Py_DECREF(it);
    return finish(aw, rc < 0 || PyErr_Occurred() ? -1 : 0);
}

/* ---- insert_order(a, b, c): a's callback adds c; the result is [a, c, b]'s results --------- */

static int append_and_add(PyObject *aw, PyObject *value)
{
    PyObject *c = ak.get_value(aw, 1);
    if (c == NULL || append_cb(aw, value) < 0)
        return -1;
    return ak.add_await(aw, c, append_cb, NULL);
}

static PyObject *insert_order(PyObject *self, PyObject *args)
{
    PyObject *a, *b, *c, *aw, *values[2];
    int rc;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOO:insert_order", &a, &b, &c))
        return NULL;
    if ((aw = ak.new_awaitable()) == NULL)
        return NULL;
    if ((values[0] = PyList_New(0)) == NULL)
        return finish(aw, -1);
    values[1] = c;
    rc = ak.save_values(aw, values, 2) < 0 || ak.set_result(aw, values[0]) < 0 ? -1 : 0;
    Py_DECREF(values[0]);
    if (rc < 0 || ak.add_await(aw, a, append_and_add, NULL) < 0)
        return finish(aw, -1);
    return finish(aw, ak.add_await(aw, b, append_cb, NULL));
}

/* ---- probe(coro, rmode, emode): every callback return code -------------------------------- */

static intptr_t mode(PyObject *aw, Py_ssize_t i)
{
    void *p = NULL;
    if (ak.get_arbitrary(aw, i, &p) < 0)
        return -100;
    return (intptr_t)p;
}

static int probe_result(PyObject *aw, PyObject *value)
{
    switch (mode(aw, 0)) {
    case 0: return ak.set_result(aw, value);
    case 1: PyErr_SetString(PyExc_ValueError, "from the result callback"); return -1;
    case 2: PyErr_SetString(PyExc_ValueError, "from the result callback"); return -2;
    case 3: return -1;
    case 4: return -2;
    case 5: PyErr_SetNone(PyExc_StopIteration); return -1;
    case 6: return 1;
    case 7: PyErr_SetString(PyExc_ValueError, "left set"); return 0;
    case 8: PyErr_SetString(PyExc_ValueError, "from the result callback"); return -3;
    default: return -1;
    }
}

static int probe_error(PyObject *aw, PyObject *exc)
{
    if (PyErr_Occurred()) {
        PyErr_SetString(PyExc_AssertionError, "error callback called with an exception set");
        return -2;
    }
    switch (mode(aw, 1)) {
    case 0: return set_result_steal(aw, Py_BuildValue("(sO)", "swallowed", exc));
    case 1: return -1;
    case 2: PyErr_SetString(PyExc_KeyError, "own"); return -2;
    case 3: return -2;
    default: return 5;
    }
}

static PyObject *probe(PyObject *self, PyObject *args)
{
    PyObject *coro, *aw;
    int rmode, emode;
    void *modes[2];
    (void)self;
    if (!PyArg_ParseTuple(args, "Oii:probe", &coro, &rmode, &emode))
        return NULL;
    if ((aw = ak.new_awaitable()) == NULL)
        return NULL;
    modes[0] = (void *)(intptr_t)rmode;
    modes[1] = (void *)(intptr_t)emode;
    if (ak.save_arbitrary(aw, modes, 2) < 0)
        return finish(aw, -1);
    return finish(aw, ak.add_await(aw, coro, probe_result, emode < 0 ? NULL : probe_error));
}

/* ---- then(coro, fn, errfn=None): Python callables as callbacks ----------------------------
 * result: r = fn(value); an awaitable r is awaited next (its result goes to fn again),
 *         anything else becomes the result; fn raising -> -1.
 * error:  r = errfn(exc); None -> -1 (re-raise), raising -> -2 (its own), else the result.  */

static int then_result(PyObject *aw, PyObject *value)
{
    PyObject *fn = ak.get_value(aw, 0), *r;
    if (fn == NULL || (r = PyObject_CallFunctionObjArgs(fn, value, NULL)) == NULL)
        return -1;
    if (is_awaitable(r))
        return ak.add_expr(aw, r, then_result, NULL);
    return set_result_steal(aw, r);
}

static int then_error(PyObject *aw, PyObject *exc)
{
    PyObject *errfn = ak.get_value(aw, 1), *r;
    if (errfn == NULL || (r = PyObject_CallFunctionObjArgs(errfn, exc, NULL)) == NULL)
        return -2;
    if (r == Py_None) {
        Py_DECREF(r);
        return -1;
    }
    return set_result_steal(aw, r) < 0 ? -2 : 0;
}

static PyObject *then(PyObject *self, PyObject *args)
{
    PyObject *coro, *fn, *errfn = Py_None, *aw, *values[2];
    (void)self;
    if (!PyArg_ParseTuple(args, "OO|O:then", &coro, &fn, &errfn))
        return NULL;
    if ((aw = ak.new_awaitable()) == NULL)
        return NULL;
    values[0] = fn;
    values[1] = errfn;
    if (ak.save_values(aw, values, 2) < 0)
        return finish(aw, -1);
    return finish(aw, ak.add_await(aw, coro, then_result, errfn == Py_None ? NULL : then_error));
}

/* ---- deferred(fn): a defer step calls fn(); an awaitable result is awaited ---------------- */

static int store_result(PyObject *aw, PyObject *value)
{
    return ak.set_result(aw, value);
}

static int deferred_step(PyObject *aw)
{
    PyObject *fn = ak.get_value(aw, 0), *r;
    if (fn == NULL || (r = PyObject_CallObject(fn, NULL)) == NULL)
        return -1;
    if (is_awaitable(r))
        return ak.add_expr(aw, r, store_result, NULL);
    return set_result_steal(aw, r);
}

static PyObject *deferred(PyObject *self, PyObject *fn)
{
    PyObject *aw = ak.new_awaitable();
    (void)self;
    if (aw == NULL)
        return NULL;
    return finish(aw, ak.save_values(aw, &fn, 1) < 0 ? -1 : ak.defer(aw, deferred_step));
}

/* ---- cancel_after_first(first, second): the first callback cancels; second is closed ------ */

static int cancel_cb(PyObject *aw, PyObject *value)
{
    if (ak.set_result(aw, value) < 0)
        return -1;
    return ak.cancel(aw);
}

static PyObject *cancel_after_first(PyObject *self, PyObject *args)
{
    PyObject *first, *second, *aw;
    (void)self;
    if (!PyArg_ParseTuple(args, "OO:cancel_after_first", &first, &second))
        return NULL;
    if ((aw = ak.new_awaitable()) == NULL)
        return NULL;
    if (ak.add_await(aw, first, cancel_cb, NULL) < 0)
        return finish(aw, -1);
    return finish(aw, ak.add_await(aw, second, store_result, NULL));
}

/* ---- with_ctx(ctx, body_mode, use_err, inner=None): async_with ------------------------------
 * body_mode 0: result = entered value; 1: ValueError, -1; 2: ValueError, -2;
 *           3: await inner, its result becomes the result (after __aexit__ runs);
 *           4: queue inner, then cancel (inner is closed, __aexit__ still runs).
 * use_err: error callback that makes the result ("error", exc).                             */

static int with_body(PyObject *aw, PyObject *value)
{
    switch (mode(aw, 0)) {
    case 0: return ak.set_result(aw, value);
    case 1: PyErr_SetString(PyExc_ValueError, "from the body"); return -1;
    case 2: PyErr_SetString(PyExc_ValueError, "from the body"); return -2;
    default: {
        PyObject *inner = ak.get_value(aw, 0);
        int rc = inner == NULL ? -1 : ak.add_await(aw, inner, store_result, NULL);
        return rc == 0 && mode(aw, 0) == 4 ? ak.cancel(aw) : rc;
    }
    }
}

static int with_error(PyObject *aw, PyObject *exc)
{
    return set_result_steal(aw, Py_BuildValue("(sO)", "error", exc));
}

static PyObject *with_ctx(PyObject *self, PyObject *args)
{
    PyObject *ctx, *inner = Py_None, *aw;
    int body_mode, use_err;
    void *m;
    (void)self;
    if (!PyArg_ParseTuple(args, "Oip|O:with_ctx", &ctx, &body_mode, &use_err, &inner))
        return NULL;
    if ((aw = ak.new_awaitable()) == NULL)
        return NULL;
    m = (void *)(intptr_t)body_mode;
    if (ak.save_arbitrary(aw, &m, 1) < 0 || ak.save_values(aw, &inner, 1) < 0)
        return finish(aw, -1);
    return finish(aw, ak.async_with(aw, ctx, with_body, use_err ? with_error : NULL));
}

/* ---- bad_call(case, obj): argument checks; raises what the API raised (not an awaitable) --
 * Cases 16-23 pass a NULL pointer where the header promises a TypeError.                      */

static int bad_api_call(int which, PyObject *aw, PyObject *obj)
{
    PyObject *out[3], *got, *three[3] = {obj, obj, obj}, *with_null[2] = {obj, NULL};
    void *p, *one = &ak;
    switch (which) {
    case 0: return ak.add_await(NULL, obj, NULL, NULL);
    case 1: return ak.add_await(obj, obj, NULL, NULL);
    case 2: return ak.add_await(aw, aw, NULL, NULL);
    case 3: return ak.add_await(aw, obj, NULL, NULL);
    case 4: return ak.add_await(aw, NULL, NULL, NULL);
    case 5: return ak.add_expr(aw, NULL, NULL, NULL);
    case 6:
        PyErr_SetString(PyExc_KeyError, "the call failed");
        return ak.add_expr(aw, NULL, NULL, NULL);
    case 7: got = ak.get_value(aw, 0); return got == NULL ? -1 : 0;
    case 8: return ak.set_value(aw, 5, obj);
    case 9: return ak.defer(aw, NULL);
    case 10: return ak.async_with(aw, obj, NULL, NULL);
    case 11: return ak.unpack_values(aw, out, 3);
    case 12: return ak.get_arbitrary(aw, 0, &p);
    case 13: return ak.set_result(NULL, obj);
    case 14: return ak.cancel(obj);
    case 15: return ak.set_result(aw, NULL);
    case 16: return ak.save_values(aw, three, 3) < 0 ? -1 : ak.unpack_values(aw, NULL, 3);
    case 17: return ak.save_arbitrary(aw, &one, 1) < 0 ? -1 : ak.unpack_arbitrary(aw, NULL, 1);
    case 18: return ak.save_values(aw, NULL, 2);
    case 19: return ak.save_values(aw, with_null, 2);
    case 20: return ak.save_arbitrary(aw, NULL, 1);
    case 21: return ak.save_arbitrary(aw, &one, 1) < 0 ? -1 : ak.get_arbitrary(aw, 0, NULL);
    case 22: return ak.save_values(aw, three, 1) < 0 ? -1 : ak.set_value(aw, 0, NULL);
    case 23: return ak.async_with(aw, NULL, NULL, NULL);
    default: return 0;
    }
}

static PyObject *bad_call(PyObject *self, PyObject *args)
{
    PyObject *obj, *aw;
    int which, rc;
    (void)self;
    if (!PyArg_ParseTuple(args, "iO:bad_call", &which, &obj))
        return NULL;
    if ((aw = ak.new_awaitable()) == NULL)
        return NULL;
    rc = bad_api_call(which, aw, obj);
    ak.cancel(aw);
    Py_DECREF(aw);
    if (rc < 0)
        return NULL;
    if (PyErr_Occurred())
        return NULL;
    Py_RETURN_NONE;
}

/* ---- bad_call_later(coro): awaits coro, which returns (case, obj), then makes bad_call's call
 * on the running awaitable in the result callback, returning its code: `await` raises what the
 * API raised there (or returns None).                                                        */

static int bad_call_cb(PyObject *aw, PyObject *value)
{
    PyObject *obj;
    int which;
    if (!PyArg_ParseTuple(value, "iO:bad_call_later", &which, &obj))
        return -1;
    return bad_api_call(which, aw, obj) < 0 ? -1 : 0;
}

static PyObject *bad_call_later(PyObject *self, PyObject *coro)
{
    PyObject *aw = ak.new_awaitable();
    (void)self;
    if (aw == NULL)
        return NULL;
    return finish(aw, ak.add_await(aw, coro, bad_call_cb, NULL));
}

/* ---- values_roundtrip(obj, n): every value function, n times; not an awaitable -------------- */

static PyObject *values_roundtrip(PyObject *self, PyObject *args)
{
    PyObject *obj, *aw, *two[2], *out[2], *got;
    void *ptrs[2] = {&ak, NULL}, *pout[2], *one;
    int n, i, ok = 1;
    (void)self;
    if (!PyArg_ParseTuple(args, "Oi:values_roundtrip", &obj, &n))
        return NULL;
    if ((aw = ak.new_awaitable()) == NULL)
        return NULL;
    two[0] = two[1] = obj;
    if (ak.save_values(aw, two, 2) < 0 || ak.save_arbitrary(aw, ptrs, 2) < 0)
        return finish(aw, -1);
    for (i = 0; i < n && ok; i++) {
        if (ak.set_value(aw, i % 2, obj) < 0 || ak.set_result(aw, obj) < 0
            || ak.set_result(aw, obj) < 0 || ak.unpack_values(aw, out, 2) < 0
            || (got = ak.get_value(aw, 1)) == NULL || ak.set_arbitrary(aw, 1, obj) < 0
            || ak.unpack_arbitrary(aw, pout, 2) < 0 || ak.get_arbitrary(aw, 1, &one) < 0)
            return finish(aw, -1);
        ok = out[0] == obj && out[1] == obj && got == obj && pout[0] == (void *)&ak
             && one == (void *)obj;
    }
    ak.cancel(aw);
    Py_DECREF(aw);
    return PyBool_FromLong(ok);
}

/* ---- self_store(): an awaitable that holds itself (a cycle only the GC can break) --------- */

static PyObject *self_store(PyObject *self, PyObject *unused)
{
    PyObject *aw = ak.new_awaitable();
    (void)self;
    (void)unused;
    if (aw == NULL)
        return NULL;
    return finish(aw, ak.save_values(aw, &aw, 1));
}

/* ---- pending(coro, cancel): an awaitable with one step, cancelled or not ------------------- */

static PyObject *pending(PyObject *self, PyObject *args)
{
    PyObject *coro, *aw;
    int cancel;
    (void)self;
    if (!PyArg_ParseTuple(args, "Op:pending", &coro, &cancel))
        return NULL;
    if ((aw = ak.new_awaitable()) == NULL)
        return NULL;
    if (ak.add_await(aw, coro, store_result, NULL) < 0)
        return finish(aw, -1);
    if (cancel && ak.cancel(aw) < 0)
        return finish(aw, -1);
    return aw;
}

/* ---- awaitable_type(): the type object from the API (not an awaitable) --------------------- */

static PyObject *awaitable_type(PyObject *self, PyObject *unused)
{
    PyObject *t = (PyObject *)ak.type_object();
    (void)self;
    (void)unused;
    Py_XINCREF(t);
    return t;
}

static PyMethodDef methods[] = {
    {"fetch_and_double", fetch_and_double, METH_O, "await coro, return twice its result"},
    {"gather_seq", gather_seq, METH_O, "await each awaitable in order; a list of results"},
    {"insert_order", insert_order, METH_VARARGS, "a's callback adds c: [a, c, b]"},
    {"probe", probe, METH_VARARGS, "probe(coro, rmode, emode): callback return codes"},
    {"then", then, METH_VARARGS, "then(coro, fn, errfn=None): Python callables as callbacks"},
    {"deferred", deferred, METH_O, "deferred(fn): a defer step calling fn()"},
    {"cancel_after_first", cancel_after_first, METH_VARARGS, "cancel in the first callback"},
    {"with_ctx", with_ctx, METH_VARARGS, "with_ctx(ctx, body_mode, use_err, inner=None)"},
    {"bad_call", bad_call, METH_VARARGS, "bad_call(case, obj): an API call that must fail"},
    {"bad_call_later", bad_call_later, METH_O, "bad_call's call in a callback, after coro"},
    {"values_roundtrip", values_roundtrip, METH_VARARGS, "every value function, n times"},
    {"self_store", self_store, METH_NOARGS, "an awaitable that stores itself"},
    {"pending", pending, METH_VARARGS, "pending(coro, cancel): one step, maybe cancelled"},
    {"awaitable_type", awaitable_type, METH_NOARGS, "awaitkit's type object"},
    {NULL, NULL, 0, NULL},
};

static int exec_module(PyObject *module)
{
    (void)module;
    return Awaitkit_Import(&ak, "^1.0", REQUESTER);
}

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, (void *)exec_module},
    {0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, REQUESTER, "awaitkit test consumer (C)", 0, methods, slots,
    NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_capreg_test_awconsumer(void)
{
    return PyModuleDef_Init(&moduledef);
}
