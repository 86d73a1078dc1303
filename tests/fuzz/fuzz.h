/*
 * fuzz.h - what every libFuzzer target here shares: CHECK(), an invariant that stops the
 * run with the failed condition and its place when it does not hold (libFuzzer then saves
 * the input), and the entry point's prototype.
 */
#ifndef SCRM_FUZZ_H
#define SCRM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                 \
		}                                                                                \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
