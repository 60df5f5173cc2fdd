/*
 * bmc.h - the IPMI source (BMC temperature sensors with their hardware
 * thresholds) and the BMC watchdog.
 *
 * Every exchange with the BMC runs in a forked child process with a hard
 * deadline (ipmi.deadline_s): the parent only watches a pipe, a timer and
 * the child's exit from the event loop, and SIGKILLs the child at the
 * deadline. There is never more than one child per BMC, so a hung BMC
 * cannot pile up processes, and a slow one never delays the loop: its
 * sensors simply get no new readings (the engine marks them stale).
 * Failed reads back off exponentially up to ipmi.backoff_max_s; the first
 * failure (and every change of the error) is logged once, naming the BMC.
 *
 * Readings: libipmimonitoring, SDR cached under state_dir (rebuilt by the
 * library when the BMC's SDR changed or the cache is invalid).
 * Thresholds: libfreeipmi, live Get Sensor Thresholds (else the SDR copy),
 * fetched on the first read, when the SDR cache was rebuilt, when a new
 * sensor appears and every ipmi.thresholds_refresh_s.
 *
 * Sensor ids are "ipmi:<host>/<name>" (LAN) or "ipmi:local/<name>"
 * (in-band); a name that occurs twice gets " #<sensor number>" appended.
 */
#ifndef THERMWATCH_BMC_H
#define THERMWATCH_BMC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf_ipmi.h"
#include "engine.h"
#include "loop.h"
#include "source.h"

struct bmc;

/* Completion of an asynchronous watchdog request: ok is 1 on success;
 * msg says what was done or why it failed (names the BMC). */
typedef void (*bmc_done_cb)(void *arg, int ok, const char *msg);

/* Counters for status output (thermwatchctl, --once). */
struct bmc_stats {
	const char *label; /* "local" or the host */
	bool busy;         /* a child is running */
	int failures;      /* consecutive failed reads */
	uint64_t reads_ok;
	uint64_t reads_failed;
	uint64_t reads_killed;    /* hit the deadline */
	uint64_t polls_skipped;   /* bmc_poll while busy/backing off */
	int64_t last_ok_ms;       /* monotonic, 0 = never */
	int64_t last_duration_ms; /* of the last finished read */
	int64_t next_ms;          /* no read starts before this */
	int n_sensors;
	const char *last_error; /* "" when the last read worked */
};

/* What Get Watchdog Timer says. */
struct bmc_wd_status {
	bool running;        /* "don't stop" bit of the timer use byte */
	int timer_use;       /* 1 BIOS FRB2 ... 4 SMS/OS */
	int action;          /* 0 none, 1 hard reset, 2 power down, 3 cycle */
	bool expired_sms_os; /* SMS/OS expiration flag */
	double initial_s;    /* the countdown set */
	double present_s;    /* the countdown left, NAN if not reported */
};

/*
 * The IPMI source for the BMC described by c (copied). state_dir holds the
 * SDR cache (state_dir/ipmi-<host>/). Readings are handed to emit from the
 * loop's callbacks. NULL on allocation failure only: BMC problems show up
 * as logged read errors later.
 */
struct bmc *bmc_create(struct loop *l, const struct ipmi_conf *c,
    const char *state_dir, src_emit_cb emit, void *arg);
/* Kills a running child and waits for it; pending watchdog requests are
 * completed with ok = 0. NULL is a no-op. */
void bmc_free(struct bmc *b);

/* Start a read unless one is outstanding, the source is backing off, or
 * ipmi.interval_s has not passed. Never blocks; readings come later. */
void bmc_poll(struct bmc *b, int64_t now_ms);
bool bmc_busy(const struct bmc *b);
void bmc_get_stats(const struct bmc *b, struct bmc_stats *st);

/*
 * One blocking read (thermwatchd --once, tests): at most ipmi.deadline_s.
 * Returns the number of readings emitted, or -1 with a message naming
 * the BMC in err.
 */
int bmc_read_once(const struct ipmi_conf *c, const char *state_dir,
    src_emit_cb emit, void *arg, char *err, size_t errlen);

/*
 * BMC watchdog, timer use SMS/OS, action ipmi.watchdog.action (power down
 * by default). arm sets the countdown (countdown_s <= 0: the configured
 * ipmi.watchdog.countdown_s) and starts it; arming again restarts it (not
 * on ipmi_sim 2.0.33, whose old countdown stays pending).
 * disarm stops the timer. Asynchronous: done is called from the loop. A
 * read in progress is killed to make room (one child per BMC); one
 * request may wait behind a running one. Returns 0 when started or
 * queued, -1 when another request is already waiting.
 * Callers check ipmi.watchdog.enabled; these functions do not.
 */
int
bmc_watchdog_arm(struct bmc *b, int countdown_s, bmc_done_cb done, void *arg);
int bmc_watchdog_disarm(struct bmc *b, bmc_done_cb done, void *arg);

/* Blocking variants (CLI, tests): 0, or -1 with a message in err. */
int bmc_watchdog_arm_once(
    const struct ipmi_conf *c, int countdown_s, char *err, size_t errlen);
int
bmc_watchdog_disarm_once(const struct ipmi_conf *c, char *err, size_t errlen);
int bmc_watchdog_get_once(const struct ipmi_conf *c, struct bmc_wd_status *st,
    char *err, size_t errlen);

/* For --check-config: the checks that need no BMC (the password file).
 * 0, or -1 with a message naming the BMC and the file in err. A failure
 * here does not stop the daemon: the IPMI source reports it and retries. */
int bmc_conf_check(const struct ipmi_conf *c, char *err, size_t errlen);

/* The class a BMC sensor name implies: Inlet/Ambient/Front Panel ->
 * inlet, Exhaust/Outlet -> exhaust, CPU -> cpu, else other. */
enum eng_class bmc_class_of_name(const char *name);

#endif
