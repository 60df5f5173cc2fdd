/*
 * bmc_child.h - the child side of the IPMI source: what a forked child is
 * asked to do, and the FreeIPMI calls that do it (bmc_session.c,
 * bmc_read.c, bmc_watchdog.c). A child writes its reply in the protocol
 * of bmc_reply.h and exits; it may block as long as the libraries like,
 * the parent kills it at the deadline.
 */
#ifndef THERMWATCH_BMC_CHILD_H
#define THERMWATCH_BMC_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf_ipmi.h"

/* Classes of failure (an "error" reply): they decide the backoff. */
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
 * Each writes its reply (bmc_reply.h) to out and returns the exit status
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

/* The FreeIPMI workaround flags for c's driver (the values are the same
 * in libfreeipmi and libipmimonitoring). */
unsigned int bmc_wa_flags(const struct ipmi_conf *c);

/* Appended to in-band failures: which modules and device access to check. */
extern const char bmc_inband_hint[];

#endif
