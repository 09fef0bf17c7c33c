/* Shared between the provider half (provider.c, api300_gen.c) and the consumer half
 * (capreg_bench.c) of the bench module. They live in separate translation units on purpose:
 * like two real extensions, the consumer's compiler never sees the provider's functions. */
#ifndef CAPREG_BENCH_H
#define CAPREG_BENCH_H

#include "capreg.h"

#define BENCH_N300 300

/* api300_gen.c: bench300's published functions, and two import tables for them: the
 * signatures spelled as published, and equivalent C respellings. */
extern const capreg_function bench300_functions[BENCH_N300];
extern const capreg_import_item bench300_exact[BENCH_N300];
extern const capreg_import_item bench300_respelled[BENCH_N300];

/* The NumPy-style table: slot numbers are the whole contract. */
#define BENCH_SLOT_VERSION 0
#define BENCH_SLOT_NEG 1
#define BENCH_SLOT_MUL2 2
#define BENCH_SLOT_ADD1 3
#define BENCH_N_SLOTS 4

/* provider.c: publishes "benchapi" 1.0.0 and "bench300" 1.0.0 and adds the `_API` capsule to
 * the module. 0, or -1 with an exception set. */
int bench_provider_init(PyObject *module);

#endif
