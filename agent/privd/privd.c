/*
 * privd.c - thermwatch-privd's service loop: check each request of the
 * agent (priv_proto.c), run the configured hook of its kind through the
 * hook runner (action_hook.c), arm the BMC watchdog (bmc.h), answer, log
 * every request with journal fields. See privd.h and priv_proto.h.
 */
#include "privd.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include <cjson/cJSON.h>

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

/* ---- logging: one journal entry per request, with its fields ---- */

static void log_req(int pri, const char *req, const char *action,
    const char *id, const char *result, const char *fmt, ...) LOG_FMT(6, 7);

static void
log_req(int pri, const char *req, const char *action, const char *id,
    const char *result, const char *fmt, ...)
{
	cJSON *f = cJSON_CreateObject();
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(f, "priv_request", req);
	if (action != NULL)
		cJSON_AddStringToObject(f, "action", action);
	if (id != NULL)
		cJSON_AddStringToObject(f, "id", id);
	if (result != NULL)
		cJSON_AddStringToObject(f, "result", result);
	log_json(pri, "priv", f, "%s", msg);
	cJSON_Delete(f);
}

/* ---- replies: queued, sent as the socket takes them ---- */

static void flush_out(struct prvd *d);
static void hang_up(struct prvd *d);

static void on_fd(struct loop *l, int fd, short revents, void *arg);

static void
set_events(struct prvd *d)
{
	short ev = (d->hung_up ? 0 : POLLIN) | (d->want_out ? POLLOUT : 0);

	if (d->fd >= 0)
		loop_set_fd_events(d->loop, d->fd, ev);
}

static void
reply(struct prvd *d, const struct prv_reply *r)
{
	char buf[PRV_MSG_MAX + 1];
	int n;

	if (d->hung_up)
		return;
	if (r->type == PRV_REP_LINE && d->out.n >= OUTQ_LINE) {
		d->lines_dropped++;
		return;
	}
	n = prv_reply_encode(r, buf, sizeof(buf));
	if (n < 0) {
		log_warnx("cannot encode a reply (%d)", (int)r->type);
		return;
	}
	if (prv_outq_push(&d->out, buf, (size_t)n) < 0) {
		log_warnx("the agent does not read: reply dropped");
		return;
	}
	flush_out(d);
}

static void
flush_out(struct prvd *d)
{
	int rc = prv_outq_flush(&d->out, d->fd);

	d->want_out = rc > 0;
	if (rc < 0) {
		log_warn("send to the agent");
		prv_outq_clear(&d->out);
		hang_up(d);
		return;
	}
	set_events(d);
}

/* id: of the request when it had a valid one, else NULL */
static void
refuse(struct prvd *d, const char *req, const char *id, const char *why)
{
	struct prv_reply r;

	log_req(LOG_WARNING, req, NULL, id, "refused",
	    "refused request \"%s\" from the agent: %s", req, why);
	memset(&r, 0, sizeof(r));
	r.type = PRV_REP_REFUSED;
	snprintf(r.req, sizeof(r.req), "%s", req);
	snprintf(r.id, sizeof(r.id), "%s", id != NULL ? id : "");
	snprintf(r.text, sizeof(r.text), "%s", why);
	reply(d, &r);
}

/* ---- hooks ---- */

static int running(const struct prvd *d);
static void maybe_finish(struct prvd *d);

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
	reply(d, &r);
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
	reply(run->d, &r);
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

	log_req(hr->status == ACT_HOOK_OK ? LOG_INFO : LOG_WARNING, "run", kind,
	    run->id, act_hook_status_name(hr->status),
	    "%s hook %s (pid %d) for the agent: %s, exit %d, signal %d, "
	    "%.1f s",
	    kind, run->id, (int)hr->pid, act_hook_status_name(hr->status),
	    hr->exit_code, hr->signo, hr->duration_s);
	send_done(d, run->id, status_of(hr->status), hr, run->program, "");
	run->h = NULL;
	run->used = false;
	maybe_finish(d);
}

static struct prvd_run *
find_run(struct prvd *d, const char *id)
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

static void
do_run(struct prvd *d, const struct prv_request *q)
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

	if (find_run(d, q->id) != NULL) {
		refuse(d, "run", q->id, "a hook with that id runs already");
		return;
	}
	if (argv == NULL || argv[0] == NULL) {
		log_req(LOG_INFO, "run", kind, q->id, "none",
		    "no %s hook in %s (%s)", kind, d->conf_path, q->id);
		send_done(d, q->id, PRV_NONE, NULL, "", "");
		return;
	}
	act_hook_argv_text(argv, text, sizeof(text));
	if (q->dry_run || ac->dry_run) {
		log_req(LOG_INFO, "run", kind, q->id, "dry_run",
		    "dry run: would run %s hook: %s (id %s, attempt %d; dry "
		    "run by %s)",
		    kind, text, q->id, q->attempt,
		    ac->dry_run ? d->conf_path : "the agent");
		send_done(d, q->id, PRV_DRY_RUN, NULL, argv[0], text);
		return;
	}
	run = free_run(d);
	if (run == NULL) {
		refuse(d, "run", q->id, "too many hooks running");
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
		log_req(LOG_WARNING, "run", kind, q->id, "error",
		    "cannot run %s hook %s: %s", kind, text, strerror(hr.err));
		send_done(d, q->id, PRV_ERROR, &hr, argv[0], strerror(hr.err));
		return;
	}
	run->used = true;
	log_req(LOG_INFO, "run", kind, q->id, "started",
	    "running %s hook for the agent: %s (pid %d, id %s, attempt %d)",
	    kind, text, (int)act_hook_pid(run->h), q->id, q->attempt);
	memset(&r, 0, sizeof(r));
	r.type = PRV_REP_STARTED;
	snprintf(r.id, sizeof(r.id), "%s", q->id);
	r.pid = act_hook_pid(run->h);
	reply(d, &r);
}

static void
kill_run(struct prvd *d, struct prvd_run *run, const char *why)
{
	struct act_hook_result hr;

	log_req(LOG_INFO, "kill", act_kind_names[run->kind], run->id, "killed",
	    "%s hook %s: killed (%s)", act_kind_names[run->kind], run->id, why);
	act_hook_abandon(run->h, true);
	memset(&hr, 0, sizeof(hr));
	hr.exit_code = -1;
	hr.signo = SIGKILL;
	send_done(d, run->id, PRV_SIGNALED, &hr, run->program, "");
	run->h = NULL;
	run->used = false;
}

static int
running(const struct prvd *d)
{
	int i, n = 0;

	for (i = 0; i < PRV_RUNS_MAX; i++)
		n += d->runs[i].used;
	return n;
}

/* Hung up and nothing left to wait for: the service ends. */
static void
maybe_finish(struct prvd *d)
{
	if (d->hung_up && running(d) == 0 && !d->wd_busy)
		loop_stop(d->loop);
}

/* ---- BMC watchdog ---- */

static void
on_wd_done(void *arg, int ok, const char *msg)
{
	struct prvd *d = arg;
	struct prv_reply r;

	d->wd_busy = false;
	log_req(ok ? LOG_INFO : LOG_WARNING, "watchdog", NULL, NULL,
	    ok ? "ok" : "failed", "BMC watchdog for the agent: %s", msg);
	memset(&r, 0, sizeof(r));
	r.type = PRV_REP_WATCHDOG;
	r.ok = ok != 0;
	snprintf(r.text, sizeof(r.text), "%s", msg);
	reply(d, &r);
	maybe_finish(d);
}

static void
wd_fail(struct prvd *d, const char *msg)
{
	d->wd_busy = true;
	on_wd_done(d, 0, msg);
}

static void
do_watchdog(struct prvd *d, const struct prv_request *q)
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
		refuse(
		    d, "watchdog", NULL, "a watchdog request is in progress");
		return;
	}
	if (d->bmc == NULL)
		d->bmc = bmc_create(d->loop, &d->conf.ipmi,
		    d->conf.agent.state_dir, NULL, NULL);
	if (d->bmc == NULL) {
		wd_fail(d, "not armed: out of memory");
		return;
	}
	d->wd_busy = true;
	if (bmc_watchdog_arm(d->bmc, q->countdown_s, on_wd_done, d) < 0) {
		d->wd_busy = false;
		refuse(d, "watchdog", NULL, "the BMC is busy");
		return;
	}
	log_req(LOG_INFO, "watchdog", NULL, NULL, "started",
	    "arming the BMC watchdog for the agent: %d s", q->countdown_s);
}

/* ---- configuration ---- */

/* Load the configuration; on errors keep the one we have. 0 or -1. */
static int
load_conf(struct prvd *d, char *msg, size_t len)
{
	struct agent_conf c;
	char *text = NULL;
	size_t tlen = 0;
	FILE *err = open_memstream(&text, &tlen);
	int n;

	n = cnf_load(d->conf_path, &c, err != NULL ? err : stderr);
	if (err != NULL)
		fclose(err);
	if (n > 0) {
		if (text != NULL) {
			char *line, *save = NULL;

			for (line = strtok_r(text, "\n", &save); line != NULL;
			     line = strtok_r(NULL, "\n", &save))
				log_warnx("%s", line);
		}
		snprintf(msg, len, "%s has %d error%s, keeping the one in use",
		    d->conf_path, n, n == 1 ? "" : "s");
		free(text);
		cnf_free(&c);
		return -1;
	}
	free(text);
	cnf_free(&d->conf);
	d->conf = c;
	/* a new ipmi group takes effect with the next watchdog request */
	if (!d->wd_busy) {
		bmc_free(d->bmc);
		d->bmc = NULL;
	}
	snprintf(msg, len, "%s loaded", d->conf_path);
	return 0;
}

static void
do_reload(struct prvd *d)
{
	struct prv_reply r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.type = PRV_REP_RELOADED;
	rc = load_conf(d, r.text, sizeof(r.text));
	r.ok = rc == 0;
	log_req(r.ok ? LOG_INFO : LOG_WARNING, "reload", NULL, NULL,
	    r.ok ? "ok" : "failed", "reload for the agent: %s", r.text);
	reply(d, &r);
}

/* ---- requests ---- */

static void
handle(struct prvd *d, const char *msg, size_t n)
{
	struct prv_request q;
	struct prv_reply r;
	struct prvd_run *run;
	char req[16], why[256];

	if (prv_request_parse(msg, n, &q, req, sizeof(req), why, sizeof(why)) <
	    0) {
		refuse(d, req, NULL, why);
		return;
	}
	if (!d->hello && q.type != PRV_REQ_HELLO) {
		refuse(d, req, NULL, "hello first");
		return;
	}
	switch (q.type) {
	case PRV_REQ_HELLO:
		if (d->hello) {
			refuse(d, req, NULL, "hello twice");
			return;
		}
		d->hello = true;
		log_req(LOG_INFO, "hello", NULL, NULL, "ok",
		    "agent connected (protocol %d)", q.version);
		memset(&r, 0, sizeof(r));
		r.type = PRV_REP_HELLO;
		r.version = PRV_VERSION;
		r.pid = getpid();
		reply(d, &r);
		break;
	case PRV_REQ_RUN:
		do_run(d, &q);
		break;
	case PRV_REQ_KILL:
		run = find_run(d, q.id);
		if (run == NULL)
			refuse(d, req, q.id, "no hook with that id runs");
		else
			kill_run(d, run, "the agent asked");
		break;
	case PRV_REQ_WATCHDOG:
		do_watchdog(d, &q);
		break;
	case PRV_REQ_RELOAD:
		do_reload(d);
		break;
	}
}

/* The agent is gone: what it would stop is stopped, a shutdown goes on. */
static void
hang_up(struct prvd *d)
{
	int i;

	if (d->hung_up)
		return;
	d->hung_up = true;
	log_req(LOG_INFO, "hangup", NULL, NULL, NULL,
	    "the agent hung up; %d hook%s running", running(d),
	    running(d) == 1 ? "" : "s");
	for (i = 0; i < PRV_RUNS_MAX; i++)
		if (d->runs[i].used && d->runs[i].kind != ACT_SHUTDOWN)
			kill_run(d, &d->runs[i], "the agent hung up");
	set_events(d);
	maybe_finish(d);
}

static void
on_fd(struct loop *l, int fd, short revents, void *arg)
{
	struct prvd *d = arg;
	static char buf[PRV_MSG_MAX + 1];
	ssize_t n;

	(void)l;
	if (revents & POLLOUT)
		flush_out(d);
	if (!(revents & (POLLIN | POLLHUP | POLLERR)) || d->hung_up)
		return;
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (n < 0)
			log_warn("recv from the agent");
		hang_up(d);
		return;
	}
	if ((size_t)n > PRV_MSG_MAX) {
		refuse(d, "?", NULL, "message longer than the protocol allows");
		return;
	}
	handle(d, buf, (size_t)n);
}

static void
on_term(struct loop *l, int signo, void *arg)
{
	struct prvd *d = arg;

	log_info("signal %d, stopping", signo);
	hang_up(d);
	loop_stop(l);
}

static int
check_socket(int fd, uid_t peer_uid)
{
	struct ucred cred;
	socklen_t len = sizeof(int);
	int type = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_SEQPACKET) {
		log_warnx(
		    "fd %d is not a SOCK_SEQPACKET socket: thermwatch-privd "
		    "is started by thermwatch-priv.socket (Accept=yes)",
		    fd);
		return -1;
	}
	len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		log_warn("SO_PEERCRED");
		return -1;
	}
	if (peer_uid != (uid_t)-1 && cred.uid != peer_uid) {
		log_req(LOG_WARNING, "connect", NULL, NULL, "refused",
		    "refused a connection from uid %d (pid %d): only uid %d "
		    "may connect",
		    (int)cred.uid, (int)cred.pid, (int)peer_uid);
		return -1;
	}
	log_info(
	    "connection from pid %d (uid %d)", (int)cred.pid, (int)cred.uid);
	return 0;
}

int
prvd_serve(int fd, const struct prvd_opts *o)
{
	struct prvd *d;
	char msg[256];
	int i, rc = 0;

	if (check_socket(fd, o->peer_uid) < 0)
		return 1;
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		log_warn("calloc");
		return 1;
	}
	d->fd = fd;
	d->conf_path = o->conf_path;
	cnf_defaults(&d->conf);
	if (load_conf(d, msg, sizeof(msg)) < 0) {
		log_warnx("%s", msg);
		cnf_free(&d->conf);
		free(d);
		return 1;
	}
	d->loop = loop_create();
	if (d->loop == NULL || loop_add_fd(d->loop, fd, POLLIN, on_fd, d) < 0) {
		log_warn("event loop");
		rc = 1;
		goto out;
	}
	loop_on_signal(d->loop, SIGTERM, on_term, d);
	loop_on_signal(d->loop, SIGINT, on_term, d);
	if (loop_run(d->loop) < 0)
		rc = 1;
	if (d->lines_dropped > 0)
		log_warnx("%ld lines of hook output were not passed on (the "
			  "agent did not read)",
		    d->lines_dropped);
out:
	for (i = 0; i < PRV_RUNS_MAX; i++)
		if (d->runs[i].used)
			act_hook_abandon(d->runs[i].h, false);
	prv_outq_clear(&d->out);
	bmc_free(d->bmc);
	if (d->loop != NULL) {
		loop_del_fd(d->loop, fd);
		loop_free(d->loop);
	}
	cnf_free(&d->conf);
	free(d);
	return rc;
}
