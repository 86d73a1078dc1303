/* test_ring.c - SPSC ring and waiter behaviour; also run under ThreadSanitizer. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <pthread.h>
#include <time.h>
#include <stdint.h>

#include "ring.h"

Test(ring, capacity_rounds_up_and_fifo_order)
{
	scrm_ring r;
	cr_assert_eq(scrm_ring_init(&r, 5, NULL, NULL), 0);
	/* 5 rounds up to 8 */
	for (uintptr_t i = 1; i <= 8; i++)
		cr_assert(scrm_ring_try_push(&r, (void *)i), "push %zu", (size_t)i);
	cr_assert_not(scrm_ring_try_push(&r, (void *)9), "ring of 8 must be full");
	cr_assert_eq(scrm_ring_count(&r), 8);
	for (uintptr_t i = 1; i <= 8; i++)
		cr_assert_eq((uintptr_t)scrm_ring_try_pop(&r), i);
	cr_assert_null(scrm_ring_try_pop(&r));
	cr_assert_eq(scrm_ring_count(&r), 0);
	scrm_ring_destroy(&r);
}

Test(ring, wraps_around_many_times)
{
	scrm_ring r;
	cr_assert_eq(scrm_ring_init(&r, 2, NULL, NULL), 0);
	uintptr_t next_out = 1;
	for (uintptr_t i = 1; i <= 1001; i++) {
		cr_assert(scrm_ring_try_push(&r, (void *)i));
		if (i % 2 == 0) {
			cr_assert_eq((uintptr_t)scrm_ring_try_pop(&r), next_out++);
			cr_assert_eq((uintptr_t)scrm_ring_try_pop(&r), next_out++);
		}
	}
	cr_assert_eq((uintptr_t)scrm_ring_try_pop(&r), 1001);
	cr_assert_null(scrm_ring_try_pop(&r));
	scrm_ring_destroy(&r);
}

/* A payload written by the producer before the push and read by the consumer after
 * the pop: TSan flags it if the ring does not order the handover. */
typedef struct item {
	uint64_t value;
	uint64_t check;
} item;

typedef struct pc {
	scrm_ring *r;
	item *items;
	uint64_t n;
	uint64_t sum;
	uint64_t errors;
} pc;

static void *producer(void *arg)
{
	pc *p = arg;
	for (uint64_t i = 0; i < p->n; i++) {
		item *it = &p->items[i % 64];
		/* Reuse of slots is safe only because the consumer hands them back by
		 * popping before the producer can come round again (ring of 16 < 64). */
		it->value = i;
		it->check = i * 2654435761u;
		scrm_ring_push(p->r, it);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	pc *p = arg;
	for (uint64_t i = 0; i < p->n; i++) {
		item *it = scrm_ring_pop(p->r);
		if (it->value != i || it->check != i * 2654435761u)
			p->errors++;
		p->sum += it->value;
	}
	return NULL;
}

static void run_pair(size_t cap, uint64_t n)
{
	scrm_waiter wp, wc;
	scrm_waiter_init(&wp);
	scrm_waiter_init(&wc);
	scrm_ring r;
	cr_assert_eq(scrm_ring_init(&r, cap, &wp, &wc), 0);
	static item items[64];
	pc p = {.r = &r, .items = items, .n = n};
	pthread_t a, b;
	pthread_create(&b, NULL, consumer, &p);
	pthread_create(&a, NULL, producer, &p);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	cr_assert_eq(p.errors, 0, "%" PRIu64 " items arrived out of order or torn", p.errors);
	cr_assert_eq(p.sum, n * (n - 1) / 2);
	cr_assert_null(scrm_ring_try_pop(&r));
	scrm_ring_destroy(&r);
}

Test(ring, two_threads_tiny_ring_blocks_and_wakes)
{
	/* capacity 2 forces constant full/empty stalls and futex sleeps */
	run_pair(2, 200000);
}

Test(ring, two_threads_larger_ring)
{
	run_pair(16, 500000);
}

typedef struct sleeper {
	scrm_waiter *w;
	scrm_ring *r;
	void *got;
} sleeper;

static void *sleep_then_pop(void *arg)
{
	sleeper *s = arg;
	s->got = scrm_ring_pop(s->r);
	return NULL;
}

Test(ring, consumer_asleep_is_woken_by_push)
{
	scrm_waiter wc;
	scrm_waiter_init(&wc);
	scrm_ring r;
	cr_assert_eq(scrm_ring_init(&r, 4, NULL, &wc), 0);
	sleeper s = {.w = &wc, .r = &r};
	pthread_t th;
	pthread_create(&th, NULL, sleep_then_pop, &s);
	/* Wait until the consumer has really gone to sleep on the futex. */
	while (atomic_load(&wc.sleeps) == 0) {
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	static int payload = 42;
	cr_assert(scrm_ring_try_push(&r, &payload));
	pthread_join(th, NULL);
	cr_assert_eq(s.got, &payload);
	cr_assert_eq(*(int *)s.got, 42);
	cr_assert_geq(atomic_load(&r.empty_stalls), 1);
	scrm_ring_destroy(&r);
}
