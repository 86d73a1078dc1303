/*
 * ring.h - bounded single-producer/single-consumer rings and the waiters that let an
 * idle thread sleep instead of spinning.
 *
 * DESIGN. Stages of the pipeline talk only through these rings; a ring carries
 * pointers to whole batches (chunks), and pushing a pointer hands the batch over.
 * The producer owns `tail`, the consumer owns `head`; each index sits on its own cache
 * line, with a cached copy of the other side's index next to it so that the common case
 * touches no shared line. Publication is a release store of the index, observation an
 * acquire load (the liburing barrier.h discipline).
 *
 * A thread that finds nothing to do sleeps on its own scrm_waiter (a futex word). The
 * other side of every ring it uses calls scrm_waiter_notify() after a push or pop, which
 * costs one fence and one load unless the thread is actually asleep: there is no syscall
 * per batch while everyone is busy, and never one per record.
 *
 * Threads: scrm_ring_try_push/push by the one producer thread only; try_pop/pop/peek by
 * the one consumer thread only. Stall counters are written by their side and may be read
 * by any thread (relaxed).
 */
#ifndef SCRM_RING_H
#define SCRM_RING_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCRM_CACHELINE 64

/* One per thread that may sleep. */
typedef struct scrm_waiter {
	alignas(SCRM_CACHELINE) _Atomic uint32_t seq; /* futex word, bumped by notify */
	_Atomic uint32_t sleeping;                    /* 1 between prepare and wake */
	_Atomic uint64_t sleeps;                      /* how often this thread slept */
} scrm_waiter;

void scrm_waiter_init(scrm_waiter *w);

/* Announce the intent to sleep; returns the token for scrm_waiter_sleep(). After this
 * call the thread must re-check every condition it waits for, then either sleep or
 * call scrm_waiter_cancel(). */
uint32_t scrm_waiter_prepare(scrm_waiter *w);
void scrm_waiter_sleep(scrm_waiter *w, uint32_t token);
void scrm_waiter_cancel(scrm_waiter *w);

/* Wake `w` if it sleeps (NULL is ignored). Call after publishing what it waits for. */
void scrm_waiter_notify(scrm_waiter *w);

typedef struct scrm_ring {
	alignas(SCRM_CACHELINE) _Atomic uint64_t head; /* next slot to pop (consumer) */
	uint64_t tail_cache;                           /* consumer's copy of tail */
	_Atomic uint64_t empty_stalls;                 /* pops that had to wait */
	alignas(SCRM_CACHELINE) _Atomic uint64_t tail; /* next slot to push (producer) */
	uint64_t head_cache;                           /* producer's copy of head */
	_Atomic uint64_t full_stalls;                  /* pushes that had to wait */
	alignas(SCRM_CACHELINE) void **slots;
	uint64_t mask;
	scrm_waiter *producer; /* woken after a pop */
	scrm_waiter *consumer; /* woken after a push */
} scrm_ring;

/* Initialise with room for `capacity` items (rounded up to a power of two, >= 2).
 * The waiters may be NULL for a side that never sleeps. Returns 0 or -ENOMEM. */
int scrm_ring_init(scrm_ring *r, size_t capacity, scrm_waiter *producer, scrm_waiter *consumer);
void scrm_ring_destroy(scrm_ring *r);

/* Non-blocking push; false if full. `item` must not be NULL. Producer only. */
bool scrm_ring_try_push(scrm_ring *r, void *item);

/* Non-blocking pop; NULL if empty. Consumer only. */
void *scrm_ring_try_pop(scrm_ring *r);

/* Blocking push: sleeps on the producer's waiter while full. */
void scrm_ring_push(scrm_ring *r, void *item);

/* Blocking pop: sleeps on the consumer's waiter while empty. */
void *scrm_ring_pop(scrm_ring *r);

/* Items currently queued (approximate when read by a third thread). */
size_t scrm_ring_count(scrm_ring *r);

#endif
