/*
 * capreg_aw_bench -- the C side of benches/awaitkit_bench.py.
 *
 *   aw_double(coro)  awaitkit (reached through the registry, headers/awaitkit.h): an Awaitable
 *                    that awaits coro and whose result callback sets 2 * its result.
 *   pa_double(coro)  the same function on PyAwaitable 2.x (pyawaitable_peer.c, the peer), present
 *                    when the module was built with pyawaitable importable (HAVE_PYAWAITABLE).
 *
 * Both follow one shape: new awaitable, one add-await step with a result callback and no error
 * callback, return it; on failure cancel and release it. The Python peer is
 * `async def py_double(coro): return 2 * await coro`.
 *
 * Full (not limited) API: PyAwaitable's header refuses Py_LIMITED_API, and both libraries are
 * measured from one module built with the same flags. awaitkit itself needs nothing beyond the
 * limited API (see tests/extensions/aw_consumer_c).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>

#include "capreg.h"
#include "awaitkit.h"

#define REQUESTER "capreg_aw_bench"

#ifdef AW_BENCH_HAVE_PYAWAITABLE
/* pyawaitable_peer.c */
int aw_bench_pa_init(PyObject *two);
PyObject *aw_bench_pa_double(PyObject *self, PyObject *coro);
#endif

static Awaitkit_API ak;
static PyObject *two; /* the int 2, multiplied like `2 * value` in py_double */

static int32_t double_cb(PyObject *aw, PyObject *value)
{
    PyObject *r = PyNumber_Multiply(two, value);
    int32_t rc;
    if (r == NULL)
        return -1;
    rc = ak.set_result(aw, r);
    Py_DECREF(r);
    return rc;
}

static PyObject *aw_double(PyObject *self, PyObject *coro)
{
    PyObject *aw = ak.new_awaitable();
    (void)self;
    if (aw == NULL)
        return NULL;
    if (ak.add_await(aw, coro, double_cb, NULL) < 0) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        ak.cancel(aw);
        Py_DECREF(aw);
        PyErr_Restore(type, value, tb);
        return NULL;
    }
    return aw;
}

static PyMethodDef methods[] = {
    {"aw_double", aw_double, METH_O, "aw_double(coro): awaitkit awaitable giving 2 * (await coro)"},
#ifdef AW_BENCH_HAVE_PYAWAITABLE
    {"pa_double", aw_bench_pa_double, METH_O,
     "pa_double(coro): PyAwaitable awaitable giving 2 * (await coro)"},
#endif
    {NULL, NULL, 0, NULL},
};

/* PyModule_AddObjectRef (3.10+) for 3.9 too. */
static int add_ref(PyObject *module, const char *name, PyObject *value)
{
    Py_INCREF(value);
    if (PyModule_AddObject(module, name, value) < 0) {
        Py_DECREF(value);
        return -1;
    }
    return 0;
}

static int exec_module(PyObject *module)
{
    if (two == NULL && (two = PyLong_FromLong(2)) == NULL)
        return -1;
    if (Awaitkit_Import(&ak, "^1.0", REQUESTER) < 0)
        return -1;
#ifdef AW_BENCH_HAVE_PYAWAITABLE
    if (aw_bench_pa_init(two) < 0)
        return -1;
    if (add_ref(module, "HAVE_PYAWAITABLE", Py_True) < 0)
        return -1;
    if (PyModule_AddStringConstant(module, "PYAWAITABLE_VERSION", AW_BENCH_PYAWAITABLE_VERSION) < 0)
        return -1;
#else
    if (add_ref(module, "HAVE_PYAWAITABLE", Py_False) < 0)
        return -1;
    if (add_ref(module, "PYAWAITABLE_VERSION", Py_None) < 0)
        return -1;
#endif
    return 0;
}

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, (void *)exec_module},
    {0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, REQUESTER, "awaitkit benchmark: aw_double (awaitkit) and pa_double (PyAwaitable)",
    0, methods, slots, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_capreg_aw_bench(void)
{
    return PyModuleDef_Init(&moduledef);
}
