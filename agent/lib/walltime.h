/*
 * walltime.h - wall-clock time for what people read (status, override
 * expiry, files that outlive a boot): now, the wall time of a monotonic
 * instant, ISO 8601 text. Intervals and timers use the monotonic clock of
 * the loop instead.
 */
#ifndef THERMWATCH_WALLTIME_H
#define THERMWATCH_WALLTIME_H

#include <stddef.h>
#include <stdint.h>

/* Seconds since the epoch (CLOCK_REALTIME). */
double wt_now(void);
/* The wall time at which monotonic mono_ms comes (or came), given that
 * the monotonic clock reads now_ms. */
double wt_of_mono(int64_t mono_ms, int64_t now_ms);
/* "2026-11-25T03:00:00Z" into buf; 0, or -1 (buf then holds "?"). */
int wt_iso(double unix_s, char *buf, size_t len);

#endif
