/*
 * sdnotify.h - notifications to systemd (libsystemd's sd_notify and
 * sd_watchdog_enabled). Does nothing when not run by systemd.
 */
#ifndef THERMWATCH_SDNOTIFY_H
#define THERMWATCH_SDNOTIFY_H

#include <stdint.h>

/* Send "READY=1", "WATCHDOG=1", "STOPPING=1", "RELOADING=1", "STATUS=...". */
int sdn_notify(const char *msg);
/* Half of $WATCHDOG_USEC in ms when the watchdog is on for us, else 0. */
int64_t sdn_watchdog_interval_ms(void);

#endif
