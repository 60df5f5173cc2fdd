/*
 * sdlib.c - libsystemd's functions that we use, resolved from
 * libsystemd.so.0 the first time one is called. See sdlib.h.
 */
#include "sdlib.h"

#include <errno.h>
#include <stdbool.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#include "dlload.h"

typedef int notify_fn(int, const char *);
typedef int watchdog_fn(int, uint64_t *);
typedef int sendv_fn(const struct iovec *, int);

_Static_assert(DLL_SAME_TYPE(sd_notify, notify_fn), "sd_notify's type");
_Static_assert(DLL_SAME_TYPE(sd_watchdog_enabled, watchdog_fn),
    "sd_watchdog_enabled's type");
_Static_assert(
    DLL_SAME_TYPE(sd_journal_sendv, sendv_fn), "sd_journal_sendv's type");

static struct {
	struct dll_once once;
	notify_fn *notify;
	watchdog_fn *watchdog_enabled;
	sendv_fn *journal_sendv;
} sd;

static bool
load(void)
{
	const struct dll_sym syms[] = {
		DLL_SYM("sd_notify", sd.notify),
		DLL_SYM("sd_watchdog_enabled", sd.watchdog_enabled),
		DLL_SYM("sd_journal_sendv", sd.journal_sendv),
	};

	/* the library's ABI name */
	return dll_load(&sd.once, "libsystemd.so.0", syms,
	    (int)(sizeof(syms) / sizeof(syms[0])));
}

int
sdl_notify(int unset_environment, const char *state)
{
	return load() ? sd.notify(unset_environment, state) : -ENOSYS;
}

int
sdl_watchdog_enabled(int unset_environment, uint64_t *usec)
{
	return load() ? sd.watchdog_enabled(unset_environment, usec) : -ENOSYS;
}

int
sdl_journal_sendv(const struct iovec *iov, int n)
{
	return load() ? sd.journal_sendv(iov, n) : -ENOSYS;
}
