/*
 * capreg_example_c -- a C extension module that USES a native API published by another
 * extension module, through capreg.
 *
 * The API used here is `mathkit` (any 1.x from 1.2 on), published by another package
 * (in this repository: the test provider capreg-test-rsprovider, written in Rust). We never
 * link against it and never include a header of it: at import time we ask the registry for
 * "mathkit ^1.2", name the functions we need with their C signatures, and get back plain C
 * function pointers. After that, calling one is an ordinary indirect call.
 *
 * What can go wrong at import, and what the user sees: mathkit not installed, too old, a
 * function missing, a signature that changed -- each raises capreg.ResolutionError (an
 * ImportError) whose message names this module, the API, the version found, its file, every
 * function concerned and the `pip install` line that fixes it. Never a segfault later.
 *
 * Build: only headers/capreg.h (header-only, nothing to link) and Python.h. We use the limited
 * API of Python 3.9 so that one wheel (tagged cp39-abi3) works on every CPython from 3.9 on.
 */

/* Must come before Python.h: use the stable ABI of 3.9, and Py_ssize_t for "#" formats. */
#define PY_SSIZE_T_CLEAN
#ifndef Py_LIMITED_API
#define Py_LIMITED_API 0x03090000
#endif
#include <Python.h>

#include <stdint.h>

/* capreg.h after Python.h: then it also declares capreg_import() and friends. */
#include "capreg.h"
/* A per-API header generated from the provider's Rust declaration: a struct of typed function
 * pointers and one Wildsort_Import() call. No guessing at signatures. */
#include "wildsort.h"
/* Awaitables for native code (awaitkit): return an awaitable that awaits a coroutine and runs a
 * C callback on its result -- no coroutine state machine to write. */
#include "awaitkit.h"

/* Our module's name: the registry puts it in every error message ("requester"). */
#define MODULE_NAME "capreg_example_c"

/* ---- 1. The functions we want, and where we keep them ----------------------------------- */

/* What we ask for. Signatures are written in plain C; the registry compares them by structure,
 * not as text, so "int64_t" here matches the provider's "i64" (or "long" on LP64). */
static const capreg_import_item mathkit_items[] = {
    {"add_i64", "int64_t (int64_t, int64_t)", 0},
    {"sum_f64", "double (const double *, size_t)", 0},
    {"checksum", "uint64_t (const uint8_t *, size_t)", 0},
    /* A function we could live without would be flagged CAPREG_OPTIONAL: it then comes back
     * NULL instead of failing the import, e.g.
     *     {"newer_fn", "void (void)", CAPREG_OPTIONAL},                                      */
};
#define N_MATHKIT (sizeof(mathkit_items) / sizeof(mathkit_items[0]))

/* Where we keep them: one typed function pointer each, matching the signatures above.
 * Static is fine: the registry never unloads anything, so these addresses stay valid (and
 * the same) for the life of the process. */
static int64_t (*mathkit_add_i64)(int64_t, int64_t);
static double (*mathkit_sum_f64)(const double *, size_t);
static uint64_t (*mathkit_checksum)(const uint8_t *, size_t);

/* ---- 2. Python-visible functions that call them ----------------------------------------- */

/* add(a, b) -> int */
static PyObject *example_add(PyObject *self, PyObject *args)
{
    long long a, b;

    (void)self;
    if (!PyArg_ParseTuple(args, "LL:add", &a, &b))
        return NULL; /* TypeError / OverflowError already set */
    return PyLong_FromLongLong((long long)mathkit_add_i64((int64_t)a, (int64_t)b));
}

/* total(seq_of_floats) -> float: copies the sequence into a C array, sums it natively. */
static PyObject *example_total(PyObject *self, PyObject *seq)
{
    Py_ssize_t n, i;
    double *values, result;

    (void)self;
    n = PySequence_Size(seq);
    if (n < 0)
        return NULL; /* not a sequence: TypeError set */
    if ((size_t)n > PY_SSIZE_T_MAX / sizeof(double))
        return PyErr_NoMemory();
    /* Allocate at least one element so that the pointer is never NULL, even for []. */
    values = (double *)PyMem_Malloc((n > 0 ? (size_t)n : 1) * sizeof(double));
    if (values == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < n; i++) {
        PyObject *item = PySequence_GetItem(seq, i); /* a new reference */
        if (item == NULL) {
            PyMem_Free(values);
            return NULL;
        }
        values[i] = PyFloat_AsDouble(item); /* accepts floats, ints, anything with __float__ */
        Py_DECREF(item);
        if (values[i] == -1.0 && PyErr_Occurred()) {
            PyMem_Free(values);
            return NULL;
        }
    }
    result = mathkit_sum_f64(values, (size_t)n);
    PyMem_Free(values);
    return PyFloat_FromDouble(result);
}

/* checksum(bytes) -> int */
static PyObject *example_checksum(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t n;

    (void)self;
    if (!PyArg_ParseTuple(args, "y#:checksum", &data, &n))
        return NULL;
    return PyLong_FromUnsignedLongLong(
        (unsigned long long)mathkit_checksum((const uint8_t *)data, (size_t)n));
}

/* sort_ints(list_of_ints) -> list: copies into a C buffer, sorts it with wildsort.sort_i64 (a
 * Python-free library, reached through the registry), and builds a new list. */
static Wildsort_API wildsort;

static PyObject *example_sort_ints(PyObject *self, PyObject *seq)
{
    Py_ssize_t n, i;
    int64_t *values;
    PyObject *result;

    (void)self;
    n = PySequence_Size(seq);
    if (n < 0)
        return NULL;
    values = (int64_t *)PyMem_Malloc((n > 0 ? (size_t)n : 1) * sizeof(int64_t));
    if (values == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < n; i++) {
        PyObject *item = PySequence_GetItem(seq, i);
        if (item == NULL) {
            PyMem_Free(values);
            return NULL;
        }
        values[i] = (int64_t)PyLong_AsLongLong(item); /* OverflowError past 64 bits */
        Py_DECREF(item);
        if (values[i] == -1 && PyErr_Occurred()) {
            PyMem_Free(values);
            return NULL;
        }
    }
    if (wildsort.sort_i64(values, (size_t)n) != 0) {
        PyMem_Free(values);
        PyErr_SetString(PyExc_RuntimeError, "wildsort.sort_i64 failed");
        return NULL;
    }
    result = PyList_New(n);
    for (i = 0; result != NULL && i < n; i++) {
        PyObject *value = PyLong_FromLongLong((long long)values[i]);
        if (value == NULL) {
            Py_CLEAR(result);
            break;
        }
        PyList_SetItem(result, i, value); /* steals the reference */
    }
    PyMem_Free(values);
    return result;
}

/* fetch_and_double(coro) -> awaitable: `await fetch_and_double(coro)` is `2 * await coro`. */
static Awaitkit_API awaitkit;

/* Runs when `coro` returns: 0 to go on, -1 with an exception set to fail the await. */
static int32_t double_result(PyObject *aw, PyObject *value)
{
    PyObject *two, *doubled;
    int32_t status;

    two = PyLong_FromLong(2);
    if (two == NULL)
        return -1;
    doubled = PyNumber_Multiply(value, two);
    Py_DECREF(two);
    if (doubled == NULL)
        return -1;
    status = awaitkit.set_result(aw, doubled); /* takes its own reference */
    Py_DECREF(doubled);
    return status;
}

static PyObject *example_fetch_and_double(PyObject *self, PyObject *coro)
{
    PyObject *aw;

    (void)self;
    aw = awaitkit.new_awaitable();
    if (aw == NULL)
        return NULL;
    /* No error callback: an exception from `coro` propagates out of the await. */
    if (awaitkit.add_await(aw, coro, double_result, NULL) < 0) {
        Py_DECREF(aw);
        return NULL;
    }
    return aw;
}

/* ---- 3. Resolving the functions when the module is imported ----------------------------- */

/* Runs when the module is imported (multi-phase init, PEP 489). Returns 0, or -1 with an
 * exception set, which makes the import fail with that exception. */
static int example_exec(PyObject *module)
{
    capreg_fn out[N_MATHKIT];

    (void)module;
    /* One call: find mathkit (importing its provider if nobody did yet), pick the highest
     * version matching ^1.2, check every function's signature, and fill `out` -- all or
     * nothing. On failure a capreg.ResolutionError is already set: just return -1. */
    if (capreg_import("mathkit", "^1.2", MODULE_NAME, mathkit_items, N_MATHKIT, out) < 0)
        return -1;

    /* Cast each generic capreg_fn back to the type its signature describes. */
    mathkit_add_i64 = (int64_t (*)(int64_t, int64_t))out[0];
    mathkit_sum_f64 = (double (*)(const double *, size_t))out[1];
    mathkit_checksum = (uint64_t (*)(const uint8_t *, size_t))out[2];

    /* The generated header does the same for every function of wildsort in one call. */
    if (Wildsort_Import(&wildsort, "^1.0", MODULE_NAME) < 0)
        return -1;
    if (Awaitkit_Import(&awaitkit, "^1.0", MODULE_NAME) < 0)
        return -1;
    return 0;
}

/* ---- 4. The module definition ----------------------------------------------------------- */

static PyMethodDef example_methods[] = {
    {"add", example_add, METH_VARARGS, "add(a, b) -> int: a + b, computed by mathkit.add_i64"},
    {"total", example_total, METH_O,
     "total(seq_of_floats) -> float: the sum, computed by mathkit.sum_f64"},
    {"checksum", example_checksum, METH_VARARGS,
     "checksum(data: bytes) -> int: computed by mathkit.checksum"},
    {"sort_ints", example_sort_ints, METH_O,
     "sort_ints(seq_of_ints) -> list: sorted by wildsort.sort_i64 through wildsort.h"},
    {"fetch_and_double", example_fetch_and_double, METH_O,
     "fetch_and_double(coro) -> awaitable: await it for 2 * (await coro), through awaitkit"},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot example_slots[] = {
    {Py_mod_exec, (void *)example_exec},
    {0, NULL},
};

static struct PyModuleDef example_module = {
    PyModuleDef_HEAD_INIT,
    MODULE_NAME,
    "Example C extension that calls the mathkit native API through capreg.",
    0, /* no per-module state */
    example_methods,
    example_slots,
    NULL,
    NULL,
    NULL,
};

/* The only exported symbol. Multi-phase init: Python creates the module, then runs
 * example_exec on it. */
PyMODINIT_FUNC PyInit_capreg_example_c(void)
{
    return PyModuleDef_Init(&example_module);
}
