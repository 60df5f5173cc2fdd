/*
 * bmc_child.h - between the IPMI source and its reader: what the reader
 * (thermwatch-ipmi, a program of its own, see agent/ipmi/) is asked to do,
 * its failure classes, and what both sides share without FreeIPMI: the
 * password file's checks and the names used in messages (bmc_pwfile.c).
 * The reader writes its reply in the protocol of bmc_reply.h and exits;
 * it may block as long as the libraries like, the parent kills it at the
 * deadline.
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

/* The reader's command for each kind ("read", "watchdog-arm", ...). */
extern const char *const bmc_job_names[];

/*
 * The reader's settings travel in this environment variable: the ipmi
 * group of thermwatch.conf, in its syntax, as the agent has it (so a
 * reload that failed, leaving the file and the agent apart, does not
 * matter). Not on the command line: ps shows that to everyone.
 */
#define BMC_CONF_ENV "THERMWATCH_IPMI_CONF"

/* What a child is asked to do. */
struct bmc_job_req {
	enum bmc_job_kind kind;
	bool want_thresholds; /* READ: also fetch the thresholds */
	int countdown_ds;     /* WD_ARM: tenths of a second */
};

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

#endif
