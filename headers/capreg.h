/*
 * capreg.h -- publish and request native C APIs between Python extension modules.
 *
 * Header-only: nothing to link. Mirrors crates/capreg-abi/src/lib.rs section by section;
 * crates/capreg-abi/tests/layout.rs generates a C program that checks every size, alignment,
 * offset and constant against the Rust side.
 * Compiles as C99 and C++11 with -Wall -Wextra -pedantic.
 *
 * Consuming an API, in a module's init function (the GIL is held there):
 *
 *     static int (*my_add)(int64_t, int64_t);
 *     ...
 *     capreg_import_item items[] = {
 *         {"add_i64", "int64_t (int64_t, int64_t)", 0},
 *         {"newer_fn", "void (void)", CAPREG_OPTIONAL},
 *     };
 *     capreg_fn out[2];
 *     if (capreg_import("mathkit", "^1.2", "mypkg._native", items, 2, out) < 0)
 *         return NULL;          // a capreg.ResolutionError (an ImportError) is set
 *     my_add = (int (*)(int64_t, int64_t))out[0];
 *
 * Publishing an API: fill a capreg_api_decl and call capreg_publish(&decl) from PyInit_*.
 *
 * Without Python.h included first, only the types and constants are declared: a program with no
 * Python can still read Python-free provider libraries with them.
 */
#ifndef CAPREG_H
#define CAPREG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Constants ------------------------------------------------------------------------- */

#define CAPREG_MAGIC 0x43524547u /* 'CREG' */
#define CAPREG_ABI_MAJOR 1
#define CAPREG_ABI_MINOR 0
#define CAPREG_MODULE "capreg._capreg"
#define CAPREG_CAPSULE_ATTR "_REGISTRY"
#define CAPREG_CAPSULE_NAME "capreg._REGISTRY"
#define CAPREG_LIBRARY_SYMBOL "capreg_library_declarations"
/* Capacity of capreg_error.message, NUL included. A longer message is cut, and the cut is
 * marked with " [... N more bytes cut]". */
#define CAPREG_MESSAGE_CAPACITY 4096

/* ---- Result codes ---------------------------------------------------------------------- */
/* Generated from CAPREG_ERRORS in crates/capreg-abi/src/lib.rs, the one list of error
 * codes; do not edit: UPDATE_HEADERS=1 cargo test -p capreg-abi --test error_codes */

#define CAPREG_OK 0
#define CAPREG_ERR_NOT_FOUND 1          /* no provider publishes the API, even after discovery */
#define CAPREG_ERR_VERSION_MISMATCH 2   /* published, but no version satisfies the requirement */
#define CAPREG_ERR_MISSING_FUNCTION 3   /* required functions absent (message lists them all) */
#define CAPREG_ERR_SIGNATURE_MISMATCH 4 /* functions present with other signatures */
#define CAPREG_ERR_CONFLICT 5           /* another provider owns that name (and major) */
#define CAPREG_ERR_BAD_ARGUMENT 6       /* NULL, empty, non-UTF-8, malformed version/signature */
#define CAPREG_ERR_ABI_MISMATCH 7       /* wrong magic, major or size */
#define CAPREG_ERR_INTERNAL 8           /* a bug in capreg: please report it */
#define CAPREG_ERR_SUBINTERPRETER 9     /* called from a legacy subinterpreter: refused */
#define CAPREG_ERR_PROVIDER_LOAD 10     /* discovery found a provider but importing it failed */

/* ---- Flags ----------------------------------------------------------------------------- */

#define CAPREG_OPTIONAL (1u << 0)   /* import item: absent resolves to NULL, no error */
#define CAPREG_DEPRECATED (1u << 1) /* function: resolving it warns, naming the consumer */

/* ---- Types ----------------------------------------------------------------------------- */

/* A type-erased function pointer: cast it back to the type its signature describes. */
typedef void (*capreg_fn)(void);

typedef struct capreg_error {
    int code;                              /* CAPREG_OK or CAPREG_ERR_* */
    char message[CAPREG_MESSAGE_CAPACITY]; /* NUL-terminated UTF-8 */
} capreg_error;

typedef struct capreg_function {
    const char *name;      /* "sort_i64" */
    const char *signature; /* "fn(*mut i64, usize) -> i32" or "int (int64_t *, size_t)" */
    const char *since;     /* the API version that introduced it: "1.2.0" */
    capreg_fn address;
    uint32_t flags; /* CAPREG_DEPRECATED or 0 */
} capreg_function;

typedef struct capreg_api_decl {
    uint32_t size;        /* sizeof(capreg_api_decl) */
    uint32_t flags;       /* reserved, 0 */
    const char *name;     /* "wildsort" */
    const char *version;  /* semver: "1.4.0" */
    const char *provider; /* Python module ("wildsort._wildsort") or library path */
    const capreg_function *functions;
    size_t n_functions;
} capreg_api_decl;

typedef struct capreg_import_item {
    const char *name;
    const char *signature;
    uint32_t flags; /* CAPREG_OPTIONAL or 0 */
} capreg_import_item;

/* A published API version: owned by the registry, valid for the life of the process. */
typedef struct capreg_api capreg_api;

typedef struct capreg_api_info {
    const char *name;
    const char *version;
    const char *provider;
    const char *file; /* where its functions were loaded from, or "" */
    size_t n_functions;
} capreg_api_info;

typedef struct capreg_function_info {
    const char *name;
    const char *signature; /* canonical form */
    const char *since;
    uint32_t flags;
} capreg_function_info;

/* Exported by a Python-free provider library as CAPREG_LIBRARY_SYMBOL: stores its declarations
 * and their count, returns CAPREG_ABI_MAJOR. */
typedef int (*capreg_library_fn)(const capreg_api_decl **decls, size_t *n_decls);

/* The process-wide registry table. Append only: a reader checks `size` before touching a field
 * appended after the ABI minor it was built against. No function unwinds, aborts, or writes an
 * output on failure; on failure *err (when not NULL) holds the code and the whole story. */
typedef struct capreg_registry {
    uint32_t magic;     /* CAPREG_MAGIC */
    uint16_t abi_major; /* CAPREG_ABI_MAJOR */
    uint16_t abi_minor; /* number of appended groups */
    uint32_t size;      /* sizeof(capreg_registry) as the registry was built */
    uint32_t reserved;

    /* ---- ABI 1.0 ---- */
    /* Publish one API version; publishing the same declaration again is a no-op. */
    int (*publish)(const capreg_api_decl *decl, capreg_error *err);
    /* Highest published version of `api` satisfying `requirement` ("^1.2", ">=1.2, <3");
     * discovers and imports its provider if needed. `requester` names the consumer. */
    int (*request)(const char *api, const char *requirement, const char *requester,
                   const capreg_api **out, capreg_error *err);
    /* Resolve a whole import table: fill out[0..n_items] or, on failure, write nothing and
     * report every missing or mismatched function. */
    int (*resolve)(const capreg_api *api, const char *requester, const capreg_import_item *items,
                   size_t n_items, capreg_fn *out, capreg_error *err);
    int (*describe)(const capreg_api *api, capreg_api_info *out, capreg_error *err);
    /* Function `index` (0-based, publication order) of an API version. */
    int (*describe_function)(const capreg_api *api, size_t index, capreg_function_info *out,
                             capreg_error *err);
    /* request + resolve, GIL held: 0, or -1 with a capreg.ResolutionError set. Deprecated
     * functions emit a DeprecationWarning naming the requester. out_api may be NULL. */
    int (*import_py)(const char *api, const char *requirement, const char *requester,
                     const capreg_import_item *items, size_t n_items, capreg_fn *out,
                     const capreg_api **out_api);
    /* publish, GIL held: 0, or -1 with a Python exception set. */
    int (*publish_py)(const capreg_api_decl *decl);
} capreg_registry;

/* Size of a table with every field of ABI 1.0. */
#define CAPREG_REGISTRY_SIZE_1_0 \
    (offsetof(capreg_registry, publish_py) + sizeof(int (*)(const capreg_api_decl *)))

/* ---- Python helpers (only when Python.h was included first) ---------------------------- */

#ifdef Py_PYTHON_H

/* The registry table, or NULL with an ImportError set. Imports capreg._capreg by its full name,
 * so it works whether or not `capreg` was imported before. */
static inline const capreg_registry *capreg_get_registry(void)
{
    PyObject *module, *capsule;
    const capreg_registry *table;

    module = PyImport_ImportModule(CAPREG_MODULE);
    if (module == NULL) {
        /* Not installed: say how to fix it. Any other failure keeps its own, better message. */
        if (PyErr_ExceptionMatches(PyExc_ModuleNotFoundError)) {
            PyErr_Clear();
            PyErr_SetString(PyExc_ImportError,
                            "capreg: cannot import the registry module '" CAPREG_MODULE
                            "'; install it with: pip install capreg");
        }
        return NULL;
    }
    capsule = PyObject_GetAttrString(module, CAPREG_CAPSULE_ATTR);
    Py_DECREF(module);
    if (capsule == NULL) {
        PyErr_SetString(PyExc_ImportError, "capreg: '" CAPREG_MODULE "' has no '" CAPREG_CAPSULE_ATTR
                                           "' capsule; reinstall it with: pip install -U capreg");
        return NULL;
    }
    table = (const capreg_registry *)PyCapsule_GetPointer(capsule, CAPREG_CAPSULE_NAME);
    Py_DECREF(capsule);
    if (table == NULL) {
        PyErr_SetString(PyExc_ImportError, "capreg: '" CAPREG_MODULE "." CAPREG_CAPSULE_ATTR
                                           "' is not a '" CAPREG_CAPSULE_NAME "' capsule");
        return NULL;
    }
    if (table->magic != CAPREG_MAGIC) {
        PyErr_Format(PyExc_ImportError,
                     "capreg: '" CAPREG_MODULE "." CAPREG_CAPSULE_ATTR "' does not hold a capreg "
                     "registry table: its magic is 0x%08x, not 0x%08x ('CREG'), so something other "
                     "than capreg installed '" CAPREG_MODULE "': reinstall capreg with: pip install "
                     "--force-reinstall capreg",
                     (unsigned)table->magic, (unsigned)CAPREG_MAGIC);
        return NULL;
    }
    if (table->abi_major < CAPREG_ABI_MAJOR) {
        PyErr_Format(PyExc_ImportError,
                     "capreg: the installed registry has ABI major %d; this module was built for ABI "
                     "major %d: upgrade capreg: pip install -U capreg",
                     (int)table->abi_major, CAPREG_ABI_MAJOR);
        return NULL;
    }
    if (table->abi_major > CAPREG_ABI_MAJOR) {
        PyErr_Format(PyExc_ImportError,
                     "capreg: the installed registry has ABI major %d; this module was built for ABI "
                     "major %d: rebuild this module against the installed capreg's headers, or "
                     "install a capreg release that speaks ABI major %d",
                     (int)table->abi_major, CAPREG_ABI_MAJOR, CAPREG_ABI_MAJOR);
        return NULL;
    }
    if (table->size < CAPREG_REGISTRY_SIZE_1_0) {
        PyErr_Format(PyExc_ImportError,
                     "capreg: the installed registry table is %u bytes, smaller than the %u bytes "
                     "of ABI 1.0; reinstall it with: pip install -U capreg",
                     (unsigned)table->size, (unsigned)CAPREG_REGISTRY_SIZE_1_0);
        return NULL;
    }
    return table;
}

/* Request `api` matching `requirement` and resolve `items` into `out` (all or nothing).
 * Returns 0, or -1 with a capreg.ResolutionError (an ImportError) set that names everything. */
static inline int capreg_import(const char *api, const char *requirement, const char *requester,
                                const capreg_import_item *items, size_t n_items, capreg_fn *out)
{
    const capreg_registry *table = capreg_get_registry();
    if (table == NULL)
        return -1;
    return table->import_py(api, requirement, requester, items, n_items, out, NULL);
}

/* Publish one API version from a module's init function. Returns 0, or -1 with an exception. */
static inline int capreg_publish(const capreg_api_decl *decl)
{
    const capreg_registry *table = capreg_get_registry();
    if (table == NULL)
        return -1;
    return table->publish_py(decl);
}

#endif /* Py_PYTHON_H */

#ifdef __cplusplus
}
#endif

#endif /* CAPREG_H */
