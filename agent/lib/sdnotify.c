/*
 * sdnotify.c - readiness, reload, stop and watchdog notifications to
 * systemd through libsystemd (sd_notify(3), sd_watchdog_enabled(3)).
 */
#include "sdnotify.h"

#include <systemd/sd-daemon.h>

int
sdn_notify(const char *msg)
{
	int rc = sd_notify(0, msg);

	return rc < 0 ? rc : 0;
}

int64_t
sdn_watchdog_interval_ms(void)
{
	uint64_t usec = 0;

	/* > 0 only when $WATCHDOG_USEC is set for this very process */
	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return 0;
	return (int64_t)(usec / 2000);
}
