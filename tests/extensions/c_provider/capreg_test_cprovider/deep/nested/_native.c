/*
 * capreg_test_cprovider.deep.nested._native -- a C provider of the `cstrings` API, 1.1.0.
 *
 * It lives three packages deep on purpose: `PyCapsule_Import("a.b.c._native.X")` fails unless
 * `a.b.c` was imported first (cpython#76595); capreg's discovery imports the module named by the
 * `capreg.apis` entry point, so the nested path must just work.
 *
 * Single-phase init, limited API 3.9 (one abi3 wheel for 3.9 and later). The module keeps no
 * per-module state (m_size 0), so importing it again (after removing it from sys.modules, or a
 * reload) runs PyInit again and publishes the identical declaration again: the registry must
 * treat that as a no-op.
 */
#define PY_SSIZE_T_CLEAN
#ifndef Py_LIMITED_API
#define Py_LIMITED_API 0x03090000
#endif
#include <Python.h>

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "capreg.h"

#define PROVIDER_MODULE "capreg_test_cprovider.deep.nested._native"

/* ---- The API's functions ---------------------------------------------------------------- */

/* 64-bit FNV-1a of data[0..n]. */
static uint64_t cstrings_fnv1a64(const void *data, size_t n)
{
    const unsigned char *p = (const unsigned char *)data;
    uint64_t hash = UINT64_C(0xcbf29ce484222325);
    size_t i;

    for (i = 0; i < n; i++) {
        hash ^= (uint64_t)p[i];
        hash *= UINT64_C(0x100000001b3);
    }
    return hash;
}

/* Number of bytes equal to c in s[0..n]. */
static size_t cstrings_count_byte(const char *s, size_t n, char c)
{
    size_t i, count = 0;

    if (s == NULL)
        return 0;
    for (i = 0; i < n; i++) {
        if (s[i] == c)
            count++;
    }
    return count;
}

/* n clamped to [INT_MIN, INT_MAX]. */
static int cstrings_clamp_len(Py_ssize_t n)
{
    if (n > (Py_ssize_t)INT_MAX)
        return INT_MAX;
    if (n < (Py_ssize_t)INT_MIN)
        return INT_MIN;
    return (int)n;
}

/* A new reference to s.upper(), or NULL with an exception set. The caller holds the GIL. */
static PyObject *cstrings_shout(PyObject *s)
{
    if (s == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_SystemError, "cstrings.shout() called with a NULL object");
        return NULL;
    }
    return PyObject_CallMethod(s, "upper", NULL);
}

/* ---- The declaration -------------------------------------------------------------------- */

/* Signatures are spelled exactly as in tests/extensions/PLAN.md: C spellings, one of them with
 * parameter names. The registry parses and normalises them. */
static const capreg_function cstrings_functions[] = {
    {"fnv1a64", "uint64_t (const void *, size_t)", "1.0.0", (capreg_fn)cstrings_fnv1a64, 0},
    {"count_byte", "size_t (const char *s, size_t n, char c)", "1.0.0",
     (capreg_fn)cstrings_count_byte, 0},
    {"clamp_len", "int (Py_ssize_t)", "1.1.0", (capreg_fn)cstrings_clamp_len, 0},
    {"shout", "PyObject *(PyObject *)", "1.1.0", (capreg_fn)cstrings_shout, 0},
};

static const capreg_api_decl cstrings_decl = {
    sizeof(capreg_api_decl),
    0,
    "cstrings",
    "1.1.0",
    PROVIDER_MODULE,
    cstrings_functions,
    sizeof(cstrings_functions) / sizeof(cstrings_functions[0]),
};

/* ---- The Python module ------------------------------------------------------------------ */

/* How many times PyInit ran in this process: lets a test prove the re-publication happened. */
static long init_runs = 0;

static PyObject *native_init_runs(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyLong_FromLong(init_runs);
}

static PyMethodDef native_methods[] = {
    {"init_runs", native_init_runs, METH_NOARGS,
     "init_runs() -> int\n\nHow many times this module's init function ran in this process."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT,
    PROVIDER_MODULE,
    "Publishes the cstrings 1.1.0 native API through capreg (a test provider).",
    0, /* no per-module state: a second import runs PyInit again */
    native_methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC PyInit__native(void)
{
    PyObject *module = PyModule_Create(&native_module);
    if (module == NULL)
        return NULL;
    if (PyModule_AddStringConstant(module, "API_NAME", cstrings_decl.name) < 0 ||
        PyModule_AddStringConstant(module, "API_VERSION", cstrings_decl.version) < 0)
        goto fail;
    /* -1 with an exception set (e.g. capreg is not installed, or a conflict): the import fails
     * with that exception. */
    if (capreg_publish(&cstrings_decl) < 0)
        goto fail;
    init_runs++;
    return module;

fail:
    Py_DECREF(module);
    return NULL;
}
