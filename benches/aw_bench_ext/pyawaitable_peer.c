/*
 * The peer: aw_double written against PyAwaitable 2.x's public C API (pyawaitable.h, found with
 * pyawaitable.include(); a vendored, header-only library: every function is static to this
 * translation unit). Compiled only when pyawaitable is importable at build time.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* The header defines its whole API static (this file uses a few functions of it), and 2.0.1
 * does not compile warning-free under -Wall -Wextra (unused variables, function-type casts):
 * those warnings are its own, silenced for the header only. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wcast-function-type"
#include <pyawaitable.h>
#pragma GCC diagnostic pop

int aw_bench_pa_init(PyObject *two);
PyObject *aw_bench_pa_double(PyObject *self, PyObject *coro);

static PyObject *two_ref; /* borrowed from capreg_aw_bench.c, which keeps it alive */

static int pa_double_cb(PyObject *aw, PyObject *value)
{
    PyObject *r = PyNumber_Multiply(two_ref, value);
    int rc;
    if (r == NULL)
        return -1;
    rc = PyAwaitable_SetResult(aw, r);
    Py_DECREF(r);
    return rc;
}

PyObject *aw_bench_pa_double(PyObject *self, PyObject *coro)
{
    PyObject *aw = PyAwaitable_New();
    (void)self;
    if (aw == NULL)
        return NULL;
    if (PyAwaitable_AddAwait(aw, coro, pa_double_cb, NULL) < 0) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyAwaitable_Cancel(aw);
        Py_DECREF(aw);
        PyErr_Restore(type, value, tb);
        return NULL;
    }
    return aw;
}

/* PyAwaitable's init: call once per interpreter from the module's exec (it registers its types
 * in the interpreter's state dict). */
int aw_bench_pa_init(PyObject *two)
{
    two_ref = two;
    return PyAwaitable_Init();
}
