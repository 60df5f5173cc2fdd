/*
 * bmc_int.h - internals shared by bmc.c (parent side: processes, loop,
 * parsing, emitting) and bmc_read.c / bmc_watchdog.c (child side: the
 * FreeIPMI calls).
 *
 * Every IPMI exchange runs in a forked child that writes its result to a
 * pipe as text lines, one record per line, fields separated by tabs:
 *
 *	S <rid> <snum> <state> <value|nan> <name>	a sensor reading (°C);
 *			state is n(ominal), w(arning), c(ritical) or u(nknown)
 *	T <rid> <unc> <uc> <unr> <live|sdr>	thresholds of a sensor (°C, nan)
 *	I <message>				a non-fatal problem (logged)
 *	E <class> <message>			the job failed (class below)
 *	G <use> <action> <flags> <initial_ds> <present_ds|-1>
 *						Get Watchdog Timer result
 *	K <t_ms> <cache_rebuilt>		the job succeeded (last line)
 *
 * The child never writes anything else and exits right after K or E; a
 * missing K/E line means it died or was killed.
 */
#ifndef THERMWATCH_BMC_INT_H
#define THERMWATCH_BMC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf_ipmi.h"

/* Classes of failure, from the "E" line: they decide the backoff. */
#define BMC_E_AUTH  "auth"  /* password, user, privilege, pw file */
#define BMC_E_CONN  "conn"  /* no answer, session timeout, resolve */
#define BMC_E_CACHE "cache" /* SDR cache directory or file */
#define BMC_E_OTHER "other"

#define BMC_PW_MAX 20 /* IPMI 2.0 password length limit */

enum bmc_job_kind {
	BMC_JOB_READ,
	BMC_JOB_WD_ARM,
	BMC_JOB_WD_DISARM,
	BMC_JOB_WD_GET
};

/* What a child is asked to do. */
struct bmc_job_req {
	enum bmc_job_kind kind;
	bool want_thresholds; /* READ: also fetch the thresholds */
	int countdown_ds;     /* WD_ARM: tenths of a second */
};

/*
 * Child side. Each writes its lines to out and returns the exit status
 * for _exit(). cache_dir is this BMC's SDR cache directory.
 */
int bmc_child_read(const struct ipmi_conf *c, const char *cache_dir,
    bool want_thresholds, FILE *out);
int bmc_child_watchdog(
    const struct ipmi_conf *c, const struct bmc_job_req *req, FILE *out);

/*
 * Read the password file (path "" = empty password). 0 on success; -1
 * with a message naming the file in err: unreadable, not a regular file,
 * readable by everyone, empty, several lines, control characters, or
 * longer than BMC_PW_MAX. buf holds the password (NUL-terminated).
 */
int bmc_password_load(
    const char *path, char *buf, size_t len, char *err, size_t errlen);

/* "local" for in-band, else the configured host ("name[:port]"). */
const char *bmc_conf_label(const struct ipmi_conf *c);

/* A human word for the privilege enum ("user"...), for messages. */
const char *bmc_priv_name(int priv);

/* Open a libfreeipmi context for c at privilege priv (enum ipmi_priv).
 * NULL with a message in err (and the failure class in *cls). The
 * returned pointer is an ipmi_ctx_t. */
void *bmc_ipmi_open(const struct ipmi_conf *c, int priv, char *err,
    size_t errlen, const char **cls);
void bmc_ipmi_close(void *ipmi);

/* Escape nothing, just make a name safe for a line: tabs, newlines and
 * other control characters become spaces. */
void bmc_sanitize(char *s);

#endif
