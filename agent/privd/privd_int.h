/*
 * privd_int.h - what the parts of thermwatch-privd share: the state of one
 * served agent (struct prvd), its running hooks, and the reply and log
 * helpers of privd.c that privd_run.c (hooks and the BMC watchdog) uses.
 * Not an interface for anything outside agent/privd.
 */
#ifndef THERMWATCH_PRIVD_INT_H
#define THERMWATCH_PRIVD_INT_H

#include <stdbool.h>

#include "action_hook.h"
#include "bmc.h"
#include "conf.h"
#include "log.h"
#include "loop.h"
#include "priv_proto.h"

#define OUTQ_LINE 128 /* output lines beyond this many queued are dropped */
#define ENV_LEN   (PRV_ENV_NAME_MAX + PRV_ENV_VALUE_MAX + 2)

struct prvd;

struct prvd_run {
	struct prvd *d;
	bool used;
	char id[PRV_ID_MAX + 1];
	enum act_kind kind;
	struct act_hook *h;
	char program[PRV_TEXT_MAX + 1];
};

struct prvd {
	struct loop *loop;
	int fd;
	const char *conf_path;
	struct agent_conf conf;
	bool hello;
	bool hung_up;
	struct bmc *bmc;
	bool wd_busy;
	struct prvd_run runs[PRV_RUNS_MAX];
	struct prv_outq out;
	bool want_out;
	long lines_dropped;
};

/* privd.c: one journal entry per request, with its fields */
void prvd_log_req(int pri, const char *req, const char *action, const char *id,
    const char *result, const char *fmt, ...) LOG_FMT(6, 7);
/* privd.c: queue a reply to the agent and send what the socket takes */
void prvd_reply(struct prvd *d, const struct prv_reply *r);
/* privd.c: refuse a request (id: the request's when valid, else NULL) */
void
prvd_refuse(struct prvd *d, const char *req, const char *id, const char *why);
/* privd.c: hung up and nothing left to wait for: the service ends */
void prvd_maybe_finish(struct prvd *d);

/* privd_run.c: run the configured hook of q's kind (PRV_REQ_RUN) */
void prvd_run_hook(struct prvd *d, const struct prv_request *q);
/* privd_run.c: the running hook with this id, or NULL */
struct prvd_run *prvd_find_run(struct prvd *d, const char *id);
/* privd_run.c: kill a running hook and tell the agent it was killed */
void prvd_kill_run(struct prvd *d, struct prvd_run *run, const char *why);
/* privd_run.c: how many hooks run */
int prvd_running(const struct prvd *d);
/* privd_run.c: arm the BMC watchdog (PRV_REQ_WATCHDOG) */
void prvd_watchdog(struct prvd *d, const struct prv_request *q);

#endif
