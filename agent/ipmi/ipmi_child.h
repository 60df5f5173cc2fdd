/*
 * ipmi_child.h - the IPMI reader (thermwatch-ipmi): the FreeIPMI calls
 * that read the BMC's sensors and thresholds (bmc_read.c), drive its
 * watchdog (bmc_watchdog.c) and open sessions (bmc_session.c). Only this
 * program maps FreeIPMI; the agent runs it for each exchange.
 */
#ifndef THERMWATCH_IPMI_CHILD_H
#define THERMWATCH_IPMI_CHILD_H

#include <stdbool.h>
#include <stdio.h>

#include "bmc_child.h"
#include "conf_ipmi.h"

/*
 * Each writes its reply (bmc_reply.h) to out and returns the exit
 * status. cache_dir is this BMC's SDR cache directory.
 */
int bmc_child_read(const struct ipmi_conf *c, const char *cache_dir,
    bool want_thresholds, FILE *out);
int bmc_child_watchdog(
    const struct ipmi_conf *c, const struct bmc_job_req *req, FILE *out);

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
