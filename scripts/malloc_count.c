/* Counts heap allocations of a process, for `scripts/count_allocations.sh`.
 *
 * Built as a shared library and loaded with LD_PRELOAD, it wraps malloc, calloc, realloc,
 * posix_memalign, aligned_alloc and memalign (glibc's __libc_* versions do the work) and counts
 * every call. `backprop bench model` looks up backprop_allocation_count() and, when it is there,
 * reports allocations per training step. Linux/glibc only; a measuring tool, not part of Backprop.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <errno.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static unsigned long long count;
static unsigned long long bytes;

unsigned long long backprop_allocation_count(void) { return __atomic_load_n(&count, __ATOMIC_RELAXED); }
unsigned long long backprop_allocated_bytes(void) { return __atomic_load_n(&bytes, __ATOMIC_RELAXED); }

static void note(size_t n) {
    __atomic_add_fetch(&count, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&bytes, n, __ATOMIC_RELAXED);
}

void *malloc(size_t n) { note(n); return __libc_malloc(n); }
void *calloc(size_t k, size_t n) { note(k * n); return __libc_calloc(k, n); }
void *realloc(void *p, size_t n) { note(n); return __libc_realloc(p, n); }
void *memalign(size_t a, size_t n) { note(n); return __libc_memalign(a, n); }
void *aligned_alloc(size_t a, size_t n) { note(n); return __libc_memalign(a, n); }
int posix_memalign(void **out, size_t a, size_t n) {
    note(n);
    void *p = __libc_memalign(a, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
