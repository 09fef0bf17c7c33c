/* The sanitizer lane's canary: two deliberate bugs, one for each sanitizer. scripts/sanitizers.sh
 * builds this with the same flags as the C extensions and checks that each bug is reported, so
 * a lane that silently stopped instrumenting (or stopped preloading the runtimes) fails. */
#include <limits.h>
#include <stdlib.h>

int canary_heap_overflow(int n) {
    int *buffer = malloc(4 * sizeof(int));
    int value = buffer[n]; /* n = 4: one past the end */
    free(buffer);
    return value;
}

int canary_signed_overflow(int n) {
    return INT_MAX + n; /* n = 1: signed overflow */
}
