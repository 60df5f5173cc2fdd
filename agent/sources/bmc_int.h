/*
 * bmc_int.h - the parent side's internals of the IPMI source, shared by
 * bmc.c (jobs on the loop, scheduling, backoff), bmc_once.c (the blocking
 * one-shot commands), bmc_job.c (the child's job and its reply) and
 * bmc_sensors.c (the sensor table). Not for other modules.
 */
#ifndef THERMWATCH_BMC_INT_H
#define THERMWATCH_BMC_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bmc.h"
#include "bmc_child.h"
#include "bmc_reply.h"
#include "child.h"

#define BMC_OUT_MAX     (1024 * 1024) /* a reader's reply, at most */
#define BMC_HELPER_NAME "thermwatch-ipmi"
#ifndef TW_IPMI_HELPER /* where the install puts the reader */
#define TW_IPMI_HELPER "/usr/libexec/thermwatch/" BMC_HELPER_NAME
#endif
#ifndef TW_IPMI_HELPER_REL /* ...relative to thermwatchd's directory */
#define TW_IPMI_HELPER_REL "../libexec/thermwatch"
#endif
#define BMC_ERR_LEN    1024
#define BMC_KILLED_FMT "no answer within deadline_s = %g s: IPMI child killed"

/* What the parent keeps of a BMC sensor between reads. */
struct bmc_sens {
	int rid;
	int num;
	char name[BMC_REC_NAME_LEN];
	double unc, uc, unr; /* °C, NAN = none */
	bool thr_known;      /* a threshold fetch has seen it */
	bool seen;           /* in the last read */
	int handle;          /* the sink's (src_attach_cb) for id */
	const char *id;      /* as attached (interned); NULL = not yet */
};

/* Grows as the BMC shows sensors: no cap. */
struct bmc_table {
	int n, cap;
	bool new_sensor; /* one appeared (or changed) since the last fetch */
	struct bmc_sens *s;
};

/* The one reader of a BMC, its command line and its reply. */
struct bmc_job {
	struct child *child; /* NULL = no child */
	struct bmc_job_req req;
	char *argv[8];
	char deadline[32], countdown[16];
	char note[256]; /* the end of its stderr */
	bool killed;    /* by the deadline */
	bool preempted; /* killed for a watchdog request */
	int64_t start_ms;
	bmc_done_cb done; /* watchdog jobs */
	void *done_arg;
	char *buf;
	size_t len;
	bool overflow;
};

/* A job's reply, parsed. */
struct bmc_result {
	bool ok;
	char cls[16];
	char msg[BMC_ERR_LEN];
	char info[BMC_ERR_LEN];
	int64_t t_ms;
	bool rebuilt;
	bool got_thresholds;
	struct bmc_wd_status wd;
};

struct bmc {
	struct loop *loop; /* NULL for the blocking commands */
	struct ipmi_conf conf;
	char cache_dir[PATH_MAX];
	char helper[PATH_MAX]; /* the IPMI reader program */
	char *settings;        /* its settings (BMC_CONF_ENV) */
	src_attach_cb attach;
	src_emit_cb emit;
	void *arg;
	struct bmc_job job;
	/* one watchdog request waiting for the child slot */
	bool wd_pending;
	struct bmc_job_req wd_req;
	bmc_done_cb wd_done;
	void *wd_arg;
	/* scheduling */
	int64_t next_ms;
	int64_t thr_ms; /* last threshold fetch, 0 = never */
	/* errors, logged once */
	char last_err[BMC_ERR_LEN];
	char last_info[BMC_ERR_LEN];
	struct bmc_stats st;
	struct bmc_table table;
};

/* bmc_job.c */
struct bmc *bmc_alloc(struct loop *l, const struct ipmi_conf *c,
    const char *state_dir, src_attach_cb attach, src_emit_cb emit, void *arg);
/* Reset the job for req and fill in the child spec that runs the reader
 * for it (the reply goes to b->job.buf); the caller adds the environment
 * (bmc_job_env), deadline and done. */
void bmc_job_prepare(struct bmc *b, const struct bmc_job_req *req,
    int64_t now_ms, struct child_spec *cs);
/* The reader's environment: ours plus its settings. NULL when out of
 * memory; free with bmc_job_env_free once the child started. */
char **bmc_job_env(const struct bmc *b);
void bmc_job_env_free(char **env);
/* Keep the end of the reader's stderr. */
void bmc_job_note(struct bmc_job *j, const char *data, size_t n);
/*
 * Parse the job's reply. For a read, sensors and thresholds go into b's
 * table (first pass) and readings are handed to b->emit when do_emit
 * (second pass, so that thresholds after their sensor count in the same
 * cycle). Returns the number of readings handed on; res says ok or not.
 */
int bmc_parse(struct bmc *b, struct bmc_result *res, bool do_emit);
/* countdown_s (<= 0: the configured one) in tenths, 1..0xffff. */
int bmc_countdown_ds(const struct ipmi_conf *c, int countdown_s);

/* bmc_sensors.c */
struct bmc_sens *bmc_table_find(struct bmc_table *t, int rid);
/* Register (or refresh) a sensor; NULL when out of memory. */
struct bmc_sens *
bmc_table_add(struct bmc_table *t, int rid, int num, const char *name);
void bmc_table_free(struct bmc_table *t);
/* The reading of sensor s from its reply record (the id interned, NULL
 * when out of memory; class, limits, the trip point as ipmi.trip says);
 * r->handle is s's. */
void bmc_reading(const struct bmc_table *t, const struct bmc_sens *s,
    const struct ipmi_conf *c, const struct bmc_rec *rec, int64_t t_ms,
    struct src_reading *r);

#endif
