/*
 * priv_client.c - the agent's connection to thermwatch-privd: connect and
 * reconnect with backoff, hello, requests out, replies matched to runs and
 * to the waiting watchdog request. See priv_client.h.
 */
#include "priv_client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 10000

struct prv_run {
	struct prv *p;
	struct prv_run *next;
	char id[PRV_ID_MAX + 1];
	pid_t pid;
	act_hook_line_cb line;
	prv_done_cb done;
	void *arg;
};

struct prv {
	struct loop *loop;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;
	bool ready;
	int timer;
	int64_t backoff_ms;
	char last_err[160];
	struct prv_outq out;
	struct prv_run *runs;
	void (*wd_done)(void *arg, int ok, const char *msg);
	void *wd_arg;
	bool reload_pending;
};

static void disconnect(struct prv *p, const char *why);

static int64_t retry_cb(struct loop *l, int64_t now_ms, void *arg);

/* ---- sending ---- */

static void
update_events(struct prv *p)
{
	if (p->fd >= 0)
		loop_set_fd_events(
		    p->loop, p->fd, POLLIN | (p->out.n > 0 ? POLLOUT : 0));
}

static int
send_request(struct prv *p, const struct prv_request *q)
{
	char buf[PRV_MSG_MAX + 1];
	int n, rc;

	if (p->fd < 0)
		return -1;
	n = prv_request_encode(q, buf, sizeof(buf));
	if (n < 0) {
		log_warnx("privileged part: cannot encode a %s request",
		    prv_req_name(q->type));
		return -1;
	}
	if (prv_outq_push(&p->out, buf, (size_t)n) < 0)
		return -1;
	rc = prv_outq_flush(&p->out, p->fd);
	if (rc < 0) {
		disconnect(p, strerror(errno));
		return -1;
	}
	update_events(p);
	return 0;
}

/* ---- runs ---- */

static void
unlink_run(struct prv *p, struct prv_run *r)
{
	struct prv_run **pp;

	for (pp = &p->runs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			return;
		}
}

static struct prv_run *
find_run(struct prv *p, const char *id)
{
	struct prv_run *r;

	for (r = p->runs; r != NULL; r = r->next)
		if (strcmp(r->id, id) == 0)
			return r;
	return NULL;
}

/* End a run: done once, then it is gone. */
static void
finish(struct prv_run *r, const struct act_hook_result *hr, enum prv_status st,
    const char *msg)
{
	prv_done_cb done = r->done;
	void *arg = r->arg;

	unlink_run(r->p, r);
	free(r);
	if (done != NULL)
		done(arg, hr, st, msg);
}

static void
finish_error(struct prv_run *r, const char *msg)
{
	struct act_hook_result hr;

	memset(&hr, 0, sizeof(hr));
	hr.status = ACT_HOOK_ERROR;
	hr.exit_code = -1;
	hr.err = EPIPE;
	finish(r, &hr, PRV_ERROR, msg);
}

static enum act_hook_status
hook_status(enum prv_status st)
{
	switch (st) {
	case PRV_OK:
	case PRV_DRY_RUN:
	case PRV_NONE:
		return ACT_HOOK_OK;
	case PRV_FAILED:
		return ACT_HOOK_FAILED;
	case PRV_SIGNALED:
		return ACT_HOOK_SIGNALED;
	case PRV_TIMEOUT:
		return ACT_HOOK_TIMEOUT;
	case PRV_ERROR:
		break;
	}
	return ACT_HOOK_ERROR;
}

static void
on_done(struct prv *p, const struct prv_reply *rep)
{
	struct prv_run *r = find_run(p, rep->id);
	struct act_hook_result hr;

	if (r == NULL)
		return; /* abandoned */
	memset(&hr, 0, sizeof(hr));
	hr.status = hook_status(rep->status);
	hr.exit_code = rep->exit_code;
	hr.signo = rep->signo;
	hr.pid = r->pid;
	hr.duration_s = rep->duration_s;
	hr.output_dropped = (size_t)rep->output_dropped;
	if (rep->status == PRV_ERROR)
		hr.err = EIO;
	finish(r, &hr, rep->status, rep->text);
}

static void
wd_finish(struct prv *p, int ok, const char *msg)
{
	void (*done)(void *, int, const char *) = p->wd_done;

	p->wd_done = NULL;
	if (done != NULL)
		done(p->wd_arg, ok, msg);
}

/* ---- replies ---- */

static void
handle(struct prv *p, const char *msg, size_t n)
{
	struct prv_reply rep;
	struct prv_run *r;
	char why[256], text[PRV_TEXT_MAX + 64];

	if (prv_reply_parse(msg, n, &rep, why, sizeof(why)) < 0) {
		log_warnx("privileged part: bad reply (%s), ignored", why);
		return;
	}
	switch (rep.type) {
	case PRV_REP_HELLO:
		p->ready = true;
		p->backoff_ms = BACKOFF_MIN_MS;
		p->last_err[0] = '\0';
		log_info("privileged part: connected to %s (pid %d)", p->path,
		    (int)rep.pid);
		break;
	case PRV_REP_STARTED:
		if ((r = find_run(p, rep.id)) != NULL)
			r->pid = rep.pid;
		break;
	case PRV_REP_LINE:
		r = find_run(p, rep.id);
		if (r != NULL && r->line != NULL)
			r->line(r->arg, r->pid, rep.stream, rep.text);
		break;
	case PRV_REP_DONE:
		on_done(p, &rep);
		break;
	case PRV_REP_WATCHDOG:
		wd_finish(p, rep.ok, rep.text);
		break;
	case PRV_REP_RELOADED:
		p->reload_pending = false;
		if (rep.ok)
			log_info("privileged part: %s", rep.text);
		else
			log_warnx("privileged part: reload: %s", rep.text);
		break;
	case PRV_REP_REFUSED:
		log_warnx("privileged part refused %s%s%s: %s", rep.req,
		    rep.id[0] != '\0' ? " " : "", rep.id, rep.text);
		snprintf(text, sizeof(text),
		    "refused by the privileged part: %s", rep.text);
		if (rep.id[0] != '\0' && (r = find_run(p, rep.id)) != NULL)
			finish_error(r, text);
		else if (strcmp(rep.req, "watchdog") == 0)
			wd_finish(p, 0, text);
		break;
	}
}

static void
on_fd(struct loop *l, int fd, short revents, void *arg)
{
	struct prv *p = arg;
	static char buf[PRV_MSG_MAX + 1];
	ssize_t n;

	(void)l;
	if (revents & POLLOUT) {
		if (prv_outq_flush(&p->out, fd) < 0) {
			disconnect(p, strerror(errno));
			return;
		}
		update_events(p);
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		disconnect(p, n == 0 ? "it hung up" : strerror(errno));
		return;
	}
	if ((size_t)n > PRV_MSG_MAX) {
		log_warnx("privileged part: reply of %zd bytes, ignored", n);
		return;
	}
	handle(p, buf, (size_t)n);
}

/* ---- the connection ---- */

static void
note_error(struct prv *p, const char *what)
{
	/* logged once per different error, not at every retry */
	if (strcmp(p->last_err, what) != 0)
		log_warnx("privileged part %s: %s (hooks and the BMC watchdog "
			  "wait for it; retrying)",
		    p->path, what);
	snprintf(p->last_err, sizeof(p->last_err), "%s", what);
}

static void
schedule_retry(struct prv *p)
{
	if (p->timer <= 0)
		p->timer = loop_add_timer(p->loop, p->backoff_ms, retry_cb, p);
	p->backoff_ms *= 2;
	if (p->backoff_ms > BACKOFF_MAX_MS)
		p->backoff_ms = BACKOFF_MAX_MS;
}

static void
disconnect(struct prv *p, const char *why)
{
	char msg[256];

	if (p->fd >= 0) {
		loop_del_fd(p->loop, p->fd);
		close(p->fd);
		p->fd = -1;
	}
	p->ready = false;
	p->reload_pending = false;
	prv_outq_clear(&p->out);
	snprintf(msg, sizeof(msg), "privileged part lost: %s", why);
	note_error(p, why);
	while (p->runs != NULL)
		finish_error(p->runs, msg);
	wd_finish(p, 0, msg);
	schedule_retry(p);
}

static void
try_connect(struct prv *p)
{
	struct sockaddr_un sa;
	struct prv_request q;
	char err[160];

	p->fd = socket(
	    AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (p->fd < 0) {
		snprintf(err, sizeof(err), "socket: %s", strerror(errno));
		note_error(p, err);
		schedule_retry(p);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, p->path, strlen(p->path) + 1);
	if (connect(p->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	    errno != EINPROGRESS) {
		snprintf(err, sizeof(err), "connect: %s", strerror(errno));
		close(p->fd);
		p->fd = -1;
		note_error(p, err);
		schedule_retry(p);
		return;
	}
	if (loop_add_fd(p->loop, p->fd, POLLIN, on_fd, p) < 0) {
		close(p->fd);
		p->fd = -1;
		note_error(p, "cannot watch the socket");
		schedule_retry(p);
		return;
	}
	memset(&q, 0, sizeof(q));
	q.type = PRV_REQ_HELLO;
	q.version = PRV_VERSION;
	send_request(p, &q);
}

static int64_t
retry_cb(struct loop *l, int64_t now_ms, void *arg)
{
	struct prv *p = arg;

	(void)l;
	(void)now_ms;
	p->timer = 0;
	if (p->fd < 0)
		try_connect(p);
	return LOOP_NOMORE;
}

struct prv *
prv_create(struct loop *l, const char *path)
{
	struct prv *p;

	if (strlen(path) >= sizeof(p->path)) {
		log_warnx("privileged part: socket path %s is too long", path);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->loop = l;
	p->fd = -1;
	p->backoff_ms = BACKOFF_MIN_MS;
	snprintf(p->path, sizeof(p->path), "%s", path);
	try_connect(p);
	return p;
}

void
prv_free(struct prv *p)
{
	struct prv_run *r;

	if (p == NULL)
		return;
	while ((r = p->runs) != NULL) {
		p->runs = r->next;
		free(r);
	}
	if (p->timer > 0)
		loop_del_timer(p->loop, p->timer);
	if (p->fd >= 0) {
		/* what is still queued goes now or never */
		prv_outq_flush(&p->out, p->fd);
		loop_del_fd(p->loop, p->fd);
		close(p->fd);
	}
	prv_outq_clear(&p->out);
	free(p);
}

bool
prv_ready(const struct prv *p)
{
	return p != NULL && p->ready;
}

/* One environment entry into the request, made acceptable. */
static void
add_env(struct prv_request *q, const char *entry)
{
	const char *eq = strchr(entry, '=');
	struct prv_env *e;
	size_t n;
	char *c;

	if (eq == NULL || q->n_env == PRV_ENV_MAX)
		return;
	n = (size_t)(eq - entry);
	e = &q->env[q->n_env];
	if (n >= sizeof(e->name))
		return;
	memcpy(e->name, entry, n);
	e->name[n] = '\0';
	snprintf(e->value, sizeof(e->value), "%s", eq + 1);
	for (c = e->value; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	if (prv_env_ok(e->name, e->value))
		q->n_env++;
}

struct prv_run *
prv_run_start(
    struct prv *p, const struct prv_run_spec *s, char *err, size_t errlen)
{
	struct prv_request q;
	struct prv_run *r;
	int i;

	if (!p->ready) {
		snprintf(err, errlen, "privileged part not connected (%s)",
		    p->last_err[0] != '\0' ? p->last_err : "connecting");
		return NULL;
	}
	if (find_run(p, s->id) != NULL) {
		snprintf(err, errlen, "a run with id %s is pending", s->id);
		return NULL;
	}
	memset(&q, 0, sizeof(q));
	q.type = PRV_REQ_RUN;
	snprintf(q.id, sizeof(q.id), "%s", s->id);
	q.kind = s->kind;
	q.attempt = s->attempt;
	q.dry_run = s->dry_run;
	for (i = 0; s->envp != NULL && s->envp[i] != NULL; i++)
		add_env(&q, s->envp[i]);
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (send_request(p, &q) < 0) {
		snprintf(err, errlen, "cannot send to the privileged part");
		free(r);
		return NULL;
	}
	r->p = p;
	snprintf(r->id, sizeof(r->id), "%s", s->id);
	r->line = s->line;
	r->done = s->done;
	r->arg = s->arg;
	r->next = p->runs;
	p->runs = r;
	return r;
}

pid_t
prv_run_pid(const struct prv_run *r)
{
	return r->pid;
}

void
prv_run_abandon(struct prv_run *r, bool kill)
{
	struct prv *p = r->p;
	struct prv_request q;

	if (kill && p->ready) {
		memset(&q, 0, sizeof(q));
		q.type = PRV_REQ_KILL;
		snprintf(q.id, sizeof(q.id), "%s", r->id);
		send_request(p, &q);
	}
	unlink_run(p, r);
	free(r);
}

int
prv_watchdog_arm(struct prv *p, int countdown_s,
    void (*done)(void *arg, int ok, const char *msg), void *arg)
{
	struct prv_request q;

	if (!p->ready || p->wd_done != NULL)
		return -1;
	memset(&q, 0, sizeof(q));
	q.type = PRV_REQ_WATCHDOG;
	q.countdown_s = countdown_s < 1       ? 1
	    : countdown_s > PRV_COUNTDOWN_MAX ? PRV_COUNTDOWN_MAX
					      : countdown_s;
	if (send_request(p, &q) < 0)
		return -1;
	p->wd_done = done;
	p->wd_arg = arg;
	return 0;
}

void
prv_reload(struct prv *p)
{
	struct prv_request q;

	if (p == NULL || !p->ready)
		return;
	memset(&q, 0, sizeof(q));
	q.type = PRV_REQ_RELOAD;
	p->reload_pending = true;
	send_request(p, &q);
}
