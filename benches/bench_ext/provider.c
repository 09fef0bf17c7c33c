/* The provider half: "benchapi" published through capreg, and the very same functions in a
 * NumPy-style `void *` table capsule (capreg_bench._API). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "bench.h"

/* noinline: every call in the benchmark must be a real call through a pointer. */
#define BENCH_FN __attribute__((noinline)) static

BENCH_FN uint32_t version(void) { return 0x01000000u; }
BENCH_FN int64_t neg(int64_t x) { return -x; }
BENCH_FN int64_t mul2(int64_t x) { return 2 * x; }
BENCH_FN int64_t add1(int64_t x) { return x + 1; }

static const capreg_function benchapi_functions[] = {
    {"version", "uint32_t (void)", "1.0.0", (capreg_fn)version, 0},
    {"neg", "int64_t (int64_t)", "1.0.0", (capreg_fn)neg, 0},
    {"mul2", "int64_t (int64_t)", "1.0.0", (capreg_fn)mul2, 0},
    {"add1", "int64_t (int64_t)", "1.0.0", (capreg_fn)add1, 0},
};

/* Like NumPy's PyArray_API: slot i means whatever the header of the day says it means. */
static void *bench_api_table[BENCH_N_SLOTS] = {
    [BENCH_SLOT_VERSION] = (void *)version,
    [BENCH_SLOT_NEG] = (void *)neg,
    [BENCH_SLOT_MUL2] = (void *)mul2,
    [BENCH_SLOT_ADD1] = (void *)add1,
};

static int publish(const char *name, const capreg_function *functions, size_t n)
{
    capreg_api_decl decl = {sizeof(capreg_api_decl), 0, name, "1.0.0", "capreg_bench", functions, n};
    return capreg_publish(&decl);
}

int bench_provider_init(PyObject *module)
{
    PyObject *capsule;

    if (publish("benchapi", benchapi_functions, sizeof benchapi_functions / sizeof benchapi_functions[0]) < 0
        || publish("bench300", bench300_functions, BENCH_N300) < 0)
        return -1;
    capsule = PyCapsule_New((void *)bench_api_table, "capreg_bench._API", NULL);
    if (capsule == NULL || PyModule_AddObject(module, "_API", capsule) < 0) {
        Py_XDECREF(capsule);
        return -1;
    }
    return 0;
}
