/*
 * swar.h - byte tests eight at a time in a uint64_t (SIMD within a register), for the
 * per-byte scans of short texts (topics.c, clf_cues.c, spam.c). Little-endian loads:
 * byte i of the text is bits 8i..8i+7.
 */
#ifndef SCRM_SWAR_H
#define SCRM_SWAR_H

#include <stdint.h>
#include <string.h>

#define SCRM_ONES UINT64_C(0x0101010101010101)

/* 0x80 in each byte of x that is 0, exactly (no borrow between bytes). */
static inline uint64_t scrm_zero_bytes(uint64_t x)
{
	const uint64_t m = UINT64_C(0x7F7F7F7F7F7F7F7F);
	return ~(((x & m) + m) | x | m);
}

/* 0x80 in each byte of x equal to c. */
static inline uint64_t scrm_eq_bytes(uint64_t x, unsigned char c) { return scrm_zero_bytes(x ^ (SCRM_ONES * c)); }

/* ASCII A-Z to a-z in the 8 bytes of v (others unchanged). */
static inline uint64_t scrm_lower8(uint64_t v)
{
	const uint64_t high = SCRM_ONES * 0x80;
	uint64_t a = v & ~high;
	uint64_t ge_a = a + SCRM_ONES * (0x80 - 'A'), gt_z = a + SCRM_ONES * (0x80 - 'Z' - 1);
	return v | (ge_a & ~gt_z & ~v & high) >> 2;
}

/* The set bits of x, inline: without -mpopcnt (the x86-64 baseline) __builtin_popcount
 * is a call into libgcc. */
static inline unsigned scrm_popcount64(uint64_t x)
{
	x -= (x >> 1) & UINT64_C(0x5555555555555555);
	x = (x & UINT64_C(0x3333333333333333)) + ((x >> 2) & UINT64_C(0x3333333333333333));
	x = (x + (x >> 4)) & UINT64_C(0x0F0F0F0F0F0F0F0F);
	return (unsigned)((x * SCRM_ONES) >> 56);
}

/* The 8 bytes at p. */
static inline uint64_t scrm_load8(const void *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

#endif
