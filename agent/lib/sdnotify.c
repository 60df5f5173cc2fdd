/*
 * sdnotify.c - readiness, reload, stop and watchdog notifications to
 * systemd through libsystemd (sd_notify(3), sd_watchdog_enabled(3)),
 * loaded only when systemd asks for them ($NOTIFY_SOCKET, $WATCHDOG_USEC;
 * without them both functions do nothing, as libsystemd's would).
 */
#include "sdnotify.h"

#include <stdlib.h>

#include "sdlib.h"

int
sdn_notify(const char *msg)
{
	int rc;

	if (getenv("NOTIFY_SOCKET") == NULL)
		return 0;
	rc = sdl_notify(0, msg);

	return rc < 0 ? rc : 0;
}

int64_t
sdn_watchdog_interval_ms(void)
{
	uint64_t usec = 0;

	/* > 0 only when $WATCHDOG_USEC is set for this very process */
	if (getenv("WATCHDOG_USEC") == NULL ||
	    sdl_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return 0;
	return (int64_t)(usec / 2000);
}
