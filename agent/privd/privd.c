/*
 * privd.c - thermwatch-privd's service loop: check each request of the
 * agent (priv_proto.c), pass hook runs and the BMC watchdog to
 * privd_run.c, answer, log every request with journal fields, reload the
 * configuration. See privd.h and priv_proto.h.
 */
#include "privd.h"
#include "privd_int.h"

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

/* ---- logging: one journal entry per request, with its fields ---- */

void
prvd_log_req(int pri, const char *req, const char *action, const char *id,
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

void
prvd_reply(struct prvd *d, const struct prv_reply *r)
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
void
prvd_refuse(struct prvd *d, const char *req, const char *id, const char *why)
{
	struct prv_reply r;

	prvd_log_req(LOG_WARNING, req, NULL, id, "refused",
	    "refused request \"%s\" from the agent: %s", req, why);
	memset(&r, 0, sizeof(r));
	r.type = PRV_REP_REFUSED;
	snprintf(r.req, sizeof(r.req), "%s", req);
	snprintf(r.id, sizeof(r.id), "%s", id != NULL ? id : "");
	snprintf(r.text, sizeof(r.text), "%s", why);
	prvd_reply(d, &r);
}

/* Hung up and nothing left to wait for: the service ends. */
void
prvd_maybe_finish(struct prvd *d)
{
	if (d->hung_up && prvd_running(d) == 0 && !d->wd_busy)
		loop_stop(d->loop);
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
	prvd_log_req(r.ok ? LOG_INFO : LOG_WARNING, "reload", NULL, NULL,
	    r.ok ? "ok" : "failed", "reload for the agent: %s", r.text);
	prvd_reply(d, &r);
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
		prvd_refuse(d, req, NULL, why);
		return;
	}
	if (!d->hello && q.type != PRV_REQ_HELLO) {
		prvd_refuse(d, req, NULL, "hello first");
		return;
	}
	switch (q.type) {
	case PRV_REQ_HELLO:
		if (d->hello) {
			prvd_refuse(d, req, NULL, "hello twice");
			return;
		}
		d->hello = true;
		prvd_log_req(LOG_INFO, "hello", NULL, NULL, "ok",
		    "agent connected (protocol %d)", q.version);
		memset(&r, 0, sizeof(r));
		r.type = PRV_REP_HELLO;
		r.version = PRV_VERSION;
		r.pid = getpid();
		prvd_reply(d, &r);
		break;
	case PRV_REQ_RUN:
		prvd_run_hook(d, &q);
		break;
	case PRV_REQ_KILL:
		run = prvd_find_run(d, q.id);
		if (run == NULL)
			prvd_refuse(d, req, q.id, "no hook with that id runs");
		else
			prvd_kill_run(d, run, "the agent asked");
		break;
	case PRV_REQ_WATCHDOG:
		prvd_watchdog(d, &q);
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
	prvd_log_req(LOG_INFO, "hangup", NULL, NULL, NULL,
	    "the agent hung up; %d hook%s running", prvd_running(d),
	    prvd_running(d) == 1 ? "" : "s");
	for (i = 0; i < PRV_RUNS_MAX; i++)
		if (d->runs[i].used && d->runs[i].kind != ACT_SHUTDOWN)
			prvd_kill_run(d, &d->runs[i], "the agent hung up");
	set_events(d);
	prvd_maybe_finish(d);
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
		prvd_refuse(
		    d, "?", NULL, "message longer than the protocol allows");
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
		prvd_log_req(LOG_WARNING, "connect", NULL, NULL, "refused",
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
