/*
 * wildsort.h -- the C API 'wildsort' 1.0.0, for consumers that reach it through capreg.
 *
 * GENERATED from the Rust declaration of 'wildsort' by capreg-header. Do not edit:
 * UPDATE_HEADERS=1 cargo test -p wildsort --test header
 *
 * Use (the GIL held, e.g. in a module's init; Python.h and capreg.h first):
 *
 *     static Wildsort_API wildsort;
 *     if (Wildsort_Import(&wildsort, "^1.0", "mypkg._native") < 0)
 *         return NULL;   // a capreg.ResolutionError (an ImportError) is set
 *     wildsort.sort_i64(...);
 */
/*
 * THE CONTRACT (wildsort 1.0)
 *
 * No function needs the GIL or Python; all are safe to call from any thread on distinct
 * buffers. Every function returns a status:
 */
#ifndef WILDSORT_OK
#define WILDSORT_OK 0            /* done */
#define WILDSORT_ERR_NULL (-1)     /* a buffer was NULL with a non-zero length (NULL with 0 is fine) */
#define WILDSORT_ERR_INTERNAL (-2) /* a bug in wildsort, caught (never unwound into C) */
#define WILDSORT_ERR_LENGTH (-3)   /* a record count whose buffer size overflows size_t */
#endif
/*
 * Order: integers ascending; f64/f32 by IEEE 754 totalOrder (Rust's f64::total_cmp):
 * -NaN < -inf < ... < -0.0 < 0.0 < ... < inf < NaN.
 * argsort_*(keys, n, out) writes into `out` the n indices that sort `keys`, stably; it allocates
 * one scratch buffer of n uint64_t. argsort_*_scratch(keys, n, out, scratch) does the same in the
 * caller's `scratch` of n uint64_t (contents overwritten; overlapping neither `keys` nor `out`).
 * From 131,072 keys on, the argsorts share the work with threads of their own, done before
 * they return: one thread a core in all, at most 8; the environment variable WILDSORT_THREADS
 * (read once per process) caps the count, 1 keeping all the work on the calling thread. The
 * helper threads are kept between sorts; they end after a second without work, and before the
 * process forks (pthread_atfork), so a forked child starts its own.
 * sort_pairs_i64(pairs, n) sorts n (key, payload) records interleaved in 2n int64_t
 * ([key0, payload0, key1, ...]) by key, stably (only keys are compared); it allocates one
 * scratch copy. sort_pairs_i64_scratch(pairs, n, scratch) does the same in the caller's
 * `scratch` of 2n int64_t (contents overwritten; must not overlap `pairs`), so a caller
 * sorting repeatedly can keep one buffer. version() returns major << 16 | minor << 8 | patch.
 */
#ifndef WILDSORT_H
#define WILDSORT_H

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif
#include "capreg.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WILDSORT_API_NAME "wildsort"
#define WILDSORT_API_VERSION "1.0.0"

/* sort_i64: fn(*mut i64, usize) -> i32 (since 1.0) */
typedef int32_t (*wildsort_sort_i64_fn)(int64_t *, size_t);
/* sort_u64: fn(*mut u64, usize) -> i32 (since 1.0) */
typedef int32_t (*wildsort_sort_u64_fn)(uint64_t *, size_t);
/* sort_i32: fn(*mut i32, usize) -> i32 (since 1.0) */
typedef int32_t (*wildsort_sort_i32_fn)(int32_t *, size_t);
/* sort_u32: fn(*mut u32, usize) -> i32 (since 1.0) */
typedef int32_t (*wildsort_sort_u32_fn)(uint32_t *, size_t);
/* sort_f64: fn(*mut f64, usize) -> i32 (since 1.0) */
typedef int32_t (*wildsort_sort_f64_fn)(double *, size_t);
/* sort_f32: fn(*mut f32, usize) -> i32 (since 1.0) */
typedef int32_t (*wildsort_sort_f32_fn)(float *, size_t);
/* argsort_i64: fn(*const i64, usize, *mut usize) -> i32 (since 1.0) */
typedef int32_t (*wildsort_argsort_i64_fn)(int64_t const *, size_t, size_t *);
/* argsort_f64: fn(*const f64, usize, *mut usize) -> i32 (since 1.0) */
typedef int32_t (*wildsort_argsort_f64_fn)(double const *, size_t, size_t *);
/* argsort_i64_scratch: fn(*const i64, usize, *mut usize, *mut u64) -> i32 (since 1.0) */
typedef int32_t (*wildsort_argsort_i64_scratch_fn)(int64_t const *, size_t, size_t *, uint64_t *);
/* argsort_f64_scratch: fn(*const f64, usize, *mut usize, *mut u64) -> i32 (since 1.0) */
typedef int32_t (*wildsort_argsort_f64_scratch_fn)(double const *, size_t, size_t *, uint64_t *);
/* sort_pairs_i64: fn(*mut i64, usize) -> i32 (since 1.0) */
typedef int32_t (*wildsort_sort_pairs_i64_fn)(int64_t *, size_t);
/* sort_pairs_i64_scratch: fn(*mut i64, usize, *mut i64) -> i32 (since 1.0) */
typedef int32_t (*wildsort_sort_pairs_i64_scratch_fn)(int64_t *, size_t, int64_t *);
/* version: fn() -> u32 (since 1.0) */
typedef uint32_t (*wildsort_version_fn)(void);

/* Every function of wildsort 1.0.0, resolved by name and checked by signature. */
typedef struct Wildsort_API {
    wildsort_sort_i64_fn sort_i64;
    wildsort_sort_u64_fn sort_u64;
    wildsort_sort_i32_fn sort_i32;
    wildsort_sort_u32_fn sort_u32;
    wildsort_sort_f64_fn sort_f64;
    wildsort_sort_f32_fn sort_f32;
    wildsort_argsort_i64_fn argsort_i64;
    wildsort_argsort_f64_fn argsort_f64;
    wildsort_argsort_i64_scratch_fn argsort_i64_scratch;
    wildsort_argsort_f64_scratch_fn argsort_f64_scratch;
    wildsort_sort_pairs_i64_fn sort_pairs_i64;
    wildsort_sort_pairs_i64_scratch_fn sort_pairs_i64_scratch;
    wildsort_version_fn version;
} Wildsort_API;

#ifdef Py_PYTHON_H
/* Resolves every function of 'wildsort' matching `requirement` into *api. Returns 0, or -1 with a
 * capreg.ResolutionError set that names `consumer`, the version found and the fix. */
static inline int Wildsort_Import(Wildsort_API *api, const char *requirement, const char *consumer)
{
    static const capreg_import_item items[13] = {
        {"sort_i64", "fn(*mut i64, usize) -> i32", 0},
        {"sort_u64", "fn(*mut u64, usize) -> i32", 0},
        {"sort_i32", "fn(*mut i32, usize) -> i32", 0},
        {"sort_u32", "fn(*mut u32, usize) -> i32", 0},
        {"sort_f64", "fn(*mut f64, usize) -> i32", 0},
        {"sort_f32", "fn(*mut f32, usize) -> i32", 0},
        {"argsort_i64", "fn(*const i64, usize, *mut usize) -> i32", 0},
        {"argsort_f64", "fn(*const f64, usize, *mut usize) -> i32", 0},
        {"argsort_i64_scratch", "fn(*const i64, usize, *mut usize, *mut u64) -> i32", 0},
        {"argsort_f64_scratch", "fn(*const f64, usize, *mut usize, *mut u64) -> i32", 0},
        {"sort_pairs_i64", "fn(*mut i64, usize) -> i32", 0},
        {"sort_pairs_i64_scratch", "fn(*mut i64, usize, *mut i64) -> i32", 0},
        {"version", "fn() -> u32", 0},
    };
    capreg_fn out[13];
    if (capreg_import(WILDSORT_API_NAME, requirement, consumer, items, 13, out) < 0)
        return -1;
    api->sort_i64 = (wildsort_sort_i64_fn)out[0];
    api->sort_u64 = (wildsort_sort_u64_fn)out[1];
    api->sort_i32 = (wildsort_sort_i32_fn)out[2];
    api->sort_u32 = (wildsort_sort_u32_fn)out[3];
    api->sort_f64 = (wildsort_sort_f64_fn)out[4];
    api->sort_f32 = (wildsort_sort_f32_fn)out[5];
    api->argsort_i64 = (wildsort_argsort_i64_fn)out[6];
    api->argsort_f64 = (wildsort_argsort_f64_fn)out[7];
    api->argsort_i64_scratch = (wildsort_argsort_i64_scratch_fn)out[8];
    api->argsort_f64_scratch = (wildsort_argsort_f64_scratch_fn)out[9];
    api->sort_pairs_i64 = (wildsort_sort_pairs_i64_fn)out[10];
    api->sort_pairs_i64_scratch = (wildsort_sort_pairs_i64_scratch_fn)out[11];
    api->version = (wildsort_version_fn)out[12];
    return 0;
}
#endif /* Py_PYTHON_H */

#ifdef __cplusplus
}
#endif

#endif /* WILDSORT_H */
