/*
 * bmc.c - the IPMI source on the event loop: one child per exchange
 * (bmc_job.c), started when a read is due, killed at its deadline, a
 * watchdog request put ahead of a read; failed reads back off, and each
 * new error is logged once, naming the BMC. See bmc.h.
 */
#include "bmc_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct bmc *
bmc_create(struct loop *l, const struct ipmi_conf *c, const char *state_dir,
    src_emit_cb emit, void *arg)
{
	return bmc_alloc(l, c, state_dir, emit, arg);
}

/* After a successful read: thresholds bookkeeping. */
static void
read_done(struct bmc *b, const struct bmc_result *res, int64_t now)
{
	int i, n = 0;

	if (res->got_thresholds || b->job.req.want_thresholds || res->rebuilt) {
		b->thr_ms = now;
		b->table.new_sensor = false;
		for (i = 0; i < b->table.n; i++)
			if (b->table.s[i].seen)
				b->table.s[i].thr_known = true;
	}
	for (i = 0; i < b->table.n; i++)
		if (b->table.s[i].seen)
			n++;
	b->st.n_sensors = n;
}

static bool
want_thresholds(const struct bmc *b, int64_t now)
{
	return b->thr_ms == 0 || b->table.new_sensor ||
	    now - b->thr_ms >= (int64_t)(b->conf.thresholds_refresh_s * 1000);
}

/* ---- the asynchronous side ---- */

static void start_job(struct bmc *b, const struct bmc_job_req *req,
    bmc_done_cb done, void *arg, int64_t now);

static int64_t
backoff_ms(const struct bmc *b, const char *cls)
{
	double base = b->conf.interval_s > 1.0 ? b->conf.interval_s : 1.0;
	double d = base;
	int i;

	/* Authentication failures do not heal by retrying, and many BMCs
	 * lock an account after a few: wait the longest at once. */
	if (strcmp(cls, BMC_E_AUTH) == 0)
		return (int64_t)(b->conf.backoff_max_s * 1000);
	for (i = 1; i < b->st.failures && d < b->conf.backoff_max_s; i++)
		d *= 2;
	if (d > b->conf.backoff_max_s)
		d = b->conf.backoff_max_s;
	return (int64_t)(d * 1000);
}

static void
finish_read(struct bmc *b, struct bmc_job *j, int64_t now)
{
	struct bmc_result res;
	int64_t delay;

	b->st.last_duration_ms = now - j->start_ms;
	if (j->preempted) {
		/* Killed to make room for a watchdog request: not a BMC
		 * failure; read again at the next poll. */
		b->next_ms = 0;
		return;
	}
	bmc_parse(b, &res, true);
	if (res.info[0] != '\0' && strcmp(res.info, b->last_info) != 0) {
		log_warnx("ipmi %s: %s", b->st.label, res.info);
		snprintf(b->last_info, sizeof(b->last_info), "%s", res.info);
	}
	if (res.ok) {
		if (b->st.failures > 0)
			log_info("ipmi %s: readings back after %d failed "
				 "read%s",
			    b->st.label, b->st.failures,
			    b->st.failures > 1 ? "s" : "");
		b->st.failures = 0;
		b->st.reads_ok++;
		b->st.last_ok_ms = now;
		b->last_err[0] = '\0';
		read_done(b, &res, now);
		if (b->st.reads_ok == 1)
			log_info("ipmi %s: %d temperature sensor%s, first read "
				 "in %lld ms",
			    b->st.label, b->st.n_sensors,
			    b->st.n_sensors == 1 ? "" : "s",
			    (long long)b->st.last_duration_ms);
		if (res.got_thresholds)
			log_debug("ipmi %s: thresholds read%s", b->st.label,
			    res.rebuilt ? " (SDR cache rebuilt)" : "");
		b->next_ms = j->start_ms + (int64_t)(b->conf.interval_s * 1000);
		return;
	}
	b->st.failures++;
	b->st.reads_failed++;
	if (j->killed)
		b->st.reads_killed++;
	delay = backoff_ms(b, res.cls);
	b->next_ms = now + delay;
	if (strcmp(res.msg, b->last_err) != 0) {
		log_warnx("ipmi %s: %s (retrying in %.0f s, backing off up to "
			  "%g s)",
		    b->st.label, res.msg, delay / 1000.0,
		    b->conf.backoff_max_s);
		snprintf(b->last_err, sizeof(b->last_err), "%s", res.msg);
	} else {
		log_debug("ipmi %s: %s (failure %d, retrying in %.0f s)",
		    b->st.label, res.msg, b->st.failures, delay / 1000.0);
	}
}

static void
finish_wd(struct bmc *b, struct bmc_job *j)
{
	struct bmc_result res;
	char msg[BMC_ERR_LEN + 64];

	if (j->preempted) {
		snprintf(msg, sizeof(msg),
		    "ipmi %s: watchdog request "
		    "cancelled",
		    b->st.label);
		res.ok = false;
	} else {
		bmc_parse(b, &res, false);
		if (res.ok && j->req.kind == BMC_JOB_WD_ARM)
			snprintf(msg, sizeof(msg),
			    "ipmi %s: BMC watchdog "
			    "armed: %s in %.1f s unless disarmed",
			    b->st.label,
			    ipmi_wd_action_names[b->conf.watchdog.action],
			    j->req.countdown_ds / 10.0);
		else if (res.ok)
			snprintf(msg, sizeof(msg),
			    "ipmi %s: BMC watchdog "
			    "disarmed",
			    b->st.label);
		else
			snprintf(msg, sizeof(msg),
			    "ipmi %s: BMC watchdog "
			    "%s failed: %s",
			    b->st.label,
			    j->req.kind == BMC_JOB_WD_ARM ? "arm" : "disarm",
			    res.msg);
	}
	if (res.ok)
		log_info("%s", msg);
	else
		log_warnx("%s", msg);
	if (j->done != NULL)
		j->done(j->done_arg, res.ok ? 1 : 0, msg);
}

static void
finish(struct bmc *b, int64_t now)
{
	struct bmc_job *j = &b->job;
	struct bmc_job_req pending;
	bmc_done_cb done;
	void *arg;

	j->child = NULL;
	b->st.busy = false;
	if (j->req.kind == BMC_JOB_READ)
		finish_read(b, j, now);
	else
		finish_wd(b, j);
	if (b->wd_pending) {
		b->wd_pending = false;
		pending = b->wd_req;
		done = b->wd_done;
		arg = b->wd_arg;
		start_job(b, &pending, done, arg, now);
	}
}

static void
on_done(void *arg, const struct child_result *r)
{
	struct bmc *b = arg;

	(void)r;
	finish(b, loop_now_ms(b->loop));
}

static void
on_deadline(void *arg)
{
	struct bmc *b = arg;
	struct bmc_job *j = &b->job;
	char msg[128];

	j->killed = true;
	/* Say it now: a child stuck in the kernel may take long to die, and
	 * the read only finishes then. */
	snprintf(msg, sizeof(msg), BMC_KILLED_FMT, b->conf.deadline_s);
	if (j->req.kind == BMC_JOB_READ && strcmp(b->last_err, msg) != 0) {
		log_warnx("ipmi %s: %s", b->st.label, msg);
		snprintf(b->last_err, sizeof(b->last_err), "%s", msg);
	}
}

static void
start_job(struct bmc *b, const struct bmc_job_req *req, bmc_done_cb done,
    void *arg, int64_t now)
{
	struct bmc_job *j = &b->job;
	struct child_spec cs;
	char msg[BMC_ERR_LEN];

	bmc_job_prepare(b, req, now, &cs);
	j->done = done;
	j->done_arg = arg;
	cs.deadline = on_deadline;
	cs.done = on_done;
	j->child = child_start(b->loop, &cs);
	if (j->child == NULL) {
		snprintf(msg, sizeof(msg),
		    "ipmi %s: cannot start the IPMI "
		    "child: %s",
		    b->st.label, strerror(errno));
		log_warnx("%s", msg);
		b->next_ms = now + 1000;
		if (req->kind != BMC_JOB_READ && done != NULL)
			done(arg, 0, msg);
		return;
	}
	b->st.busy = true;
}

void
bmc_poll(struct bmc *b, int64_t now_ms)
{
	struct bmc_job_req req;

	if (b == NULL)
		return;
	if (b->job.child != NULL || now_ms < b->next_ms) {
		b->st.polls_skipped++;
		return;
	}
	memset(&req, 0, sizeof(req));
	req.kind = BMC_JOB_READ;
	req.want_thresholds = want_thresholds(b, now_ms);
	start_job(b, &req, NULL, NULL, now_ms);
}

bool
bmc_busy(const struct bmc *b)
{
	return b != NULL && b->job.child != NULL;
}

void
bmc_get_stats(const struct bmc *b, struct bmc_stats *st)
{
	*st = b->st;
	st->next_ms = b->next_ms;
}

static int
wd_request(struct bmc *b, enum bmc_job_kind kind, int countdown_s,
    bmc_done_cb done, void *arg)
{
	struct bmc_job_req req;

	memset(&req, 0, sizeof(req));
	req.kind = kind;
	req.countdown_ds = bmc_countdown_ds(&b->conf, countdown_s);
	if (b->wd_pending) {
		errno = EBUSY;
		return -1;
	}
	if (b->job.child == NULL) {
		start_job(b, &req, done, arg, loop_now_ms(b->loop));
		return 0;
	}
	b->wd_pending = true;
	b->wd_req = req;
	b->wd_done = done;
	b->wd_arg = arg;
	if (b->job.req.kind == BMC_JOB_READ) {
		/* The watchdog matters more than one cycle of readings. */
		b->job.preempted = true;
		child_kill(b->job.child);
	}
	return 0;
}

int
bmc_watchdog_arm(struct bmc *b, int countdown_s, bmc_done_cb done, void *arg)
{
	return wd_request(b, BMC_JOB_WD_ARM, countdown_s, done, arg);
}

int
bmc_watchdog_disarm(struct bmc *b, bmc_done_cb done, void *arg)
{
	return wd_request(b, BMC_JOB_WD_DISARM, 0, done, arg);
}

void
bmc_free(struct bmc *b)
{
	struct bmc_job *j;
	char msg[BMC_ERR_LEN];

	if (b == NULL)
		return;
	j = &b->job;
	snprintf(msg, sizeof(msg), "ipmi %s: cancelled (IPMI source stopped)",
	    b->st.label);
	if (j->child != NULL) {
		child_abandon(j->child, true, 200);
		if (j->req.kind != BMC_JOB_READ && j->done != NULL)
			j->done(j->done_arg, 0, msg);
	}
	if (b->wd_pending && b->wd_done != NULL)
		b->wd_done(b->wd_arg, 0, msg);
	free(j->buf);
	free(b);
}
