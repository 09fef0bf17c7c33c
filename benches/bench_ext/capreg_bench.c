/*
 * capreg_bench -- the consumer half of the registry benchmarks (benches/run.sh builds it and
 * benches/registry.py drives it).
 *
 * bind() binds "benchapi" twice, as two kinds of consumer would: through capreg (typed function
 * pointers kept in statics) and through the NumPy-style capsule table (a global `void **`, each
 * call reading its slot, as NumPy's PyArray_API macros do). The time_* functions run the timed C
 * loops and return (elapsed ns, checksum); the driver repeats them and keeps the best.
 *
 * Limited API 3.9: one abi3 wheel, like the test extensions.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <time.h>

#include "bench.h"

#define REQUESTER "capreg_bench"

/* ---- Consumer state --------------------------------------------------------------------- */

/* The capreg way: a pointer the consumer keeps, resolved once. */
static int64_t (*cr_add1)(int64_t);

/* The NumPy way: a global table pointer and a macro per slot. */
static void **BENCH_API;
#define bench_add1 (*(int64_t(*)(int64_t))BENCH_API[BENCH_SLOT_ADD1])

static const capreg_registry *registry;

/* Whatever a loop computed goes here, so the compiler cannot drop the calls. */
static volatile int64_t sink;

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static PyObject *bind(PyObject *self, PyObject *unused)
{
    static const capreg_import_item items[] = {{"add1", "int64_t (int64_t)", 0}};
    capreg_fn out[1];

    (void)self;
    (void)unused;
    if (capreg_import("benchapi", "^1.0", REQUESTER, items, 1, out) < 0)
        return NULL;
    cr_add1 = (int64_t(*)(int64_t))out[0];
    BENCH_API = (void **)PyCapsule_Import("capreg_bench._API", 0);
    if (BENCH_API == NULL)
        return NULL;
    registry = capreg_get_registry();
    if (registry == NULL)
        return NULL;
    Py_RETURN_NONE;
}

static int require_bound(void)
{
    if (cr_add1 == NULL || BENCH_API == NULL || registry == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "capreg_bench: call bind() first");
        return -1;
    }
    return 0;
}

/* ---- 1. Call overhead ------------------------------------------------------------------- */

/* The two loops differ only in how they reach add1. noinline keeps their code separate. */
__attribute__((noinline)) static int64_t loop_capreg(int64_t n)
{
    int64_t acc = 0;
    for (int64_t i = 0; i < n; i++)
        acc += cr_add1(i);
    return acc;
}

__attribute__((noinline)) static int64_t loop_table(int64_t n)
{
    int64_t acc = 0;
    for (int64_t i = 0; i < n; i++)
        acc += bench_add1(i);
    return acc;
}

static PyObject *time_loop(PyObject *args, int64_t (*loop)(int64_t))
{
    long long n;
    double t0;
    int64_t acc;

    if (!PyArg_ParseTuple(args, "L", &n) || require_bound() < 0)
        return NULL;
    t0 = now_ns();
    acc = loop(n);
    t0 = now_ns() - t0;
    sink = acc;
    return Py_BuildValue("(dL)", t0, (long long)acc);
}

static PyObject *time_capreg(PyObject *self, PyObject *args)
{
    (void)self;
    return time_loop(args, loop_capreg);
}

static PyObject *time_table(PyObject *self, PyObject *args)
{
    (void)self;
    return time_loop(args, loop_table);
}

/* A Python-level call from C, boxing the argument and unboxing the result as a C consumer of
 * a Python-level API has to. (PyObject_CallOneArg is not in the 3.9 limited API.) */
static PyObject *time_python(PyObject *self, PyObject *args)
{
    PyObject *func, *x, *r;
    long long n;
    int64_t acc = 0;
    double t0;

    (void)self;
    if (!PyArg_ParseTuple(args, "OL", &func, &n))
        return NULL;
    t0 = now_ns();
    for (long long i = 0; i < n; i++) {
        if ((x = PyLong_FromLongLong(i)) == NULL)
            return NULL;
        r = PyObject_CallFunctionObjArgs(func, x, NULL);
        Py_DECREF(x);
        if (r == NULL)
            return NULL;
        acc += PyLong_AsLongLong(r);
        Py_DECREF(r);
    }
    t0 = now_ns() - t0;
    if (PyErr_Occurred())
        return NULL;
    sink = acc;
    return Py_BuildValue("(dL)", t0, (long long)acc);
}

/* ---- 2. Request + resolve of 300 functions ---------------------------------------------- */

/* time_resolve(iterations, respelled) -> [ns of one request + resolve, ...] */
static PyObject *time_resolve(PyObject *self, PyObject *args)
{
    static capreg_error err; /* 4 KiB: not on the stack */
    static capreg_fn out[BENCH_N300];
    const capreg_import_item *items;
    const capreg_api *api;
    PyObject *times, *t;
    int iterations, respelled;

    (void)self;
    if (!PyArg_ParseTuple(args, "ip", &iterations, &respelled) || require_bound() < 0)
        return NULL;
    items = respelled ? bench300_respelled : bench300_exact;
    if ((times = PyList_New(iterations)) == NULL)
        return NULL;
    for (int k = 0; k < iterations; k++) {
        double t0 = now_ns();
        if (registry->request("bench300", "^1.0", REQUESTER, &api, &err) != CAPREG_OK
            || registry->resolve(api, REQUESTER, items, BENCH_N300, out, &err) != CAPREG_OK) {
            PyErr_Format(PyExc_RuntimeError, "capreg_bench: %s", err.message);
            Py_DECREF(times);
            return NULL;
        }
        t0 = now_ns() - t0;
        if ((t = PyFloat_FromDouble(t0)) == NULL) {
            Py_DECREF(times);
            return NULL;
        }
        PyList_SetItem(times, k, t);
    }
    /* Both spellings must give the provider's own addresses. */
    for (int i = 0; i < BENCH_N300; i++) {
        if (out[i] != bench300_functions[i].address) {
            Py_DECREF(times);
            return PyErr_Format(PyExc_RuntimeError, "capreg_bench: %s resolved to a wrong address",
                                bench300_functions[i].name);
        }
    }
    return times;
}

/* ---- Module ----------------------------------------------------------------------------- */

static PyMethodDef methods[] = {
    {"bind", bind, METH_NOARGS, "Bind benchapi through capreg and through the capsule table."},
    {"time_capreg", time_capreg, METH_VARARGS, "time_capreg(n) -> (ns, checksum): n calls via capreg."},
    {"time_table", time_table, METH_VARARGS, "time_table(n) -> (ns, checksum): n calls via _API."},
    {"time_python", time_python, METH_VARARGS, "time_python(f, n) -> (ns, checksum): n calls of f(i)."},
    {"time_resolve", time_resolve, METH_VARARGS, "time_resolve(iterations, respelled) -> [ns, ...]."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "capreg_bench", "capreg registry benchmarks (benches/run.sh).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_capreg_bench(void)
{
    PyObject *module = PyModule_Create(&module_def);
    if (module != NULL && bench_provider_init(module) < 0)
        Py_CLEAR(module);
    return module;
}
