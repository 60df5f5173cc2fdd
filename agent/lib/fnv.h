/*
 * fnv.h - FNV-1a hashes, for names that are looked up or compared by a
 * hash (sensor ids, telemetry layouts, what a rescan compares). Not for
 * anything an attacker chooses to collide with.
 */
#ifndef THERMWATCH_FNV_H
#define THERMWATCH_FNV_H

#include <stddef.h>
#include <stdint.h>

#define FNV32_INIT 2166136261u
#define FNV64_INIT 0xcbf29ce484222325ULL

static inline uint32_t
fnv32(uint32_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 16777619u;
	return h;
}

static inline uint64_t
fnv64(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ULL;
	return h;
}

#endif
