/*
 * action.c - hooks for the engine's decisions, the migrate retries and
 * the graceful shutdown sequence. See action.h.
 */
#include "action.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "action_int.h"
#include "agent.h"
#include "bmc.h"
#include "jsonutil.h"
#include "log.h"
#include "mqtt.h"

#define ENV_MAX    24
#define ENV_LEN    (ACT_HOLD_LEN + 32)
#define SD_POLL_MS 10
#define WD_MAX_S   6553 /* 16 bits of 100 ms */

bool
act_dry_run(const struct act *act)
{
	return agent_dry_run(act->a);
}

void
act_new_id(struct act *act, char *buf, size_t len)
{
	snprintf(buf, len, "%s-%" PRId64 "-%u", act->a->conf.agent.host,
	    act->t0_wall_s, ++act->seq);
}

void
act_ctx_fill(struct act *act, struct act_ctx *ctx, enum act_kind kind,
    const struct eng_decision *d)
{
	const struct eng_output *o = &act->a->out;
	struct eng_sensor_view v;

	memset(ctx, 0, sizeof(*ctx));
	ctx->kind = kind;
	ctx->attempt = 1;
	act_new_id(act, ctx->id, sizeof(ctx->id));
	snprintf(
	    ctx->state, sizeof(ctx->state), "%s", eng_state_name(o->state));
	snprintf(ctx->prev_state, sizeof(ctx->prev_state), "%s",
	    eng_state_name(o->prev_state));
	snprintf(ctx->reason, sizeof(ctx->reason), "%s",
	    d != NULL ? d->reason : o->reason);
	ctx->value_c = NAN;
	ctx->trip_c = NAN;
	ctx->eta_s = INFINITY;
	if (d == NULL)
		return;
	snprintf(
	    ctx->code, sizeof(ctx->code), "%s", d->code != NULL ? d->code : "");
	if (d->sensor >= 0) {
		eng_sensor_view(act->a->eng, d->sensor, &v);
		snprintf(ctx->sensor, sizeof(ctx->sensor), "%s", v.id);
	}
	ctx->value_c = d->value_c;
	ctx->trip_c = d->trip_c;
	ctx->eta_s = d->eta_s;
}

/* --- running a hook -------------------------------------------------- */

static int
build_env(const struct act *act, const struct act_ctx *c,
    char buf[ENV_MAX][ENV_LEN], char *envp[ENV_MAX + 1])
{
	const struct agent_group *g = &act->a->conf.agent;
	int n = 0;

#define ENV(...) snprintf(buf[n], ENV_LEN, __VA_ARGS__), envp[n] = buf[n], n++
	ENV("PATH=%s", ACT_HOOK_PATH);
	ENV("THERMWATCH_HOST=%s", g->host);
	ENV("THERMWATCH_SITE=%s", g->site);
	ENV("THERMWATCH_ZONE=%s", g->zone);
	ENV("THERMWATCH_TIER=%d", g->tier);
	ENV("THERMWATCH_STATE=%s", c->state);
	ENV("THERMWATCH_PREV_STATE=%s", c->prev_state);
	ENV("THERMWATCH_REASON=%s", c->reason);
	ENV("THERMWATCH_CODE=%s", c->code);
	ENV("THERMWATCH_SENSOR=%s", c->sensor);
	if (isfinite(c->value_c))
		ENV("THERMWATCH_VALUE_C=%.1f", c->value_c);
	else
		ENV("THERMWATCH_VALUE_C=");
	if (isfinite(c->trip_c))
		ENV("THERMWATCH_TRIP_C=%.1f", c->trip_c);
	else
		ENV("THERMWATCH_TRIP_C=");
	if (isfinite(c->eta_s))
		ENV("THERMWATCH_ETA_S=%.0f", c->eta_s);
	else
		ENV("THERMWATCH_ETA_S=");
	ENV("THERMWATCH_ACTION=%s", act_kind_names[c->kind]);
	ENV("THERMWATCH_ACTION_ID=%s", c->id);
	ENV("THERMWATCH_ATTEMPT=%d", c->attempt);
#undef ENV
	envp[n] = NULL;
	return n;
}

/* The argv for messages only: words joined by spaces. */
static void
argv_text(char *const *argv, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; argv != NULL && argv[i] != NULL && off < len; i++)
		off += (size_t)snprintf(
		    buf + off, len - off, "%s%s", i > 0 ? " " : "", argv[i]);
}

static void
on_line(void *arg, pid_t pid, int stream, const char *line)
{
	struct act_job *job = arg;

	log_info("%s[%d]%s: %s", act_kind_names[job->ctx.kind], (int)pid,
	    stream == 2 ? " stderr" : "", line);
}

static cJSON *
result_fields(const struct act_job *job, const char *result)
{
	cJSON *f = cJSON_CreateObject();
	char *const *argv = job->act->a->conf.actions.hook[job->ctx.kind].argv;

	cJSON_AddStringToObject(f, "action", act_kind_names[job->ctx.kind]);
	cJSON_AddStringToObject(f, "id", job->ctx.id);
	cJSON_AddNumberToObject(f, "attempt", job->ctx.attempt);
	cJSON_AddStringToObject(f, "result", result);
	cJSON_AddStringToObject(
	    f, "program", argv != NULL && argv[0] != NULL ? argv[0] : "");
	cJSON_AddStringToObject(f, "state", job->ctx.state);
	cJSON_AddStringToObject(f, "reason", job->ctx.reason);
	return f;
}

static void job_done(void *arg, const struct act_hook_result *r);

static void
job_finished(struct act_job *job, const struct act_hook_result *r, bool dry);

void
act_job_run(struct act_job *job)
{
	struct act *act = job->act;
	const struct actions_conf *c = &act->a->conf.actions;
	const struct actions_hook_conf *hc = &c->hook[job->ctx.kind];
	const char *kind = act_kind_names[job->ctx.kind];
	char envbuf[ENV_MAX][ENV_LEN], *envp[ENV_MAX + 1], text[512];
	struct act_hook_spec spec;
	struct act_hook_result r;
	cJSON *f;

	job->active = true;
	if (hc->argv == NULL || hc->argv[0] == NULL) {
		log_debug("no %s hook configured (%s)", kind, job->ctx.id);
		job->active = false;
		if (job->ctx.kind == ACT_SHUTDOWN)
			act->sd_phase = ACT_SD_DONE;
		return;
	}
	argv_text(hc->argv, text, sizeof(text));
	if (act_dry_run(act)) {
		log_info("dry run: would run %s hook: %s (id %s, attempt %d)",
		    kind, text, job->ctx.id, job->ctx.attempt);
		f = result_fields(job, "dry_run");
		cJSON_AddStringToObject(f, "would_run", text);
		agent_event(act->a, "action", f);
		memset(&r, 0, sizeof(r));
		r.status = ACT_HOOK_OK;
		job_finished(job, &r, true);
		return;
	}
	build_env(act, &job->ctx, envbuf, envp);
	memset(&spec, 0, sizeof(spec));
	spec.argv = hc->argv;
	spec.envp = envp;
	spec.timeout_s = hc->timeout_s;
	spec.kill_after_s = c->kill_after_s;
	spec.output_max = (size_t)c->output_max_bytes;
	spec.line = on_line;
	spec.done = job_done;
	spec.arg = job;
	act->runs++;
	job->h = act_hook_start(act->a->loop, &spec, &r);
	if (job->h == NULL) {
		log_warnx(
		    "cannot run %s hook %s: %s", kind, text, strerror(r.err));
		job_finished(job, &r, false);
		return;
	}
	log_info("running %s hook: %s (pid %d, id %s, attempt %d)", kind, text,
	    (int)act_hook_pid(job->h), job->ctx.id, job->ctx.attempt);
}

/* --- notify ---------------------------------------------------------- */

void
act_notify(struct act *act, const struct act_ctx *ctx)
{
	struct act_job *job = &act->notify;
	int i;

	if (!job->active) {
		job->ctx = *ctx;
		act_job_run(job);
		return;
	}
	/* One at a time, in order; when too many pile up the oldest
	 * waiting one goes (the newest says the most). */
	if (act->nq_len == ACT_NOTIFY_QUEUE) {
		log_warnx("notify: %d runs waiting, dropping %s",
		    ACT_NOTIFY_QUEUE, act->notify_q[act->nq_head].id);
		act->nq_head = (act->nq_head + 1) % ACT_NOTIFY_QUEUE;
		act->nq_len--;
	}
	i = (act->nq_head + act->nq_len) % ACT_NOTIFY_QUEUE;
	act->notify_q[i] = *ctx;
	act->nq_len++;
}

static void
notify_next(struct act *act)
{
	struct act_job *job = &act->notify;

	while (!job->active && act->nq_len > 0) {
		job->ctx = act->notify_q[act->nq_head];
		act->nq_head = (act->nq_head + 1) % ACT_NOTIFY_QUEUE;
		act->nq_len--;
		act_job_run(job);
	}
}

/* --- migrate --------------------------------------------------------- */

static bool
still_hot(const struct act *act)
{
	const struct eng_output *o = &act->a->out;

	return o->state == ENG_STATE_HOT ||
	    (o->zone_alarm && o->state != ENG_STATE_CRITICAL);
}

static void
cancel_retry(struct act *act, struct act_job *job)
{
	if (job->retry_timer > 0)
		loop_del_timer(act->a->loop, job->retry_timer);
	job->retry_timer = 0;
	if (job->h == NULL)
		job->active = false;
}

static int64_t
retry_cb(struct loop *l, int64_t now_ms, void *arg)
{
	struct act_job *job = arg;
	struct act *act = job->act;

	(void)l;
	(void)now_ms;
	job->retry_timer = 0;
	job->active = false;
	if (job->ctx.kind == ACT_MIGRATE &&
	    (!still_hot(act) || act->sd_phase != ACT_SD_IDLE)) {
		log_info(
		    "migrate %s: host no longer hot, no retry", job->ctx.id);
		return LOOP_NOMORE;
	}
	/* Same id and decision; a new attempt in the current state. */
	snprintf(job->ctx.state, sizeof(job->ctx.state), "%s",
	    eng_state_name(act->a->out.state));
	job->ctx.attempt++;
	act_job_run(job);
	return LOOP_NOMORE;
}

static void
migrate_start(struct act *act, const struct eng_decision *d)
{
	struct act_job *job = &act->migrate;

	if (act->sd_phase != ACT_SD_IDLE) {
		log_info("migrate: not started, the shutdown sequence runs");
		return;
	}
	if (job->h != NULL) {
		log_info("migrate %s still running, not starting another",
		    job->ctx.id);
		return;
	}
	if (job->retry_timer > 0) {
		log_info("migrate %s waits for its retry, not starting "
			 "another",
		    job->ctx.id);
		return;
	}
	act_ctx_fill(act, &job->ctx, ACT_MIGRATE, d);
	act_job_run(job);
}

static bool
engine_quiet(const struct eng *e)
{
	const struct eng_override *o;
	int i;

	for (i = 0; i < eng_override_count(e); i++) {
		o = eng_override_get(e, i);
		if (o != NULL && strcmp(o->key, "quiet") == 0 && o->value != 0)
			return true;
	}
	return false;
}

/* --- the hook finished ----------------------------------------------- */

static void
job_finished(struct act_job *job, const struct act_hook_result *r, bool dry)
{
	struct act *act = job->act;
	const struct actions_conf *c = &act->a->conf.actions;
	const char *kind = act_kind_names[job->ctx.kind];
	double delay = -1;
	bool ok = r->status == ACT_HOOK_OK;
	cJSON *f = NULL;
	int retries = 0;

	job->h = NULL;
	job->active = false;
	if (!dry) {
		f = result_fields(job, act_hook_status_name(r->status));
		if (r->exit_code >= 0)
			cJSON_AddNumberToObject(f, "exit_code", r->exit_code);
		if (r->signo > 0)
			cJSON_AddNumberToObject(f, "signal", r->signo);
		if (r->status == ACT_HOOK_ERROR)
			cJSON_AddStringToObject(f, "error", strerror(r->err));
		else
			cJSON_AddNumberToObject(f, "duration_s",
			    round(r->duration_s * 1000.0) / 1000.0);
		if (r->output_dropped > 0)
			cJSON_AddNumberToObject(
			    f, "output_dropped", (double)r->output_dropped);
	}
	if (!ok) {
		act->failures++;
		if (job->ctx.kind == ACT_MIGRATE) {
			retries = c->migrate_retries;
			delay = c->migrate_backoff_s *
			    pow(2.0, job->ctx.attempt - 1);
			if (delay > c->migrate_backoff_max_s)
				delay = c->migrate_backoff_max_s;
			if (!still_hot(act) || act->sd_phase != ACT_SD_IDLE)
				retries = 0;
		} else if (job->ctx.kind == ACT_SHUTDOWN) {
			retries = c->shutdown_retries;
			delay = c->shutdown_retry_s;
		}
		if (job->ctx.attempt > retries)
			delay = -1;
	}
	if (!dry) {
		if (delay >= 0)
			cJSON_AddNumberToObject(f, "retry_in_s", delay);
		agent_event(act->a, "action", f);
		if (r->status == ACT_HOOK_TIMEOUT)
			log_warnx("%s hook %s: timed out after %.1f s, killed "
				  "(signal %d)",
			    kind, job->ctx.id, r->duration_s, r->signo);
		else if (r->status == ACT_HOOK_SIGNALED)
			log_warnx("%s hook %s: killed by signal %d after "
				  "%.1f s",
			    kind, job->ctx.id, r->signo, r->duration_s);
		else if (r->status == ACT_HOOK_FAILED)
			log_warnx("%s hook %s: exit %d after %.1f s", kind,
			    job->ctx.id, r->exit_code, r->duration_s);
		else if (r->status == ACT_HOOK_OK)
			log_info("%s hook %s: done (exit 0) in %.1f s", kind,
			    job->ctx.id, r->duration_s);
	}
	if (delay >= 0) {
		log_info("%s %s: attempt %d failed, retry in %.1f s (%d of "
			 "%d)",
		    kind, job->ctx.id, job->ctx.attempt, delay,
		    job->ctx.attempt, retries);
		job->active = true;
		job->retry_timer = loop_add_timer(
		    act->a->loop, (int64_t)(delay * 1000.0), retry_cb, job);
		if (job->retry_timer < 0) {
			job->retry_timer = 0;
			job->active = false;
		}
	} else if (!ok && job->ctx.kind == ACT_SHUTDOWN) {
		log_warnx("shutdown %s: the hook failed %d time%s%s",
		    job->ctx.id, job->ctx.attempt,
		    job->ctx.attempt == 1 ? "" : "s",
		    act->wd_countdown_s > 0
			? "; the BMC watchdog powers the host down"
			: "; no BMC watchdog is armed: the host is "
			  "unprotected");
	} else if (!ok && job->ctx.kind == ACT_MIGRATE) {
		log_warnx("migrate %s: giving up after %d attempt%s",
		    job->ctx.id, job->ctx.attempt,
		    job->ctx.attempt == 1 ? "" : "s");
	}
	if (job->ctx.kind == ACT_SHUTDOWN && job->retry_timer == 0)
		act->sd_phase = ACT_SD_DONE;
	if (job->ctx.kind == ACT_NOTIFY)
		notify_next(act);
}

static void
job_done(void *arg, const struct act_hook_result *r)
{
	job_finished(arg, r, false);
}

/* --- the shutdown sequence ------------------------------------------- */

static double
shutdown_lead(const struct act *act, int sensor)
{
	const struct eng_conf *ec = &act->a->conf.engine;
	struct eng_sensor_view v;
	double lead = 0;
	int c;

	if (sensor >= 0) {
		eng_sensor_view(act->a->eng, sensor, &v);
		return ec->cls[v.cls].shutdown.lead_s;
	}
	for (c = 0; c < ENG_CLASS_COUNT; c++)
		if (ec->cls[c].shutdown.lead_s > lead)
			lead = ec->cls[c].shutdown.lead_s;
	return lead;
}

static void shutdown_advance(struct act *act);

static int64_t
sd_poll_cb(struct loop *l, int64_t now_ms, void *arg)
{
	struct act *act = arg;

	(void)l;
	(void)now_ms;
	shutdown_advance(act);
	if (act->sd_phase != ACT_SD_WAIT) {
		act->sd_poll_timer = 0;
		return LOOP_NOMORE;
	}
	return SD_POLL_MS;
}

static void
wd_done(void *arg, int ok, const char *msg)
{
	struct act_wd_token *t = arg;
	struct act *act = t->act;
	cJSON *f;

	if (t->dead) {
		free(t);
		return;
	}
	act->wd_token = NULL;
	free(t);
	f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "id", act->shutdown.ctx.id);
	cJSON_AddStringToObject(f, "result", ok ? "armed" : "failed");
	cJSON_AddNumberToObject(f, "countdown_s", act->wd_countdown_s);
	cJSON_AddStringToObject(f, "message", msg != NULL ? msg : "");
	agent_event(act->a, "watchdog", f);
	if (ok) {
		log_info("shutdown %s: BMC watchdog armed, power down in "
			 "%d s: %s",
		    act->shutdown.ctx.id, act->wd_countdown_s,
		    msg != NULL ? msg : "");
	} else {
		log_warnx("shutdown %s: BMC watchdog not armed: %s",
		    act->shutdown.ctx.id, msg != NULL ? msg : "");
		act->wd_countdown_s = 0;
	}
	act->wd_wait = false;
	shutdown_advance(act);
}

static void
shutdown_advance(struct act *act)
{
	int64_t now = loop_now_ms(act->a->loop);
	struct mq_stats st;

	if (act->sd_phase != ACT_SD_WAIT)
		return;
	if (act->ack_wait) {
		mq_get_stats(act->a->mq, &st);
		if (st.events_acked >= act->ack_target) {
			act->ack_wait = false;
			log_info("shutdown %s: the broker has the event "
				 "(%" PRId64 " ms)",
			    act->shutdown.ctx.id, now - act->sd_t0_ms);
		} else if (now >= act->ack_deadline_ms) {
			act->ack_wait = false;
			log_warnx("shutdown %s: no ack from the broker within "
				  "%.1f s, going on (the event stays queued)",
			    act->shutdown.ctx.id,
			    act->a->conf.actions.event_ack_wait_s);
		}
	}
	if (act->wd_wait && now >= act->wd_deadline_ms) {
		act->wd_wait = false;
		log_warnx("shutdown %s: the BMC did not confirm the watchdog "
			  "within %.1f s, going on",
		    act->shutdown.ctx.id, act->a->conf.actions.watchdog_wait_s);
	}
	if (act->ack_wait || act->wd_wait) {
		if (act->sd_poll_timer == 0) {
			act->sd_poll_timer = loop_add_timer(
			    act->a->loop, SD_POLL_MS, sd_poll_cb, act);
			if (act->sd_poll_timer < 0) {
				/* Without a timer we cannot wait: go on. */
				act->sd_poll_timer = 0;
				act->ack_wait = act->wd_wait = false;
			} else {
				return;
			}
		} else {
			return;
		}
	}
	act->sd_phase = ACT_SD_HOOK;
	if (act->sd_poll_timer > 0)
		loop_del_timer(act->a->loop, act->sd_poll_timer);
	act->sd_poll_timer = 0;
	act_job_run(&act->shutdown);
}

static void
shutdown_start(struct act *act, const struct eng_decision *d, int64_t now_ms)
{
	struct agent *a = act->a;
	const struct actions_conf *c = &a->conf.actions;
	struct act_ctx *ctx = &act->shutdown.ctx;
	bool wd = a->bmc != NULL && a->conf.ipmi.watchdog.enabled;
	bool dry = act_dry_run(act);
	struct act_wd_token *t;
	struct mq_stats st;
	double lead, cd;
	cJSON *f;

	if (act->sd_phase != ACT_SD_IDLE) {
		log_info("shutdown: already started (%s)", ctx->id);
		return;
	}
	act->sd_phase = ACT_SD_WAIT;
	act->sd_t0_ms = now_ms;
	cancel_retry(act, &act->migrate);
	act_ctx_fill(act, ctx, ACT_SHUTDOWN, d);
	lead = shutdown_lead(act, d->sensor);
	cd = ceil(lead + c->watchdog_margin_s);
	if (cd < 1)
		cd = 1;
	if (cd > WD_MAX_S)
		cd = WD_MAX_S;
	act->wd_countdown_s = wd ? (int)cd : 0;
	log_warnx("%sthermal shutdown %s: %s", dry ? "dry run: " : "", ctx->id,
	    ctx->reason);

	/* 1. the record, before anything can power the host off */
	if (dry)
		log_info("dry run: would record the thermal shutdown in %s",
		    a->conf.agent.state_dir);
	else
		act_record_write(act, ctx);

	/* 2. the event, and the watchdog at the same time */
	act->ack_wait = false;
	if (a->mq != NULL && c->event_ack_wait_s > 0) {
		mq_get_stats(a->mq, &st);
		act->ack_wait = true;
		act->ack_target = st.events_acked + (uint64_t)st.queued + 1;
		act->ack_deadline_ms = now_ms +
		    (int64_t)(c->event_ack_wait_s * 1000.0);
	}
	f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "id", ctx->id);
	cJSON_AddStringToObject(f, "code", ctx->code);
	cJSON_AddStringToObject(f, "reason", ctx->reason);
	cJSON_AddStringToObject(f, "sensor", ctx->sensor);
	json_add_num(f, "value_c", ctx->value_c);
	json_add_num(f, "trip_c", ctx->trip_c);
	json_add_num(f, "eta_s", ctx->eta_s);
	cJSON_AddNumberToObject(f, "lead_s", lead);
	if (wd)
		cJSON_AddNumberToObject(f, "watchdog_s", cd);
	else
		cJSON_AddNullToObject(f, "watchdog_s");
	cJSON_AddBoolToObject(f, "dry_run", dry);
	agent_event(a, "shutdown", f);

	act->wd_wait = false;
	if (!wd) {
		log_info("shutdown %s: no BMC watchdog configured, the hook "
			 "has no hardware fallback",
		    ctx->id);
	} else if (dry) {
		log_info("dry run: would arm the BMC watchdog: power down in "
			 "%d s",
		    (int)cd);
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "id", ctx->id);
		cJSON_AddStringToObject(f, "result", "dry_run");
		cJSON_AddNumberToObject(f, "countdown_s", cd);
		agent_event(a, "watchdog", f);
		act->wd_countdown_s = 0;
	} else if ((t = calloc(1, sizeof(*t))) == NULL) {
		log_warn("shutdown %s: BMC watchdog", ctx->id);
		act->wd_countdown_s = 0;
	} else {
		t->act = act;
		act->wd_token = t;
		act->wd_wait = true;
		act->wd_deadline_ms = now_ms +
		    (int64_t)(c->watchdog_wait_s * 1000.0);
		if (bmc_watchdog_arm(a->bmc, (int)cd, wd_done, t) < 0) {
			log_warnx("shutdown %s: BMC watchdog busy, not armed",
			    ctx->id);
			act->wd_token = NULL;
			act->wd_wait = false;
			act->wd_countdown_s = 0;
			free(t);
		}
	}
	/* 3. the hook, when both are done (maybe right now) */
	shutdown_advance(act);
}

/* --- the agent's entry points ---------------------------------------- */

struct act *
act_create(struct agent *a)
{
	const struct actions_conf *c = &a->conf.actions;
	const struct eng_conf *ec = &a->conf.engine;
	struct act *act;
	int k;

	act = calloc(1, sizeof(*act));
	if (act == NULL) {
		log_warn("actions");
		return NULL;
	}
	act->a = a;
	act->t0_wall_s = (int64_t)time(NULL);
	act->notify.act = act->migrate.act = act->shutdown.act =
	    act->boot_hold.act = act;
	act->notify.ctx.kind = ACT_NOTIFY;
	act->migrate.ctx.kind = ACT_MIGRATE;
	act->shutdown.ctx.kind = ACT_SHUTDOWN;
	act->boot_hold.ctx.kind = ACT_BOOT_HOLD;
	act->cool_since_ms = -1;
	for (k = 0; k < ACT_KIND_COUNT; k++) {
		char buf[PATH_MAX];
		char *const *argv = c->hook[k].argv;
		int rc;

		if (argv == NULL || argv[0] == NULL)
			continue;
		rc = act_hook_resolve(argv[0], buf, sizeof(buf));
		if (rc < 0)
			log_warnx("actions.%s: %s: %s (the hook will fail "
				  "until it is installed)",
			    act_kind_names[k], argv[0], strerror(-rc));
	}
	for (k = 0; k < ENG_CLASS_COUNT; k++) {
		double spare = ec->cls[k].shutdown.lead_s *
		    (ec->policy.shutdown_safety_factor - 1.0);

		if (a->conf.ipmi.enabled && a->conf.ipmi.watchdog.enabled &&
		    c->watchdog_margin_s >= spare)
			log_warnx(
			    "actions.watchdog_margin_s (%g s) is not "
			    "below the %s shutdown lead's safety spare "
			    "(%g s): the BMC may power down only after the "
			    "predicted trip",
			    c->watchdog_margin_s,
			    eng_class_name((enum eng_class)k), spare);
	}
	act_guard_start(act);
	return act;
}

void
act_free(struct act *act)
{
	if (act == NULL)
		return;
	cancel_retry(act, &act->notify);
	cancel_retry(act, &act->migrate);
	cancel_retry(act, &act->shutdown);
	cancel_retry(act, &act->boot_hold);
	if (act->sd_poll_timer > 0)
		loop_del_timer(act->a->loop, act->sd_poll_timer);
	if (act->wd_token != NULL)
		act->wd_token->dead = true; /* freed by wd_done */
	act_hook_abandon(act->notify.h, true);
	act_hook_abandon(act->migrate.h, true);
	act_hook_abandon(act->boot_hold.h, true);
	if (act->shutdown.h != NULL)
		log_info("shutdown hook (pid %d) left running",
		    (int)act_hook_pid(act->shutdown.h));
	act_hook_abandon(act->shutdown.h, false);
	free(act);
}

void
act_decision(struct act *act, const struct eng_decision *d, int64_t now_ms)
{
	struct act_ctx ctx;

	if (act == NULL)
		return;
	switch (d->action) {
	case ENG_ACT_NOTIFY:
		act_ctx_fill(act, &ctx, ACT_NOTIFY, d);
		act_notify(act, &ctx);
		break;
	case ENG_ACT_MIGRATE:
		migrate_start(act, d);
		break;
	case ENG_ACT_SHUTDOWN:
		shutdown_start(act, d, now_ms);
		break;
	case ENG_ACT_HOLD:
		/* accepting load or not: published by the agent, no hook */
		break;
	}
}

void
act_tick(struct act *act, const struct eng_output *o, int64_t now_ms)
{
	struct eng_decision d;

	if (act == NULL)
		return;
	if (act->migrate.retry_timer > 0 && !still_hot(act)) {
		log_info("migrate %s: host no longer hot, retries stopped",
		    act->migrate.ctx.id);
		cancel_retry(act, &act->migrate);
	}
	if (o->zone_alarm && !act->zone_alarm &&
	    o->state != ENG_STATE_CRITICAL && act->sd_phase == ACT_SD_IDLE) {
		if (engine_quiet(act->a->eng)) {
			log_info("zone alarm: migrate suppressed (quiet)");
		} else {
			memset(&d, 0, sizeof(d));
			d.action = ENG_ACT_MIGRATE;
			d.code = "migrate.zone";
			d.sensor = o->worst_sensor;
			d.value_c = NAN;
			d.trip_c = NAN;
			d.eta_s = o->eta_s;
			snprintf(d.reason, sizeof(d.reason), "%s", o->reason);
			if (d.sensor >= 0) {
				struct eng_sensor_view v;

				eng_sensor_view(act->a->eng, d.sensor, &v);
				d.value_c = v.filtered_c;
				d.trip_c = v.trip_c;
			}
			log_info("zone alarm: migrating load away");
			migrate_start(act, &d);
		}
	}
	act->zone_alarm = o->zone_alarm;
	act_guard_tick(act, o, now_ms);
}

void
act_get_stats(const struct act *act, struct act_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (act == NULL)
		return;
	st->shutdown_started = act->sd_phase != ACT_SD_IDLE;
	st->migrate_running = act->migrate.h != NULL;
	st->migrate_retry_pending = act->migrate.retry_timer > 0;
	st->hooks_running = (act->notify.h != NULL) + (act->migrate.h != NULL) +
	    (act->shutdown.h != NULL) + (act->boot_hold.h != NULL);
	st->runs = act->runs;
	st->failures = act->failures;
}
