/*
 * action_job.c - one run of a hook for an action: its environment, the
 * dry run, the result (an "action" event and the log), the retries with
 * backoff. act_job_run() is the one place a hook process is started
 * (through action_hook.c). See action.h.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action_int.h"
#include "log.h"

#define ENV_MAX 32

/* A hook's whole environment, each string malloc'ed: THERMWATCH_REASON
 * and THERMWATCH_DESTINATIONS can be long. */
struct hook_env {
	char *v[ENV_MAX + 1];
	int n;
};

static void env_add(struct hook_env *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
env_add(struct hook_env *e, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (e->n >= ENV_MAX)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) >= 0)
		e->v[e->n++] = s;
	va_end(ap);
	e->v[e->n] = NULL;
}

static void
env_free(struct hook_env *e)
{
	for (int i = 0; i < e->n; i++)
		free(e->v[i]);
	e->n = 0;
	e->v[0] = NULL;
}

/* A number, or empty when unknown. */
static void
env_num(struct hook_env *e, const char *name, const char *fmt, double v)
{
	char buf[64];

	if (isfinite(v))
		snprintf(buf, sizeof(buf), fmt, v);
	else
		buf[0] = '\0';
	env_add(e, "%s=%s", name, buf);
}

static void
build_env(const struct act *act, const struct act_ctx *c, struct hook_env *e)
{
	const struct agent_group *g = &act->env.conf->agent;
	const struct actions_hook_conf *hc =
	    &act->env.conf->actions.hook[c->kind];
	char *dest;

	e->n = 0;
	e->v[0] = NULL;
	env_add(e, "PATH=%s", ACT_HOOK_PATH);
	env_add(e, "THERMWATCH_HOST=%s", g->host);
	env_add(e, "THERMWATCH_SITE=%s", g->site);
	env_add(e, "THERMWATCH_ZONE=%s", g->zone);
	env_add(e, "THERMWATCH_TIER=%d", g->tier);
	env_add(e, "THERMWATCH_STATE=%s", c->state);
	env_add(e, "THERMWATCH_PREV_STATE=%s", c->prev_state);
	env_add(e, "THERMWATCH_REASON=%s", c->reason);
	env_add(e, "THERMWATCH_CODE=%s", c->code);
	env_add(e, "THERMWATCH_SENSOR=%s", c->sensor);
	env_num(e, "THERMWATCH_VALUE_C", "%.1f", c->value_c);
	env_num(e, "THERMWATCH_TRIP_C", "%.1f", c->trip_c);
	env_num(e, "THERMWATCH_ETA_S", "%.0f", c->eta_s);
	env_add(e, "THERMWATCH_ACTION=%s", act_kind_names[c->kind]);
	env_add(e, "THERMWATCH_ACTION_ID=%s", c->id);
	env_add(e, "THERMWATCH_ATTEMPT=%d", c->attempt);
	env_add(e, "THERMWATCH_TIMEOUT_S=%g", hc->timeout_s);
	/* unset when the agent has no view of the fleet */
	if (c->kind == ACT_MIGRATE && act->env.destinations != NULL &&
	    (dest = act->env.destinations(act->env.arg)) != NULL) {
		env_add(e, "THERMWATCH_DESTINATIONS=%s", dest);
		free(dest);
	}
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

/* A dry run: reported as what would have run (by: who decided it did
 * not, NULL when it was this agent), then finished like a success. */
static void
job_dry(struct act_job *job, const struct act_hook_result *r, const char *by)
{
	const char *kind = act_kind_names[job->ctx.kind];
	char text[512];
	cJSON *f;

	act_hook_argv_text(job->act->env.conf->actions.hook[job->ctx.kind].argv,
	    text, sizeof(text));
	f = result_fields(job, "dry_run");
	cJSON_AddStringToObject(f, "would_run", text);
	if (by != NULL)
		cJSON_AddStringToObject(f, "by", by);
	log_json(LOG_INFO, "action", f,
	    "dry run: would run %s hook: %s (id %s, attempt %d%s%s)", kind,
	    text, job->ctx.id, job->ctx.attempt, by != NULL ? ", said by " : "",
	    by != NULL ? by : "");
	act_event(job->act, "action", f);
	job_finished(job, r, true);
}

void
act_job_run(struct act_job *job)
{
	struct act *act = job->act;
	const struct actions_conf *c = &act->env.conf->actions;
	const struct actions_hook_conf *hc = &c->hook[job->ctx.kind];
	const char *kind = act_kind_names[job->ctx.kind];
	struct hook_env env;
	char text[512];
	struct act_hook_spec spec;
	struct act_hook_result r;

	job->active = true;
	if (hc->argv == NULL || hc->argv[0] == NULL) {
		log_debug("no %s hook configured (%s)", kind, job->ctx.id);
		job->active = false;
		if (job->ctx.kind == ACT_SHUTDOWN)
			act->sd_phase = ACT_SD_DONE;
		return;
	}
	act_hook_argv_text(hc->argv, text, sizeof(text));
	if (act_dry_run(act) && act->env.priv == NULL) {
		memset(&r, 0, sizeof(r));
		r.status = ACT_HOOK_OK;
		r.dry_run = true;
		job_dry(job, &r, NULL);
		return;
	}
	build_env(act, &job->ctx, &env);
	memset(&spec, 0, sizeof(spec));
	spec.argv = hc->argv;
	spec.envp = env.v;
	spec.timeout_s = hc->timeout_s;
	spec.kill_after_s = c->kill_after_s;
	spec.output_max = (size_t)c->output_max_bytes;
	spec.line = on_line;
	spec.done = job_done;
	spec.arg = job;
	spec.priv = act->env.priv;
	spec.kind = job->ctx.kind;
	spec.id = job->ctx.id;
	spec.attempt = job->ctx.attempt;
	spec.dry_run = act_dry_run(act);
	if (!spec.dry_run)
		act->runs++;
	job->h = act_hook_start(act->env.loop, &spec, &r);
	env_free(&env);
	if (job->h == NULL) {
		/* job_finished logs it, with the event's fields */
		job_finished(job, &r, false);
		return;
	}
	if (spec.priv != NULL)
		log_info("%s %s hook through the privileged part: %s (id %s, "
			 "attempt %d)",
		    spec.dry_run ? "dry run of the" : "running", kind, text,
		    job->ctx.id, job->ctx.attempt);
	else
		log_info("running %s hook: %s (pid %d, id %s, attempt %d)",
		    kind, text, (int)act_hook_pid(job->h), job->ctx.id,
		    job->ctx.attempt);
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
		if (r->status == ACT_HOOK_TIMEOUT)
			log_json(LOG_WARNING, "action", f,
			    "%s hook %s: timed out after %.1f s, killed "
			    "(signal %d)",
			    kind, job->ctx.id, r->duration_s, r->signo);
		else if (r->status == ACT_HOOK_SIGNALED)
			log_json(LOG_WARNING, "action", f,
			    "%s hook %s: killed by signal %d after %.1f s",
			    kind, job->ctx.id, r->signo, r->duration_s);
		else if (r->status == ACT_HOOK_FAILED)
			log_json(LOG_WARNING, "action", f,
			    "%s hook %s: exit %d after %.1f s", kind,
			    job->ctx.id, r->exit_code, r->duration_s);
		else if (r->status == ACT_HOOK_OK)
			log_json(LOG_INFO, "action", f,
			    "%s hook %s: done (exit 0) in %.1f s", kind,
			    job->ctx.id, r->duration_s);
		else
			log_json(LOG_WARNING, "action", f,
			    "cannot run %s hook %s: %s", kind, job->ctx.id,
			    strerror(r->err));
		act_event(act, "action", f);
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
	struct act_job *job = arg;

	if (r->dry_run) {
		job->h = NULL;
		job_dry(job, r, "the privileged part");
		return;
	}
	job_finished(job, r, false);
}
