/* ring.c - SPSC rings and futex waiters (see ring.h for the design). */
#include "ring.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Spins before sleeping: long enough to ride out a handover in progress, short
 * enough not to steal a core from the thread we wait for on a 2-core machine. */
#define SCRM_SPIN 64

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

void scrm_waiter_init(scrm_waiter *w)
{
	atomic_init(&w->seq, 0);
	atomic_init(&w->sleeping, 0);
	atomic_init(&w->sleeps, 0);
}

uint32_t scrm_waiter_prepare(scrm_waiter *w)
{
	uint32_t token = atomic_load_explicit(&w->seq, memory_order_acquire);
	atomic_store_explicit(&w->sleeping, 1, memory_order_seq_cst);
	/* Pairs with the fence in notify: either we see the other side's publication
	 * when we re-check, or it sees sleeping == 1 and bumps seq. */
	atomic_thread_fence(memory_order_seq_cst);
	return token;
}

void scrm_waiter_sleep(scrm_waiter *w, uint32_t token)
{
	atomic_fetch_add_explicit(&w->sleeps, 1, memory_order_relaxed);
	while (atomic_load_explicit(&w->seq, memory_order_acquire) == token) {
		long rc = syscall(SYS_futex, &w->seq, FUTEX_WAIT_PRIVATE, token, NULL, NULL, 0);
		if (rc == -1 && errno != EAGAIN && errno != EINTR)
			break;
	}
	atomic_store_explicit(&w->sleeping, 0, memory_order_relaxed);
}

void scrm_waiter_cancel(scrm_waiter *w)
{
	atomic_store_explicit(&w->sleeping, 0, memory_order_relaxed);
}

void scrm_waiter_notify(scrm_waiter *w)
{
	if (!w)
		return;
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&w->sleeping, memory_order_seq_cst)) {
		atomic_fetch_add_explicit(&w->seq, 1, memory_order_release);
		syscall(SYS_futex, &w->seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	}
}

int scrm_ring_init(scrm_ring *r, size_t capacity, scrm_waiter *producer, scrm_waiter *consumer)
{
	size_t cap = 2;
	while (cap < capacity)
		cap *= 2;
	void **slots = calloc(cap, sizeof *slots);
	if (!slots)
		return -ENOMEM;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	atomic_init(&r->empty_stalls, 0);
	atomic_init(&r->full_stalls, 0);
	r->tail_cache = 0;
	r->head_cache = 0;
	r->slots = slots;
	r->mask = cap - 1;
	r->producer = producer;
	r->consumer = consumer;
	return 0;
}

void scrm_ring_destroy(scrm_ring *r)
{
	if (!r)
		return;
	free(r->slots);
	r->slots = NULL;
}

bool scrm_ring_try_push(scrm_ring *r, void *item)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	if (tail - r->head_cache > r->mask) {
		r->head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
		if (tail - r->head_cache > r->mask)
			return false;
	}
	r->slots[tail & r->mask] = item;
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
	scrm_waiter_notify(r->consumer);
	return true;
}

void *scrm_ring_try_pop(scrm_ring *r)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	if (head == r->tail_cache) {
		r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
		if (head == r->tail_cache)
			return NULL;
	}
	void *item = r->slots[head & r->mask];
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	scrm_waiter_notify(r->producer);
	return item;
}

void scrm_ring_push(scrm_ring *r, void *item)
{
	if (scrm_ring_try_push(r, item))
		return;
	atomic_fetch_add_explicit(&r->full_stalls, 1, memory_order_relaxed);
	for (;;) {
		for (int i = 0; i < SCRM_SPIN; i++) {
			cpu_relax();
			if (scrm_ring_try_push(r, item))
				return;
		}
		uint32_t token = scrm_waiter_prepare(r->producer);
		if (scrm_ring_try_push(r, item)) {
			scrm_waiter_cancel(r->producer);
			return;
		}
		scrm_waiter_sleep(r->producer, token);
	}
}

void *scrm_ring_pop(scrm_ring *r)
{
	void *item = scrm_ring_try_pop(r);
	if (item)
		return item;
	atomic_fetch_add_explicit(&r->empty_stalls, 1, memory_order_relaxed);
	for (;;) {
		for (int i = 0; i < SCRM_SPIN; i++) {
			cpu_relax();
			if ((item = scrm_ring_try_pop(r)))
				return item;
		}
		uint32_t token = scrm_waiter_prepare(r->consumer);
		if ((item = scrm_ring_try_pop(r))) {
			scrm_waiter_cancel(r->consumer);
			return item;
		}
		scrm_waiter_sleep(r->consumer, token);
	}
}

size_t scrm_ring_count(scrm_ring *r)
{
	uint64_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
	uint64_t h = atomic_load_explicit(&r->head, memory_order_acquire);
	return (size_t)(t - h);
}
