/*
 * bmc_reply.h - the reply protocol of an IPMI child: what the child writes
 * to its pipe, and how the parent reads it back.
 *
 * One JSON object per line (cJSON), member "t" says the kind:
 *
 *	{"t":"sensor","rid":12,"num":48,"state":"n","value":41.5,
 *	 "name":"Inlet Temp"}		a reading (°C, null when unavailable);
 *					state n(ominal), w(arning),
 *					c(ritical) or u(nknown)
 *	{"t":"thresholds","rid":12,"unc":40,"uc":45,"unr":null,
 *	 "src":"live"}			a sensor's upper thresholds (°C),
 *					"live" or from the "sdr"
 *	{"t":"info","msg":"..."}	a non-fatal problem (logged)
 *	{"t":"error","class":"conn","msg":"..."}
 *					the job failed; class decides the
 *					backoff (BMC_E_* in bmc_child.h)
 *	{"t":"watchdog","use":68,"action":2,"flags":16,"initial_ds":600,
 *	 "present_ds":-1}		the Get Watchdog Timer bytes
 *	{"t":"done","t_ms":123456,"rebuilt":false}
 *					the job succeeded (last line); t_ms is
 *					the monotonic time of the readings
 *
 * The child writes nothing else and exits right after "done" or "error";
 * neither means it died or was killed. Names and messages have control
 * characters replaced by spaces; numbers are rounded to 1e-6.
 */
#ifndef THERMWATCH_BMC_REPLY_H
#define THERMWATCH_BMC_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BMC_REC_NAME_LEN 64
#define BMC_REC_MSG_LEN  1024

enum bmc_rec_type {
	BMC_REC_SENSOR,
	BMC_REC_THRESHOLDS,
	BMC_REC_INFO,
	BMC_REC_ERROR,
	BMC_REC_WATCHDOG,
	BMC_REC_DONE
};

/* One line, parsed. Only the members of its type are set. */
struct bmc_rec {
	enum bmc_rec_type type;
	int rid;                     /* sensor, thresholds */
	int num;                     /* sensor: the sensor number */
	char state;                  /* sensor: n w c u */
	double value;                /* sensor: °C or NAN */
	char name[BMC_REC_NAME_LEN]; /* sensor */
	double unc, uc, unr;         /* thresholds: °C or NAN */
	bool live;                   /* thresholds: live, not the SDR's */
	char cls[16];                /* error */
	char msg[BMC_REC_MSG_LEN];   /* info, error */
	unsigned int wd_use, wd_action, wd_flags, wd_initial_ds;
	int wd_present_ds; /* -1 when the BMC leaves it out */
	int64_t t_ms;      /* done */
	bool rebuilt;      /* done: the SDR cache was rebuilt */
};

/* Child side: write one line to out. */
void bmc_reply_sensor(
    FILE *out, int rid, int num, char state, double value, const char *name);
void bmc_reply_thresholds(
    FILE *out, int rid, double unc, double uc, double unr, bool live);
void bmc_reply_info(FILE *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void bmc_reply_error(FILE *out, const char *cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void bmc_reply_watchdog(FILE *out, unsigned int use, unsigned int action,
    unsigned int flags, unsigned int initial_ds, int present_ds);
void bmc_reply_done(FILE *out, int64_t t_ms, bool rebuilt);

/* Parent side: parse one line (without its newline). 0, or -1 when it is
 * not a record of this protocol. */
int bmc_reply_parse(const char *line, size_t len, struct bmc_rec *r);

/* Control characters (and DEL) become spaces, in place. */
void bmc_sanitize(char *s);

#endif
