// Atomic loads, stores and adds on plain `long`s, and a spin-wait hint, for Backprop's worker pool
// (`WorkerPool`): Swift's own `Synchronization.Atomic` needs macOS 15, and the package supports 13.
#ifndef BACKPROP_CATOMICS_H
#define BACKPROP_CATOMICS_H

static inline long bp_atomic_load(const long *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline void bp_atomic_store(long *p, long v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static inline long bp_atomic_add(long *p, long v) { return __atomic_add_fetch(p, v, __ATOMIC_ACQ_REL); }

/// Tells the core this thread is spinning (x86 `pause`, Arm `yield`).
static inline void bp_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield");
#endif
}

#endif
