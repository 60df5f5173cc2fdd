/*
 * sdlib.h - libsystemd loaded on first use (dlopen(3)), so that a daemon
 * neither run by systemd nor logging to the journal does not map it and
 * the compressors and crypto it links (about 1 MB of RSS).
 */
#ifndef THERMWATCH_SDLIB_H
#define THERMWATCH_SDLIB_H

#include <stdint.h>
#include <sys/uio.h>

/* sd_notify(3), sd_watchdog_enabled(3), sd_journal_sendv(3): the same
 * results, or -ENOSYS when libsystemd cannot be loaded. */
int sdl_notify(int unset_environment, const char *state);
int sdl_watchdog_enabled(int unset_environment, uint64_t *usec);
int sdl_journal_sendv(const struct iovec *iov, int n);

#endif
