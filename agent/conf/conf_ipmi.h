/*
 * conf_ipmi.h - the "ipmi" group of thermwatch.conf: where the BMC is, how
 * to log in, how long a read may take, which threshold is the trip, and
 * the BMC watchdog. See thermwatch.conf(5), section ipmi.
 *
 * The password never appears in the main config: password_file names a
 * file holding it. That file is read by the IPMI reader each time it
 * opens a session (bmc.c), not here, so a bad password file stops the
 * IPMI source only, never the daemon.
 */
#ifndef THERMWATCH_CONF_IPMI_H
#define THERMWATCH_CONF_IPMI_H

#include <limits.h>

#include "conf_util.h"

#define IPMI_HOST_LEN 256
#define IPMI_USER_LEN 17 /* IPMI: 16 bytes */

/* ipmi.driver */
enum ipmi_driver {
	IPMI_DRV_AUTO,     /* in-band, probe KCS/SSIF/OpenIPMI */
	IPMI_DRV_OPENIPMI, /* in-band through /dev/ipmi0 */
	IPMI_DRV_KCS,
	IPMI_DRV_SSIF,
	IPMI_DRV_LAN, /* IPMI 2.0 LAN (RMCP+) */
	IPMI_DRV_COUNT
};

enum ipmi_priv {
	IPMI_PRIV_USER,
	IPMI_PRIV_OPERATOR,
	IPMI_PRIV_ADMIN,
	IPMI_PRIV_COUNT
};

/* ipmi.trip_threshold: which BMC threshold is the sensor's trip point. */
enum ipmi_trip {
	IPMI_TRIP_UC,  /* "upper-critical" */
	IPMI_TRIP_UNR, /* "upper-non-recoverable" */
	IPMI_TRIP_COUNT
};

/* ipmi.workarounds, a bit each (the FreeIPMI -W names). */
enum ipmi_workaround {
	IPMI_WA_OPENSESSPRIV = 1 << 0,
	IPMI_WA_AUTHCAP = 1 << 1,
	IPMI_WA_INTEL20 = 1 << 2,
	IPMI_WA_SUPERMICRO20 = 1 << 3,
	IPMI_WA_SUN20 = 1 << 4,
	IPMI_WA_INTEGRITYCHECK = 1 << 5,
	IPMI_WA_NOCHECKSUM = 1 << 6,
	IPMI_WA_ASSUMEIO = 1 << 7, /* in-band */
	IPMI_WA_SPINPOLL = 1 << 8  /* in-band */
};

/* Watchdog timeout actions (the Set Watchdog Timer action codes). */
enum ipmi_wd_action {
	IPMI_WD_HARD_RESET,
	IPMI_WD_POWER_DOWN,
	IPMI_WD_POWER_CYCLE,
	IPMI_WD_ACTION_COUNT
};

/* ipmi.watchdog = { ... }: the BMC watchdog used as the hardware fallback
 * when a graceful shutdown hangs (armed and disarmed by the actions). */
struct ipmi_wd_conf {
	bool enabled;
	int action;         /* enum ipmi_wd_action */
	int privilege;      /* Set Watchdog Timer needs operator */
	double countdown_s; /* default countdown when the caller has none */
};

struct ipmi_conf {
	bool enabled;
	int driver;                   /* enum ipmi_driver */
	char device[PATH_MAX];        /* in-band device, "" = probe */
	char host[IPMI_HOST_LEN];     /* LAN: "host" or "host:port" */
	char username[IPMI_USER_LEN]; /* "" = anonymous (null user) */
	char password_file[PATH_MAX]; /* "" = empty password */
	int privilege;                /* enum ipmi_priv, for reads */
	int cipher_suite;
	unsigned int workarounds;    /* enum ipmi_workaround bits */
	double timeout_s;            /* IPMI session timeout */
	double retransmit_s;         /* packet retransmission timeout */
	double deadline_s;           /* hard limit of one read (killed) */
	double interval_s;           /* 0 = every agent cycle */
	double backoff_max_s;        /* longest wait between failed reads */
	double thresholds_refresh_s; /* re-read the live thresholds */
	int trip;                    /* enum ipmi_trip */
	bool temperature_only;       /* false: all sensor types, keep °C/°F */
	struct ipmi_wd_conf watchdog;
};

extern const char *const ipmi_driver_names[];
extern const char *const ipmi_priv_names[];
extern const char *const ipmi_trip_names[];
extern const char *const ipmi_wd_action_names[];
/* NULL-terminated, index i is bit 1 << i. */
extern const char *const ipmi_workaround_names[];

void ipmi_conf_defaults(struct ipmi_conf *c);
/* group may be NULL (absent: defaults stay). */
void ipmi_conf_parse(
    struct cnf_ctx *ctx, const config_setting_t *group, struct ipmi_conf *c);
void ipmi_conf_emit(config_setting_t *root, const struct ipmi_conf *c);
void ipmi_conf_free(struct ipmi_conf *c);

#endif
