/*
 * capreg_test_cconsumer -- a C consumer of `cstrings ^1.0` and `mathkit ^1.2`, plus probes of
 * the raw registry table for the tests.
 *
 * Multi-phase init (PEP 489): the exec slot runs again for every new module object, including
 * one created in a subinterpreter, where capreg must refuse with a clear ImportError.
 *
 * The resolved functions are kept in static typed pointers. That is sound across module objects
 * and interpreters: the registry never unpublishes, so a resolved address is valid and identical
 * for the life of the process; exec only assigns them after both imports succeeded.
 *
 * Limited API 3.9: one abi3 wheel for 3.9 and later.
 */
#define PY_SSIZE_T_CLEAN
#ifndef Py_LIMITED_API
#define Py_LIMITED_API 0x03090000
#endif
#include <Python.h>

#include <stdint.h>
#include <string.h>

#include "capreg.h"
#include "capreg_test_helpers.h"

#define REQUESTER "capreg_test_cconsumer"

/* ---- The bound import tables ------------------------------------------------------------ */

/* cstrings ^1.0, spelled differently from how the provider published it on purpose. */
static const capreg_import_item cstrings_items[] = {
    {"fnv1a64", "unsigned long long (const void *, size_t)", 0},
    {"count_byte", "size_t (const char *, size_t, char)", 0},
    {"clamp_len", "int (Py_ssize_t)", 0},
    {"shout", "PyObject *(PyObject *)", 0},
    {"not_there", "void (void)", CAPREG_OPTIONAL},
};
#define N_CSTRINGS (sizeof(cstrings_items) / sizeof(cstrings_items[0]))

/* mathkit ^1.2 (published in Rust as fn(i64, i64) -> i64 and fn(*const u8, usize) -> u64). */
static const capreg_import_item mathkit_items[] = {
    {"add_i64", "int64_t (int64_t, int64_t)", 0},
    {"checksum", "uint64_t (const uint8_t *, size_t)", 0},
};
#define N_MATHKIT (sizeof(mathkit_items) / sizeof(mathkit_items[0]))

static unsigned long long (*cs_fnv1a64)(const void *, size_t);
static size_t (*cs_count_byte)(const char *, size_t, char);
static int (*cs_clamp_len)(Py_ssize_t);
static PyObject *(*cs_shout)(PyObject *);
static capreg_fn cs_not_there; /* optional: NULL when the provider lacks it */
static int64_t (*mk_add_i64)(int64_t, int64_t);
static uint64_t (*mk_checksum)(const uint8_t *, size_t);

/* The raw table, for the probes below. */
static const capreg_registry *registry;

/* Raise RuntimeError if exec never completed (cannot happen through a normal import). */
static int require_bound(void)
{
    if (registry == NULL || cs_fnv1a64 == NULL || mk_add_i64 == NULL) {
        PyErr_SetString(PyExc_RuntimeError, REQUESTER ": the import tables are not bound");
        return -1;
    }
    return 0;
}

/* ---- Calling the bound functions -------------------------------------------------------- */

static PyObject *cc_fnv1a64(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t n;

    (void)self;
    if (!PyArg_ParseTuple(args, "y#:fnv1a64", &data, &n) || require_bound() < 0)
        return NULL;
    return PyLong_FromUnsignedLongLong(cs_fnv1a64(data, (size_t)n));
}

static PyObject *cc_count_byte(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t n;
    int c;

    (void)self;
    if (!PyArg_ParseTuple(args, "y#i:count_byte", &data, &n, &c) || require_bound() < 0)
        return NULL;
    if (c < -128 || c > 255) {
        PyErr_SetString(PyExc_ValueError, "count_byte: c must be a byte value (-128..255)");
        return NULL;
    }
    return PyLong_FromSize_t(cs_count_byte(data, (size_t)n, (char)c));
}

static PyObject *cc_clamp_len(PyObject *self, PyObject *args)
{
    Py_ssize_t n;

    (void)self;
    if (!PyArg_ParseTuple(args, "n:clamp_len", &n) || require_bound() < 0)
        return NULL;
    return PyLong_FromLong(cs_clamp_len(n));
}

static PyObject *cc_shout(PyObject *self, PyObject *obj)
{
    (void)self;
    if (require_bound() < 0)
        return NULL;
    /* A new reference, or NULL with the exception of obj.upper(). */
    return cs_shout(obj);
}

static PyObject *cc_has_optional(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    if (require_bound() < 0)
        return NULL;
    return PyBool_FromLong(cs_not_there != NULL);
}

static PyObject *cc_add_i64(PyObject *self, PyObject *args)
{
    long long a, b;

    (void)self;
    if (!PyArg_ParseTuple(args, "LL:add_i64", &a, &b) || require_bound() < 0)
        return NULL;
    return PyLong_FromLongLong((long long)mk_add_i64((int64_t)a, (int64_t)b));
}

static PyObject *cc_checksum(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t n;

    (void)self;
    if (!PyArg_ParseTuple(args, "y#:checksum", &data, &n) || require_bound() < 0)
        return NULL;
    return PyLong_FromUnsignedLongLong(
        (unsigned long long)mk_checksum((const uint8_t *)data, (size_t)n));
}

/* ---- Helpers for the probes ------------------------------------------------------------- */

/* An address as an int, or None for NULL. */
static PyObject *address_or_none(capreg_fn fn)
{
    if (fn == NULL)
        Py_RETURN_NONE;
    return PyLong_FromUnsignedLongLong((unsigned long long)(uintptr_t)fn);
}

/* A str from registry-owned UTF-8, or None for NULL. */
static PyObject *str_or_none(const char *s)
{
    if (s == NULL)
        Py_RETURN_NONE;
    return PyUnicode_FromString(s);
}

/* An import table copied from [(name, signature, optional)]; strings may be None (NULL). */
typedef struct owned_items {
    capreg_import_item *items;
    size_t n;
} owned_items;

static void owned_items_free(owned_items *t)
{
    size_t i;

    if (t->items != NULL) {
        for (i = 0; i < t->n; i++) {
            PyMem_Free((char *)t->items[i].name);
            PyMem_Free((char *)t->items[i].signature);
        }
        PyMem_Free(t->items);
    }
    t->items = NULL;
    t->n = 0;
}

/* 0, or -1 with an exception set (and *t freed). */
static int owned_items_init(owned_items *t, PyObject *seq)
{
    Py_ssize_t n, i;
    size_t bytes;

    t->items = NULL;
    t->n = 0;
    if (!PyList_Check(seq) && !PyTuple_Check(seq)) {
        PyErr_SetString(PyExc_TypeError, "items must be a list of (name, signature, optional)");
        return -1;
    }
    n = PySequence_Size(seq);
    if (n < 0)
        return -1;
    if ((size_t)n > PY_SSIZE_T_MAX / sizeof(capreg_import_item)) {
        PyErr_NoMemory();
        return -1;
    }
    bytes = (n > 0 ? (size_t)n : 1) * sizeof(capreg_import_item);
    t->items = (capreg_import_item *)PyMem_Malloc(bytes);
    if (t->items == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memset(t->items, 0, bytes); /* every pointer NULL: a partial fill frees cleanly */
    t->n = (size_t)n;
    for (i = 0; i < n; i++) {
        PyObject *item, *name, *signature;
        int optional = 0, ok;
        char *s_name = NULL, *s_sig = NULL;

        item = PySequence_GetItem(seq, i);
        if (item == NULL)
            goto fail;
        if (!PyTuple_Check(item)) {
            Py_DECREF(item);
            PyErr_Format(PyExc_TypeError,
                         "items[%zd] must be a tuple (name, signature, optional)", i);
            goto fail;
        }
        ok = PyArg_ParseTuple(item, "OO|p:item", &name, &signature, &optional);
        if (ok) {
            ok = copy_str_or_none(name, "item name", &s_name) == 0;
            t->items[i].name = s_name;
            ok = ok && copy_str_or_none(signature, "item signature", &s_sig) == 0;
            t->items[i].signature = s_sig;
        }
        Py_DECREF(item);
        if (!ok)
            goto fail;
        t->items[i].flags = optional ? CAPREG_OPTIONAL : 0;
    }
    return 0;

fail:
    owned_items_free(t);
    return -1;
}

/* A list of n addresses (None for NULL), or NULL with an exception. */
static PyObject *address_list(const capreg_fn *out, size_t n)
{
    size_t i;
    PyObject *list = PyList_New((Py_ssize_t)n);

    if (list == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        PyObject *value = address_or_none(out[i]);
        if (value == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SetItem(list, (Py_ssize_t)i, value); /* steals value */
    }
    return list;
}

/* ---- import_table: capreg_import as a user calls it --------------------------------------- */

static PyObject *cc_import_table(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"api", "requirement", "items", "requester", NULL};
    const char *api, *requirement, *requester = REQUESTER;
    PyObject *seq, *result = NULL;
    owned_items t;
    capreg_fn *out;

    (void)self;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "ssO|s:import_table", kwlist, &api,
                                     &requirement, &seq, &requester))
        return NULL;
    if (owned_items_init(&t, seq) < 0)
        return NULL;
    out = (capreg_fn *)PyMem_Malloc((t.n > 0 ? t.n : 1) * sizeof(capreg_fn));
    if (out == NULL) {
        owned_items_free(&t);
        return PyErr_NoMemory();
    }
    memset(out, 0, (t.n > 0 ? t.n : 1) * sizeof(capreg_fn));
    /* -1 with a capreg.ResolutionError set: propagate it as is. */
    if (capreg_import(api, requirement, requester, t.items, t.n, out) == 0)
        result = address_list(out, t.n);
    PyMem_Free(out);
    owned_items_free(&t);
    return result;
}

/* ---- raw_request: table->request + describe --------------------------------------------- */

/* {"name", "version", "provider", "file", "functions": [(name, signature, since, flags)]}, or
 * NULL with an exception (RuntimeError carrying the registry's message if describe fails). */
static PyObject *describe_dict(const capreg_api *handle)
{
    capreg_api_info info;
    capreg_error err;
    PyObject *dict = NULL, *functions = NULL, *value;
    size_t i;
    int rc;

    error_reset(&err);
    memset(&info, 0, sizeof(info));
    rc = registry->describe(handle, &info, &err);
    if (rc != CAPREG_OK) {
        value = checked_message(rc, &err);
        if (value != NULL) {
            PyErr_Format(PyExc_RuntimeError, "describe failed with code %d: %U", rc, value);
            Py_DECREF(value);
        }
        return NULL;
    }
    functions = PyList_New(0);
    if (functions == NULL)
        return NULL;
    for (i = 0; i < info.n_functions; i++) {
        capreg_function_info fi;
        PyObject *entry;

        memset(&fi, 0, sizeof(fi));
        error_reset(&err);
        rc = registry->describe_function(handle, i, &fi, &err);
        if (rc != CAPREG_OK) {
            value = checked_message(rc, &err);
            if (value != NULL) {
                PyErr_Format(PyExc_RuntimeError, "describe_function(%zu) failed with code %d: %U",
                             i, rc, value);
                Py_DECREF(value);
            }
            goto fail;
        }
        entry = Py_BuildValue("(NNNk)", str_or_none(fi.name), str_or_none(fi.signature),
                              str_or_none(fi.since), (unsigned long)fi.flags);
        if (entry == NULL)
            goto fail;
        if (PyList_Append(functions, entry) < 0) {
            Py_DECREF(entry);
            goto fail;
        }
        Py_DECREF(entry);
    }
    dict = Py_BuildValue("{sNsNsNsNsN}", "name", str_or_none(info.name), "version",
                         str_or_none(info.version), "provider", str_or_none(info.provider),
                         "file", str_or_none(info.file), "functions", functions);
    /* "N" stole functions, whether or not the build succeeded. */
    return dict;

fail:
    Py_XDECREF(functions);
    return NULL;
}

static PyObject *cc_raw_request(PyObject *self, PyObject *args)
{
    const char *api, *requirement, *requester;
    const capreg_api *handle = NULL;
    capreg_error err;
    PyObject *message, *described;
    int rc;

    (void)self;
    if (!PyArg_ParseTuple(args, "zzz:raw_request", &api, &requirement, &requester) ||
        require_bound() < 0)
        return NULL;
    error_reset(&err);
    rc = registry->request(api, requirement, requester, &handle, &err);
    if (rc != CAPREG_OK) {
        message = checked_message(rc, &err);
        if (message == NULL)
            return NULL;
        return Py_BuildValue("(iNO)", rc, message, Py_None);
    }
    if (handle == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "request returned CAPREG_OK but no handle");
        return NULL;
    }
    described = describe_dict(handle);
    if (described == NULL)
        return NULL;
    return Py_BuildValue("(isN)", rc, "", described);
}

/* ---- raw_resolve: request + resolve into a sentinel-filled array ------------------------ */

/* Its address marks "never written". Never called. */
static void sentinel_fn(void) {}

static PyObject *cc_raw_resolve(PyObject *self, PyObject *args)
{
    const char *api, *requirement, *requester;
    PyObject *seq, *message = NULL, *addresses = NULL, *result = NULL;
    const capreg_api *handle = NULL;
    capreg_error err;
    owned_items t;
    capreg_fn *out;
    size_t i;
    int rc, untouched = 1;

    (void)self;
    if (!PyArg_ParseTuple(args, "zzzO:raw_resolve", &api, &requirement, &requester, &seq) ||
        require_bound() < 0)
        return NULL;
    if (owned_items_init(&t, seq) < 0)
        return NULL;
    out = (capreg_fn *)PyMem_Malloc((t.n > 0 ? t.n : 1) * sizeof(capreg_fn));
    if (out == NULL) {
        owned_items_free(&t);
        return PyErr_NoMemory();
    }
    for (i = 0; i < t.n; i++)
        out[i] = sentinel_fn;

    error_reset(&err);
    rc = registry->request(api, requirement, requester, &handle, &err);
    if (rc == CAPREG_OK) {
        error_reset(&err);
        rc = registry->resolve(handle, requester, t.items, t.n, out, &err);
    }
    for (i = 0; i < t.n; i++) {
        if (out[i] != sentinel_fn)
            untouched = 0;
    }

    if (rc == CAPREG_OK)
        message = PyUnicode_FromString("");
    else
        message = checked_message(rc, &err);
    if (message == NULL)
        goto done;
    addresses = address_list(out, t.n);
    if (addresses == NULL) {
        Py_DECREF(message);
        goto done;
    }
    result = Py_BuildValue("(iNNO)", rc, message, addresses, untouched ? Py_True : Py_False);

done:
    PyMem_Free(out);
    owned_items_free(&t);
    return result;
}

/* ---- bad_inputs: every table function must refuse bad input, not crash ------------------ */

#define RECORD(case_name, call)                                                                \
    do {                                                                                       \
        error_reset(&err);                                                                     \
        rc = (call);                                                                           \
        if (record(list, case_name, rc, &err) < 0)                                             \
            goto fail;                                                                         \
    } while (0)

static PyObject *cc_bad_inputs(PyObject *self, PyObject *unused)
{
    const capreg_api *handle = NULL, *out_api = NULL;
    capreg_import_item good[1] = {{"fnv1a64", "uint64_t (const void *, size_t)", 0}};
    capreg_import_item item[1];
    capreg_fn out[1];
    capreg_api_info info;
    capreg_function_info finfo;
    capreg_error err;
    PyObject *list, *message;
    int rc;

    (void)self;
    (void)unused;
    if (require_bound() < 0)
        return NULL;

    /* A real handle, for the resolve / describe cases. */
    error_reset(&err);
    rc = registry->request("cstrings", "^1", REQUESTER, &handle, &err);
    if (rc != CAPREG_OK || handle == NULL) {
        message = checked_message(rc, &err);
        if (message != NULL) {
            PyErr_Format(PyExc_RuntimeError, "requesting cstrings ^1 failed (%d): %U", rc,
                         message);
            Py_DECREF(message);
        }
        return NULL;
    }

    list = PyList_New(0);
    if (list == NULL)
        return NULL;

    /* request */
    RECORD("request_null_api", registry->request(NULL, "^1", REQUESTER, &out_api, &err));
    RECORD("request_null_requirement",
           registry->request("cstrings", NULL, REQUESTER, &out_api, &err));
    RECORD("request_null_requester", registry->request("cstrings", "^1", NULL, &out_api, &err));
    RECORD("request_null_out", registry->request("cstrings", "^1", REQUESTER, NULL, &err));
    rc = registry->request(NULL, "^1", REQUESTER, &out_api, NULL);
    if (record(list, "request_null_err", rc, NULL) < 0)
        goto fail;
    RECORD("request_empty_api", registry->request("", "^1", REQUESTER, &out_api, &err));
    RECORD("request_non_utf8_api",
           registry->request("\xff\xfe", "^1", REQUESTER, &out_api, &err));
    RECORD("request_malformed_requirement",
           registry->request("cstrings", "^^1", REQUESTER, &out_api, &err));
    RECORD("request_empty_requirement",
           registry->request("cstrings", "", REQUESTER, &out_api, &err));

    /* resolve */
    RECORD("resolve_null_api", registry->resolve(NULL, REQUESTER, good, 1, out, &err));
    RECORD("resolve_null_items", registry->resolve(handle, REQUESTER, NULL, 1, out, &err));
    RECORD("resolve_null_out", registry->resolve(handle, REQUESTER, good, 1, NULL, &err));
    item[0] = good[0];
    item[0].name = NULL;
    RECORD("resolve_null_item_name", registry->resolve(handle, REQUESTER, item, 1, out, &err));
    item[0] = good[0];
    item[0].signature = "int (((";
    RECORD("resolve_malformed_signature",
           registry->resolve(handle, REQUESTER, item, 1, out, &err));
    item[0] = good[0];
    item[0].signature = NULL;
    RECORD("resolve_null_signature", registry->resolve(handle, REQUESTER, item, 1, out, &err));

    /* describe / describe_function */
    RECORD("describe_null_api", registry->describe(NULL, &info, &err));
    RECORD("describe_null_out", registry->describe(handle, NULL, &err));
    RECORD("describe_function_null_api", registry->describe_function(NULL, 0, &finfo, &err));
    RECORD("describe_function_null_out", registry->describe_function(handle, 0, NULL, &err));
    RECORD("describe_function_out_of_range",
           registry->describe_function(handle, 1000, &finfo, &err));
    return list;

fail:
    Py_DECREF(list);
    return NULL;
}

#undef RECORD

/* ---- stress: request + resolve in a loop with the GIL released -------------------------- */

static PyObject *cc_stress(PyObject *self, PyObject *args)
{
    const char *api_arg, *requirement_arg;
    char *api = NULL, *requirement = NULL;
    PyObject *seq, *message;
    Py_ssize_t iterations, done = 0, k;
    owned_items t;
    capreg_fn *first = NULL, *out = NULL;
    capreg_error err;
    size_t i, api_len, req_len, slots;
    int failed = 0;

    (void)self;
    if (!PyArg_ParseTuple(args, "ssOn:stress", &api_arg, &requirement_arg, &seq, &iterations) ||
        require_bound() < 0)
        return NULL;
    if (iterations < 0) {
        PyErr_SetString(PyExc_ValueError, "iterations must be >= 0");
        return NULL;
    }
    /* Everything the loop reads lives in C memory: no Python object is touched without the GIL. */
    if (owned_items_init(&t, seq) < 0)
        return NULL;
    api_len = strlen(api_arg);
    req_len = strlen(requirement_arg);
    slots = t.n > 0 ? t.n : 1;
    api = (char *)PyMem_Malloc(api_len + 1);
    requirement = (char *)PyMem_Malloc(req_len + 1);
    first = (capreg_fn *)PyMem_Malloc(slots * sizeof(capreg_fn));
    out = (capreg_fn *)PyMem_Malloc(slots * sizeof(capreg_fn));
    if (api == NULL || requirement == NULL || first == NULL || out == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    memcpy(api, api_arg, api_len + 1);
    memcpy(requirement, requirement_arg, req_len + 1);
    error_reset(&err);

    Py_BEGIN_ALLOW_THREADS
    for (k = 0; k < iterations && !failed; k++) {
        const capreg_api *handle = NULL;

        if (registry->request(api, requirement, REQUESTER, &handle, &err) != CAPREG_OK ||
            registry->resolve(handle, REQUESTER, t.items, t.n, out, &err) != CAPREG_OK) {
            failed = 1;
            break;
        }
        if (k == 0) {
            memcpy(first, out, slots * sizeof(capreg_fn));
        } else {
            for (i = 0; i < t.n; i++) {
                if (out[i] != first[i]) {
                    /* Built without Python: snprintf into the error struct we own. */
                    err.code = -1;
                    snprintf(err.message, sizeof(err.message),
                             "stress: iteration %lld resolved item %llu (%s) to a different "
                             "address than iteration 0",
                             (long long)k, (unsigned long long)i,
                             t.items[i].name != NULL ? t.items[i].name : "(null)");
                    failed = 1;
                    break;
                }
            }
        }
        if (!failed)
            done++;
    }
    Py_END_ALLOW_THREADS

    if (failed) {
        message = error_message(&err);
        if (message != NULL) {
            PyErr_SetObject(PyExc_RuntimeError, message);
            Py_DECREF(message);
        }
    }

done:
    PyMem_Free(api);
    PyMem_Free(requirement);
    PyMem_Free(first);
    PyMem_Free(out);
    owned_items_free(&t);
    if (PyErr_Occurred())
        return NULL;
    return PyLong_FromSsize_t(done);
}

/* ---- Module ----------------------------------------------------------------------------- */

static int cconsumer_exec(PyObject *module)
{
    capreg_fn cs[N_CSTRINGS], mk[N_MATHKIT];
    const capreg_registry *table;

    (void)module;
    /* Both imports raise a capreg.ResolutionError (an ImportError) naming everything on
     * failure; in a subinterpreter the registry refuses. */
    if (capreg_import("cstrings", "^1.0", REQUESTER, cstrings_items, N_CSTRINGS, cs) < 0)
        return -1;
    if (capreg_import("mathkit", "^1.2", REQUESTER, mathkit_items, N_MATHKIT, mk) < 0)
        return -1;
    table = capreg_get_registry();
    if (table == NULL)
        return -1;

    /* Cast each address back to the type its signature describes. */
    cs_fnv1a64 = (unsigned long long (*)(const void *, size_t))cs[0];
    cs_count_byte = (size_t (*)(const char *, size_t, char))cs[1];
    cs_clamp_len = (int (*)(Py_ssize_t))cs[2];
    cs_shout = (PyObject * (*)(PyObject *)) cs[3];
    cs_not_there = cs[4];
    mk_add_i64 = (int64_t (*)(int64_t, int64_t))mk[0];
    mk_checksum = (uint64_t (*)(const uint8_t *, size_t))mk[1];
    registry = table;
    return 0;
}

static PyMethodDef cconsumer_methods[] = {
    {"fnv1a64", cc_fnv1a64, METH_VARARGS, "fnv1a64(b: bytes) -> int  (cstrings)"},
    {"count_byte", cc_count_byte, METH_VARARGS, "count_byte(b: bytes, c: int) -> int  (cstrings)"},
    {"clamp_len", cc_clamp_len, METH_VARARGS, "clamp_len(n: int) -> int  (cstrings)"},
    {"shout", cc_shout, METH_O, "shout(obj) -> obj.upper()  (cstrings)"},
    {"has_optional", cc_has_optional, METH_NOARGS,
     "has_optional() -> bool: whether the optional cstrings.not_there resolved"},
    {"add_i64", cc_add_i64, METH_VARARGS, "add_i64(a: int, b: int) -> int  (mathkit)"},
    {"checksum", cc_checksum, METH_VARARGS, "checksum(b: bytes) -> int  (mathkit)"},
    {"import_table", (PyCFunction)(void (*)(void))cc_import_table, METH_VARARGS | METH_KEYWORDS,
     "import_table(api, requirement, items, requester='capreg_test_cconsumer') -> list\n\n"
     "capreg_import of [(name, signature, optional)]: addresses as int, None for NULL.\n"
     "Raises the capreg.ResolutionError the registry set."},
    {"raw_request", cc_raw_request, METH_VARARGS,
     "raw_request(api, requirement, requester) -> (code, message, dict | None)\n\n"
     "table->request; on success the dict describes the API version found."},
    {"raw_resolve", cc_raw_resolve, METH_VARARGS,
     "raw_resolve(api, requirement, requester, items) -> (code, message, addresses, untouched)\n\n"
     "table->request + table->resolve into a sentinel-filled array; untouched is True when no\n"
     "slot was written."},
    {"bad_inputs", cc_bad_inputs, METH_NOARGS,
     "bad_inputs() -> [(case, code, message)]: every raw table function fed bad input."},
    {"stress", cc_stress, METH_VARARGS,
     "stress(api, requirement, items, iterations) -> int\n\n"
     "request + resolve `iterations` times with the GIL released; RuntimeError on failure."},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot cconsumer_slots[] = {
    {Py_mod_exec, (void *)cconsumer_exec},
    {0, NULL},
};

static struct PyModuleDef cconsumer_module = {
    PyModuleDef_HEAD_INIT,
    "capreg_test_cconsumer",
    "A C consumer of cstrings ^1.0 and mathkit ^1.2 through capreg (a test extension).",
    0,
    cconsumer_methods,
    cconsumer_slots,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC PyInit_capreg_test_cconsumer(void)
{
    return PyModuleDef_Init(&cconsumer_module);
}
