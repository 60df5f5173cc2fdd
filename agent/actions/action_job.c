/*
 * action_job.c - one run of a hook for an action: its environment, the
 * dry run, the result (an "action" event and the log), the retries with
 * backoff. act_job_run() is the one place a hook process is started
 * (through action_hook.c). See action.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action_int.h"
#include "log.h"

#define ENV_MAX 24
#define ENV_LEN (ACT_HOLD_LEN + 32)

static int
build_env(const struct act *act, const struct act_ctx *c,
    char buf[ENV_MAX][ENV_LEN], char *envp[ENV_MAX + 1])
{
	const struct agent_group *g = &act->env.conf->agent;
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
	char *const *argv =
	    job->act->env.conf->actions.hook[job->ctx.kind].argv;

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
	const struct actions_conf *c = &act->env.conf->actions;
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
		act_event(act, "action", f);
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
	job->h = act_hook_start(act->env.loop, &spec, &r);
	if (job->h == NULL) {
		log_warnx(
		    "cannot run %s hook %s: %s", kind, text, strerror(r.err));
		job_finished(job, &r, false);
		return;
	}
	log_info("running %s hook: %s (pid %d, id %s, attempt %d)", kind, text,
	    (int)act_hook_pid(job->h), job->ctx.id, job->ctx.attempt);
}

void
act_job_cancel_retry(struct act *act, struct act_job *job)
{
	if (job->retry_timer > 0)
		loop_del_timer(act->env.loop, job->retry_timer);
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
	    (!act_still_hot(act) || act->sd_phase != ACT_SD_IDLE)) {
		log_info(
		    "migrate %s: host no longer hot, no retry", job->ctx.id);
		return LOOP_NOMORE;
	}
	/* Same id and decision; a new attempt in the current state. */
	snprintf(job->ctx.state, sizeof(job->ctx.state), "%s",
	    eng_state_name(act->env.out->state));
	job->ctx.attempt++;
	act_job_run(job);
	return LOOP_NOMORE;
}

static void
job_finished(struct act_job *job, const struct act_hook_result *r, bool dry)
{
	struct act *act = job->act;
	const struct actions_conf *c = &act->env.conf->actions;
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
			if (!act_still_hot(act) || act->sd_phase != ACT_SD_IDLE)
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
		act_event(act, "action", f);
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
		    act->env.loop, (int64_t)(delay * 1000.0), retry_cb, job);
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
		act_notify_next(act);
}

static void
job_done(void *arg, const struct act_hook_result *r)
{
	job_finished(arg, r, false);
}
