/*
 * spinlock.h - a test-and-test-and-set spinlock for state shared between
 * physical CPUs.
 *
 * The host runs with interrupts off outside guest entries, and no
 * interrupt handler takes a lock, so a holder is never interrupted by a
 * CPU-local path that wants the same lock. XCHG with a memory operand is
 * locked and a full barrier (SDM Vol 3A 9.1.2.2, 9.2.3.2); the release is
 * a plain store, which x86's ordering (stores are not reordered with
 * earlier loads or stores, SDM 3A 9.2.2) makes a release. PAUSE in the
 * wait loop (SDM Vol 2B PAUSE) eases the spin on hyper-threads and in
 * emulators.
 */
#ifndef NESTOR_LIB_SPINLOCK_H
#define NESTOR_LIB_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct spinlock {
	volatile uint32_t locked;
};

#define SPINLOCK_INIT { 0 }

static inline bool spin_trylock(struct spinlock *l)
{
	return __atomic_exchange_n(&l->locked, 1u, __ATOMIC_ACQUIRE) == 0;
}

static inline void spin_lock(struct spinlock *l)
{
	while (!spin_trylock(l))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			__asm__ volatile("pause" ::: "memory");
}

static inline void spin_unlock(struct spinlock *l) { __atomic_store_n(&l->locked, 0u, __ATOMIC_RELEASE); }

#endif
