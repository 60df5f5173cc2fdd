/*
 * privd_run.c - thermwatch-privd's work for the agent: run the configured
 * hook of a requested kind through the hook runner (action_hook.c), pass
 * its output and result back, kill it on request, arm the BMC watchdog.
 */
#include "privd_int.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

/* ---- hooks ---- */

static void
send_done(struct prvd *d, const char *id, enum prv_status st,
    const struct act_hook_result *hr, const char *program, const char *text)
{
	struct prv_reply r;

	memset(&r, 0, sizeof(r));
	r.type = PRV_REP_DONE;
	snprintf(r.id, sizeof(r.id), "%s", id);
	r.status = st;
	r.exit_code = hr != NULL ? hr->exit_code : -1;
	r.signo = hr != NULL ? hr->signo : 0;
	r.duration_s = hr != NULL ? hr->duration_s : 0;
	r.output_dropped = hr != NULL ? (long)hr->output_dropped : 0;
	snprintf(r.program, sizeof(r.program), "%s", program);
	snprintf(r.text, sizeof(r.text), "%s", text);
	prvd_reply(d, &r);
}

static void
on_line(void *arg, pid_t pid, int stream, const char *line)
{
	struct prvd_run *run = arg;
	struct prv_reply r;

	(void)pid;
	memset(&r, 0, sizeof(r));
	r.type = PRV_REP_LINE;
	snprintf(r.id, sizeof(r.id), "%s", run->id);
	r.stream = stream;
	snprintf(r.text, sizeof(r.text), "%s", line);
	prvd_reply(run->d, &r);
}

static enum prv_status
status_of(enum act_hook_status s)
{
	switch (s) {
	case ACT_HOOK_OK:
		return PRV_OK;
	case ACT_HOOK_FAILED:
		return PRV_FAILED;
	case ACT_HOOK_SIGNALED:
		return PRV_SIGNALED;
	case ACT_HOOK_TIMEOUT:
		return PRV_TIMEOUT;
	case ACT_HOOK_ERROR:
		break;
	}
	return PRV_ERROR;
}

static void
on_done(void *arg, const struct act_hook_result *hr)
{
	struct prvd_run *run = arg;
	struct prvd *d = run->d;
	const char *kind = act_kind_names[run->kind];

	prvd_log_req(hr->status == ACT_HOOK_OK ? LOG_INFO : LOG_WARNING, "run",
	    kind, run->id, act_hook_status_name(hr->status),
	    "%s hook %s (pid %d) for the agent: %s, exit %d, signal %d, "
	    "%.1f s",
	    kind, run->id, (int)hr->pid, act_hook_status_name(hr->status),
	    hr->exit_code, hr->signo, hr->duration_s);
	send_done(d, run->id, status_of(hr->status), hr, run->program, "");
	run->h = NULL;
	run->used = false;
	prvd_maybe_finish(d);
}

struct prvd_run *
prvd_find_run(struct prvd *d, const char *id)
{
	int i;

	for (i = 0; i < PRV_RUNS_MAX; i++)
		if (d->runs[i].used && strcmp(d->runs[i].id, id) == 0)
			return &d->runs[i];
	return NULL;
}

static struct prvd_run *
free_run(struct prvd *d)
{
	int i;

	for (i = 0; i < PRV_RUNS_MAX; i++)
		if (!d->runs[i].used)
			return &d->runs[i];
	return NULL;
}

/*
 * The environment: PATH fixed, THERMWATCH_TIMEOUT_S from our own
 * configuration, and the agent's THERMWATCH_* (already checked).
 */
static void
build_env(const struct prvd *d, const struct prv_request *q,
    char buf[][ENV_LEN], char **envp)
{
	const struct actions_hook_conf *hc = &d->conf.actions.hook[q->kind];
	int i, n = 0;

	snprintf(buf[n], ENV_LEN, "PATH=%s", ACT_HOOK_PATH);
	envp[n] = buf[n];
	n++;
	snprintf(buf[n], ENV_LEN, "THERMWATCH_TIMEOUT_S=%.0f", hc->timeout_s);
	envp[n] = buf[n];
	n++;
	for (i = 0; i < q->n_env; i++) {
		if (strcmp(q->env[i].name, "THERMWATCH_TIMEOUT_S") == 0)
			continue;
		snprintf(
		    buf[n], ENV_LEN, "%s=%s", q->env[i].name, q->env[i].value);
		envp[n] = buf[n];
		n++;
	}
	envp[n] = NULL;
}

void
prvd_run_hook(struct prvd *d, const struct prv_request *q)
{
	const struct actions_conf *ac = &d->conf.actions;
	char *const *argv = ac->hook[q->kind].argv;
	const char *kind = act_kind_names[q->kind];
	static char envbuf[PRV_ENV_MAX + 2][ENV_LEN];
	char *envp[PRV_ENV_MAX + 3], text[PRV_TEXT_MAX + 1];
	struct act_hook_spec spec;
	struct act_hook_result hr;
	struct prvd_run *run;
	struct prv_reply r;

	if (prvd_find_run(d, q->id) != NULL) {
		prvd_refuse(
		    d, "run", q->id, "a hook with that id runs already");
		return;
	}
	if (argv == NULL || argv[0] == NULL) {
		prvd_log_req(LOG_INFO, "run", kind, q->id, "none",
		    "no %s hook in %s (%s)", kind, d->conf_path, q->id);
		send_done(d, q->id, PRV_NONE, NULL, "", "");
		return;
	}
	act_hook_argv_text(argv, text, sizeof(text));
	if (q->dry_run || ac->dry_run) {
		prvd_log_req(LOG_INFO, "run", kind, q->id, "dry_run",
		    "dry run: would run %s hook: %s (id %s, attempt %d; dry "
		    "run by %s)",
		    kind, text, q->id, q->attempt,
		    ac->dry_run ? d->conf_path : "the agent");
		send_done(d, q->id, PRV_DRY_RUN, NULL, argv[0], text);
		return;
	}
	run = free_run(d);
	if (run == NULL) {
		prvd_refuse(d, "run", q->id, "too many hooks running");
		return;
	}
	build_env(d, q, envbuf, envp);
	memset(&spec, 0, sizeof(spec));
	spec.argv = argv;
	spec.envp = envp;
	spec.timeout_s = ac->hook[q->kind].timeout_s;
	spec.kill_after_s = ac->kill_after_s;
	spec.output_max = (size_t)ac->output_max_bytes;
	spec.line = on_line;
	spec.done = on_done;
	spec.arg = run;
	memset(run, 0, sizeof(*run));
	run->d = d;
	run->kind = q->kind;
	snprintf(run->id, sizeof(run->id), "%s", q->id);
	snprintf(run->program, sizeof(run->program), "%s", argv[0]);
	run->h = act_hook_start(d->loop, &spec, &hr);
	if (run->h == NULL) {
		prvd_log_req(LOG_WARNING, "run", kind, q->id, "error",
		    "cannot run %s hook %s: %s", kind, text, strerror(hr.err));
		send_done(d, q->id, PRV_ERROR, &hr, argv[0], strerror(hr.err));
		return;
	}
	run->used = true;
	prvd_log_req(LOG_INFO, "run", kind, q->id, "started",
	    "running %s hook for the agent: %s (pid %d, id %s, attempt %d)",
	    kind, text, (int)act_hook_pid(run->h), q->id, q->attempt);
	memset(&r, 0, sizeof(r));
	r.type = PRV_REP_STARTED;
	snprintf(r.id, sizeof(r.id), "%s", q->id);
	r.pid = act_hook_pid(run->h);
	prvd_reply(d, &r);
}

void
prvd_kill_run(struct prvd *d, struct prvd_run *run, const char *why)
{
	struct act_hook_result hr;

	prvd_log_req(LOG_INFO, "kill", act_kind_names[run->kind], run->id,
	    "killed", "%s hook %s: killed (%s)", act_kind_names[run->kind],
	    run->id, why);
	act_hook_abandon(run->h, true);
	memset(&hr, 0, sizeof(hr));
	hr.exit_code = -1;
	hr.signo = SIGKILL;
	send_done(d, run->id, PRV_SIGNALED, &hr, run->program, "");
	run->h = NULL;
	run->used = false;
}

int
prvd_running(const struct prvd *d)
{
	int i, n = 0;

	for (i = 0; i < PRV_RUNS_MAX; i++)
		n += d->runs[i].used;
	return n;
}

/* ---- BMC watchdog ---- */

static void
on_wd_done(void *arg, int ok, const char *msg)
{
	struct prvd *d = arg;
	struct prv_reply r;

	d->wd_busy = false;
	prvd_log_req(ok ? LOG_INFO : LOG_WARNING, "watchdog", NULL, NULL,
	    ok ? "ok" : "failed", "BMC watchdog for the agent: %s", msg);
	memset(&r, 0, sizeof(r));
	r.type = PRV_REP_WATCHDOG;
	r.ok = ok != 0;
	snprintf(r.text, sizeof(r.text), "%s", msg);
	prvd_reply(d, &r);
	prvd_maybe_finish(d);
}

static void
wd_fail(struct prvd *d, const char *msg)
{
	d->wd_busy = true;
	on_wd_done(d, 0, msg);
}

void
prvd_watchdog(struct prvd *d, const struct prv_request *q)
{
	char msg[256];

	if (!d->conf.ipmi.enabled || !d->conf.ipmi.watchdog.enabled) {
		snprintf(msg, sizeof(msg),
		    "not armed: ipmi.watchdog is not enabled in %s",
		    d->conf_path);
		wd_fail(d, msg);
		return;
	}
	if (d->conf.actions.dry_run) {
		snprintf(
		    msg, sizeof(msg), "not armed: dry run (%s)", d->conf_path);
		wd_fail(d, msg);
		return;
	}
	if (d->wd_busy) {
		prvd_refuse(
		    d, "watchdog", NULL, "a watchdog request is in progress");
		return;
	}
	if (d->bmc == NULL)
		d->bmc = bmc_create(d->loop, &d->conf.ipmi,
		    d->conf.agent.state_dir, NULL, NULL, NULL);
	if (d->bmc == NULL) {
		wd_fail(d, "not armed: out of memory");
		return;
	}
	d->wd_busy = true;
	if (bmc_watchdog_arm(d->bmc, q->countdown_s, on_wd_done, d) < 0) {
		d->wd_busy = false;
		prvd_refuse(d, "watchdog", NULL, "the BMC is busy");
		return;
	}
	prvd_log_req(LOG_INFO, "watchdog", NULL, NULL, "started",
	    "arming the BMC watchdog for the agent: %d s", q->countdown_s);
}
