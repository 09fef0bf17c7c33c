/*
 * capreg_test_cprovider._tools -- lets the tests publish arbitrary declarations through the raw
 * registry table (capreg_get_registry()->publish), including malformed ones.
 *
 * Every string handed to the registry is a private heap copy that is scrubbed and freed right
 * after the call: the registry must have copied what it keeps.
 *
 * Limited API 3.9, single-phase init.
 */
#define PY_SSIZE_T_CLEAN
#ifndef Py_LIMITED_API
#define Py_LIMITED_API 0x03090000
#endif
#include <Python.h>

#include <stdio.h>
#include <string.h>

#include "capreg.h"
#include "capreg_test_helpers.h"

#define TOOLS_MODULE "capreg_test_cprovider._tools"

/* ---- Dummy function addresses ------------------------------------------------------------ */

/* Never called: they only provide distinct, valid addresses. Their bodies differ so that no
 * optimiser folds them into one. */
static int tools_dummy0(void) { return 1000; }
static int tools_dummy1(void) { return 1001; }
static int tools_dummy2(void) { return 1002; }
static int tools_dummy3(void) { return 1003; }

static capreg_fn tools_dummy(size_t i)
{
    switch (i % 4) {
    case 0:
        return (capreg_fn)tools_dummy0;
    case 1:
        return (capreg_fn)tools_dummy1;
    case 2:
        return (capreg_fn)tools_dummy2;
    default:
        return (capreg_fn)tools_dummy3;
    }
}

/* ---- Small helpers ------------------------------------------------------------------------ */

static const capreg_registry *registry = NULL;

/* A new (code, message) pair, or NULL with an exception; the message is marked if err->code
 * disagrees with the returned code (the contract says they agree). */
static PyObject *code_and_message(int rc, const capreg_error *err)
{
    PyObject *message;

    if (rc == CAPREG_OK)
        return Py_BuildValue("(is)", 0, "");
    message = checked_message(rc, err);
    if (message == NULL)
        return NULL;
    return Py_BuildValue("(iN)", rc, message);
}

/* Overwrite, then free, so that a registry keeping our pointer would read garbage. */
static void scrub_free(char *s)
{
    if (s != NULL) {
        memset(s, 0xdd, strlen(s));
        PyMem_Free(s);
    }
}

/* ---- A declaration built from Python values ------------------------------------------------ */

typedef struct owned_decl {
    capreg_api_decl decl;
    capreg_function *functions;
    size_t n_functions;
    char *name, *version, *provider;
} owned_decl;

static void owned_decl_free(owned_decl *d)
{
    size_t i;

    if (d->functions != NULL) {
        for (i = 0; i < d->n_functions; i++) {
            scrub_free((char *)d->functions[i].name);
            scrub_free((char *)d->functions[i].signature);
            scrub_free((char *)d->functions[i].since);
        }
        PyMem_Free(d->functions);
    }
    scrub_free(d->name);
    scrub_free(d->version);
    scrub_free(d->provider);
    memset(d, 0, sizeof(*d));
}

/* Fill *d from Python values. Returns 0, or -1 with an exception set (and *d freed). */
static int owned_decl_init(owned_decl *d, PyObject *name, PyObject *version, PyObject *provider,
                           PyObject *functions)
{
    Py_ssize_t n, i;

    memset(d, 0, sizeof(*d));
    if (copy_str_or_none(name, "name", &d->name) < 0 ||
        copy_str_or_none(version, "version", &d->version) < 0 ||
        copy_str_or_none(provider, "provider", &d->provider) < 0)
        goto fail;

    if (!PyList_Check(functions) && !PyTuple_Check(functions)) {
        PyErr_SetString(PyExc_TypeError,
                        "functions must be a list of (name, signature, since, deprecated)");
        goto fail;
    }
    n = PySequence_Size(functions);
    if (n < 0)
        goto fail;
    if ((size_t)n > PY_SSIZE_T_MAX / sizeof(capreg_function)) {
        PyErr_NoMemory();
        goto fail;
    }
    d->functions = (capreg_function *)PyMem_Malloc((n > 0 ? (size_t)n : 1) *
                                                   sizeof(capreg_function));
    if (d->functions == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    /* Every pointer starts NULL, so a partial fill frees cleanly. */
    memset(d->functions, 0, (n > 0 ? (size_t)n : 1) * sizeof(capreg_function));
    d->n_functions = (size_t)n;
    for (i = 0; i < n; i++) {
        PyObject *item, *fname, *fsig, *fsince;
        int deprecated = 0, ok;
        char *s_name = NULL, *s_sig = NULL, *s_since = NULL;

        item = PySequence_GetItem(functions, i);
        if (item == NULL)
            goto fail;
        if (!PyTuple_Check(item)) {
            Py_DECREF(item);
            PyErr_Format(PyExc_TypeError, "functions[%zd] must be a tuple "
                                          "(name, signature, since, deprecated)", i);
            goto fail;
        }
        ok = PyArg_ParseTuple(item, "OOO|p:function", &fname, &fsig, &fsince, &deprecated);
        if (ok) {
            /* Stored into the array at once, so owned_decl_free releases them on failure. */
            ok = copy_str_or_none(fname, "function name", &s_name) == 0;
            d->functions[i].name = s_name;
            ok = ok && copy_str_or_none(fsig, "function signature", &s_sig) == 0;
            d->functions[i].signature = s_sig;
            ok = ok && copy_str_or_none(fsince, "function since", &s_since) == 0;
            d->functions[i].since = s_since;
        }
        Py_DECREF(item);
        if (!ok)
            goto fail;
        d->functions[i].address = tools_dummy((size_t)i);
        d->functions[i].flags = deprecated ? CAPREG_DEPRECATED : 0;
    }

    d->decl.size = (uint32_t)sizeof(capreg_api_decl);
    d->decl.flags = 0;
    d->decl.name = d->name;
    d->decl.version = d->version;
    d->decl.provider = d->provider;
    d->decl.functions = d->functions;
    d->decl.n_functions = d->n_functions;
    return 0;

fail:
    owned_decl_free(d);
    return -1;
}

/* ---- publish / publish_py --------------------------------------------------------------- */

static PyObject *tools_publish(PyObject *self, PyObject *args)
{
    PyObject *name, *version, *provider, *functions, *result;
    owned_decl d;
    capreg_error err;
    int rc;

    (void)self;
    if (!PyArg_ParseTuple(args, "OOOO:publish", &name, &version, &provider, &functions))
        return NULL;
    if (owned_decl_init(&d, name, version, provider, functions) < 0)
        return NULL;
    error_reset(&err);
    rc = registry->publish(&d.decl, &err);
    owned_decl_free(&d);
    result = code_and_message(rc, &err);
    return result;
}

static PyObject *tools_publish_py(PyObject *self, PyObject *args)
{
    PyObject *name, *version, *provider, *functions;
    owned_decl d;
    int rc;

    (void)self;
    if (!PyArg_ParseTuple(args, "OOOO:publish_py", &name, &version, &provider, &functions))
        return NULL;
    if (owned_decl_init(&d, name, version, provider, functions) < 0)
        return NULL;
    rc = registry->publish_py(&d.decl);
    owned_decl_free(&d);
    if (rc != 0) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_SystemError,
                         "capreg publish_py returned %d without setting an exception", rc);
        return NULL;
    }
    if (PyErr_Occurred()) {
        PyErr_SetString(PyExc_SystemError,
                        "capreg publish_py returned 0 with an exception set");
        return NULL;
    }
    Py_RETURN_NONE;
}

/* ---- publish_many: many publications from a thread that released the GIL ----------------- */

static PyObject *tools_publish_many(PyObject *self, PyObject *args)
{
    const char *prefix_arg;
    Py_ssize_t count, i, done = 0;
    char *prefix, *name;
    size_t prefix_len, name_cap;
    int failed = 0;
    capreg_error err;
    capreg_function functions[3] = {
        {"alpha", "fn(i64) -> i64", "1.0.0", NULL, 0},
        {"beta", "void (void)", "1.0.0", NULL, 0},
        {"gamma", "size_t (const char *, size_t)", "1.0.0", NULL, 0},
    };
    capreg_api_decl decl;

    (void)self;
    if (!PyArg_ParseTuple(args, "sn:publish_many", &prefix_arg, &count))
        return NULL;
    if (count < 0) {
        PyErr_SetString(PyExc_ValueError, "count must be >= 0");
        return NULL;
    }
    functions[0].address = tools_dummy(0);
    functions[1].address = tools_dummy(1);
    functions[2].address = tools_dummy(2);

    /* Copy everything into C memory before letting go of the GIL. */
    prefix_len = strlen(prefix_arg);
    name_cap = prefix_len + 32;
    prefix = (char *)PyMem_Malloc(prefix_len + 1);
    name = (char *)PyMem_Malloc(name_cap);
    if (prefix == NULL || name == NULL) {
        PyMem_Free(prefix);
        PyMem_Free(name);
        return PyErr_NoMemory();
    }
    memcpy(prefix, prefix_arg, prefix_len + 1);

    memset(&decl, 0, sizeof(decl));
    decl.size = (uint32_t)sizeof(capreg_api_decl);
    decl.name = name;
    decl.version = "1.0.0";
    decl.provider = TOOLS_MODULE;
    decl.functions = functions;
    decl.n_functions = 3;
    error_reset(&err);

    Py_BEGIN_ALLOW_THREADS
    for (i = 0; i < count; i++) {
        snprintf(name, name_cap, "%s%lld", prefix, (long long)i);
        if (registry->publish(&decl, &err) != CAPREG_OK) {
            failed = 1;
            break;
        }
        done++;
    }
    Py_END_ALLOW_THREADS

    PyMem_Free(prefix);
    PyMem_Free(name);
    if (failed) {
        PyObject *message = error_message(&err);
        if (message != NULL) {
            PyErr_SetObject(PyExc_RuntimeError, message);
            Py_DECREF(message);
        }
        return NULL;
    }
    return PyLong_FromSsize_t(done);
}

/* ---- bad_publishes: every malformed declaration must be refused, not crash --------------- */

/* A valid declaration of API "capreg_test_bad_publish" with two functions. */
static void good_decl(capreg_api_decl *decl, capreg_function *functions)
{
    functions[0].name = "first_fn";
    functions[0].signature = "int64_t (int64_t, int64_t)";
    functions[0].since = "1.0.0";
    functions[0].address = tools_dummy(0);
    functions[0].flags = 0;
    functions[1].name = "second_fn";
    functions[1].signature = "fn(*const u8, usize) -> u64";
    functions[1].since = "1.0.0";
    functions[1].address = tools_dummy(1);
    functions[1].flags = 0;

    memset(decl, 0, sizeof(*decl));
    decl->size = (uint32_t)sizeof(capreg_api_decl);
    decl->flags = 0;
    decl->name = "capreg_test_bad_publish";
    decl->version = "1.0.0";
    decl->provider = TOOLS_MODULE;
    decl->functions = functions;
    decl->n_functions = 2;
}

#define BAD_CASE(case_name, mutation)                                                          \
    do {                                                                                       \
        good_decl(&decl, functions);                                                           \
        mutation;                                                                              \
        error_reset(&err);                                                                     \
        rc = registry->publish(&decl, &err);                                                   \
        if (record(list, case_name, rc, &err) < 0)                                             \
            goto fail;                                                                         \
    } while (0)

static PyObject *tools_bad_publishes(PyObject *self, PyObject *unused)
{
    PyObject *list;
    capreg_api_decl decl;
    capreg_function functions[2];
    capreg_error err;
    int rc;

    (void)self;
    (void)unused;
    list = PyList_New(0);
    if (list == NULL)
        return NULL;

    error_reset(&err);
    rc = registry->publish(NULL, &err);
    if (record(list, "null_decl", rc, &err) < 0)
        goto fail;

    /* No error struct to fill: only the returned code tells. */
    good_decl(&decl, functions);
    decl.name = NULL;
    rc = registry->publish(&decl, NULL);
    if (record(list, "null_err", rc, NULL) < 0)
        goto fail;

    BAD_CASE("wrong_size", decl.size = 3);
    BAD_CASE("null_name", decl.name = NULL);
    BAD_CASE("empty_name", decl.name = "");
    BAD_CASE("non_utf8_name", decl.name = "\xff\xfe");
    BAD_CASE("null_version", decl.version = NULL);
    BAD_CASE("bad_version", decl.version = "1.x");
    BAD_CASE("null_provider", decl.provider = NULL);
    BAD_CASE("null_functions", decl.functions = NULL; decl.n_functions = 2);
    BAD_CASE("null_function_name", functions[1].name = NULL);
    BAD_CASE("null_signature", functions[1].signature = NULL);
    BAD_CASE("malformed_signature", functions[1].signature = "int (((");
    BAD_CASE("null_address", functions[1].address = NULL);
    BAD_CASE("bad_since", functions[1].since = "soon");
    BAD_CASE("duplicate_function", functions[1].name = "first_fn");
    return list;

fail:
    Py_DECREF(list);
    return NULL;
}

#undef BAD_CASE

/* ---- Module ----------------------------------------------------------------------------- */

static PyMethodDef tools_methods[] = {
    {"publish", tools_publish, METH_VARARGS,
     "publish(name, version, provider, functions) -> (code, message)\n\n"
     "Publish through the raw table. functions: [(name, signature, since, deprecated)].\n"
     "Any str may be None (passed as NULL). Returns (0, '') on success."},
    {"publish_py", tools_publish_py, METH_VARARGS,
     "publish_py(name, version, provider, functions) -> None\n\n"
     "Publish through table->publish_py; raises the exception the registry set."},
    {"publish_many", tools_publish_many, METH_VARARGS,
     "publish_many(prefix, count) -> int\n\n"
     "Publish f'{prefix}{i}' 1.0.0 (3 functions) for i in range(count), GIL released.\n"
     "Raises RuntimeError with the registry's message on the first failure."},
    {"bad_publishes", tools_bad_publishes, METH_NOARGS,
     "bad_publishes() -> [(case, code, message)]\n\n"
     "Publish malformed declarations through the raw table and record the outcome."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef tools_module = {
    PyModuleDef_HEAD_INIT,
    TOOLS_MODULE,
    "Test helpers: publish arbitrary declarations through the raw capreg table.",
    0,
    tools_methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC PyInit__tools(void)
{
    PyObject *module;
    const capreg_registry *table = capreg_get_registry();

    if (table == NULL)
        return NULL;
    module = PyModule_Create(&tools_module);
    if (module == NULL)
        return NULL;
    registry = table;
    return module;
}
