/*
 * sdlib.c - libsystemd's functions that we use, resolved from
 * libsystemd.so.0 the first time one is called. See sdlib.h.
 */
#include "sdlib.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

typedef int notify_fn(int, const char *);
typedef int watchdog_fn(int, uint64_t *);
typedef int sendv_fn(const struct iovec *, int);

/* the same types as libsystemd's headers declare (not evaluated, so the
 * functions are not linked) */
#define SAME_TYPE(f, T) _Generic(&(f), T * : 1, default : 0)
_Static_assert(SAME_TYPE(sd_notify, notify_fn), "sd_notify's type");
_Static_assert(
    SAME_TYPE(sd_watchdog_enabled, watchdog_fn), "sd_watchdog_enabled's type");
_Static_assert(
    SAME_TYPE(sd_journal_sendv, sendv_fn), "sd_journal_sendv's type");

static struct {
	bool tried;
	notify_fn *notify;
	watchdog_fn *watchdog_enabled;
	sendv_fn *journal_sendv;
} sd;

/* dlsym(3) returns a void *; POSIX has it convert to a function
 * pointer, ISO C has no such conversion: copy the bytes. */
static void
resolve(void *h, const char *name, void *fnp, size_t size)
{
	void *sym = dlsym(h, name);

	if (sym != NULL && size == sizeof(sym))
		memcpy(fnp, &sym, size);
}

static bool
load(void)
{
	void *h;

	if (sd.tried)
		return sd.notify != NULL;
	sd.tried = true;
	/* the library's ABI name; the handle stays open for the process */
	h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		return false;
	resolve(h, "sd_notify", &sd.notify, sizeof(sd.notify));
	resolve(h, "sd_watchdog_enabled", &sd.watchdog_enabled,
	    sizeof(sd.watchdog_enabled));
	resolve(
	    h, "sd_journal_sendv", &sd.journal_sendv, sizeof(sd.journal_sendv));
	if (sd.notify == NULL || sd.watchdog_enabled == NULL ||
	    sd.journal_sendv == NULL) {
		sd.notify = NULL;
		return false;
	}
	return true;
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
