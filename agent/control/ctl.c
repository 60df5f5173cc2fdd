/*
 * ctl.c - the control socket. See ctl.h and ctl_proto.h.
 *
 * Each client has a fixed input buffer of CTL_MAX_REQUEST bytes and an
 * output buffer. A client with output pending is only polled for POLLOUT,
 * so one that sends without reading cannot make us buffer without bound;
 * a request line that does not fit is answered with an error, and the
 * client is closed once that answer is out.
 */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define CTL_MAX_OUT  (4 * CTL_MAX_RESPONSE)
#define CTL_SWEEP_MS 1000

struct client {
	int fd; /* -1 when the slot is free */
	uid_t uid;
	pid_t pid;
	char user[64];
	char *in; /* CTL_MAX_REQUEST bytes, made at the first read: idle
		     slots take no memory */
	size_t in_len;
	char *out;
	size_t out_len;
	size_t out_off;
	bool closing; /* close once out is flushed */
	bool eof;
	int64_t last_ms;
};

struct ctl {
	struct ctl_env env;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int timer;
	int n_clients;
	struct client cl[CTL_MAX_CLIENTS];
};

static void
client_close(struct ctl *c, struct client *cl)
{
	if (cl->fd < 0)
		return;
	loop_del_fd(c->env.loop, cl->fd);
	close(cl->fd);
	free(cl->out);
	free(cl->in);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
	c->n_clients--;
}

/* Append one response line; false when the client must go (too much). */
static bool
queue_line(struct client *cl, const char *s)
{
	size_t n = strlen(s), need;
	char *p;

	need = cl->out_len + n + 1;
	if (need > CTL_MAX_OUT)
		return false;
	p = realloc(cl->out, need);
	if (p == NULL)
		return false;
	cl->out = p;
	memcpy(cl->out + cl->out_len, s, n);
	cl->out[cl->out_len + n] = '\n';
	cl->out_len = need;
	return true;
}

static bool
queue_json(struct client *cl, cJSON *resp)
{
	char *s = cJSON_PrintUnformatted(resp);
	bool ok;

	cJSON_Delete(resp);
	if (s == NULL)
		return false;
	if (strlen(s) + 1 > CTL_MAX_RESPONSE) {
		free(s);
		resp = ctl_error_response(
		    NULL, NULL, "response too large for the protocol");
		s = cJSON_PrintUnformatted(resp);
		cJSON_Delete(resp);
		if (s == NULL)
			return false;
	}
	ok = queue_line(cl, s);
	free(s);
	return ok;
}

/* Write what can be written now; false when the client is gone. */
static bool
flush(struct ctl *c, struct client *cl)
{
	ssize_t w;

	while (cl->out_off < cl->out_len) {
		w = send(cl->fd, cl->out + cl->out_off,
		    cl->out_len - cl->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w <= 0) {
			client_close(c, cl);
			return false;
		}
		cl->out_off += (size_t)w;
	}
	if (cl->out_off == cl->out_len) {
		free(cl->out);
		cl->out = NULL;
		cl->out_len = cl->out_off = 0;
		if (cl->closing || cl->eof) {
			client_close(c, cl);
			return false;
		}
		loop_set_fd_events(c->env.loop, cl->fd, POLLIN);
	} else {
		loop_set_fd_events(c->env.loop, cl->fd, POLLOUT);
	}
	return true;
}

static void
handle_line(struct ctl *c, struct client *cl, char *line, size_t len)
{
	struct ctl_peer peer;

	while (len > 0 &&
	    (line[len - 1] == '\r' || line[len - 1] == ' ' ||
		line[len - 1] == '\t'))
		len--;
	if (len == 0)
		return;
	peer.uid = cl->uid;
	peer.pid = cl->pid;
	peer.user = cl->user;
	if (!queue_json(
		cl, ctl_handle(c->env.ops, c->env.arg, &peer, line, len))) {
		log_warnx("control: client %s (pid %ld) reads too slowly, "
			  "dropped",
		    cl->user, (long)cl->pid);
		cl->closing = true;
		cl->out_len = cl->out_off = 0;
	}
}

/* Answer every complete line in the input buffer. */
static void
process(struct ctl *c, struct client *cl)
{
	char *nl;
	size_t n;

	while (!cl->closing && cl->in_len > 0) {
		nl = memchr(cl->in, '\n', cl->in_len);
		if (nl == NULL) {
			if (cl->eof) {
				/* a last request without its newline */
				handle_line(c, cl, cl->in, cl->in_len);
				cl->in_len = 0;
			} else if (cl->in_len == CTL_MAX_REQUEST) {
				log_warnx("control: request of more than %d "
					  "bytes from %s (pid %ld), closing",
				    CTL_MAX_REQUEST, cl->user, (long)cl->pid);
				queue_json(cl,
				    ctl_error_response(NULL, NULL,
					"request too long (max %d bytes per "
					"line)",
					CTL_MAX_REQUEST));
				cl->closing = true;
				cl->in_len = 0;
			}
			break;
		}
		n = (size_t)(nl - cl->in);
		handle_line(c, cl, cl->in, n);
		cl->in_len -= n + 1;
		memmove(cl->in, nl + 1, cl->in_len);
	}
}

static void
client_cb(struct loop *l, int fd, short revents, void *arg)
{
	struct ctl *c = arg;
	struct client *cl = NULL;
	ssize_t r;
	int i;

	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		if (c->cl[i].fd == fd)
			cl = &c->cl[i];
	if (cl == NULL)
		return;
	cl->last_ms = loop_now_ms(l);
	if (cl->out_len > 0) {
		if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
			client_close(c, cl);
			return;
		}
		if (!flush(c, cl))
			return;
		if (cl->out_len > 0)
			return;
		/* drained: answer what was already received */
		process(c, cl);
		flush(c, cl);
		return;
	}
	if (cl->in == NULL && (cl->in = malloc(CTL_MAX_REQUEST)) == NULL) {
		log_warn("control");
		client_close(c, cl);
		return;
	}
	r = recv(fd, cl->in + cl->in_len, CTL_MAX_REQUEST - cl->in_len,
	    MSG_DONTWAIT);
	if (r < 0 &&
	    (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (r < 0) {
		client_close(c, cl);
		return;
	}
	if (r == 0)
		cl->eof = true;
	cl->in_len += (size_t)r;
	process(c, cl);
	if (cl->out_len > 0 || cl->closing || cl->eof)
		flush(c, cl);
}

static void
peer_name(struct client *cl)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct passwd pw, *res = NULL;
	char buf[1024];

	cl->uid = (uid_t)-1;
	cl->pid = 0;
	if (getsockopt(cl->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		snprintf(cl->user, sizeof(cl->user), "unknown");
		return;
	}
	cl->uid = cred.uid;
	cl->pid = cred.pid;
	/* Local users only in practice: files-backed NSS does not block. */
	if (getpwuid_r(cred.uid, &pw, buf, sizeof(buf), &res) == 0 &&
	    res != NULL)
		snprintf(cl->user, sizeof(cl->user), "%s", pw.pw_name);
	else
		snprintf(cl->user, sizeof(cl->user), "uid %lu",
		    (unsigned long)cred.uid);
}

/* Tell a client why it goes (best effort: the line is short). */
static void
tell(int fd, const char *why)
{
	cJSON *r = ctl_error_response(NULL, NULL, "%s; try again later", why);
	char *s = cJSON_PrintUnformatted(r);

	cJSON_Delete(r);
	if (s != NULL) {
		(void)!send(fd, s, strlen(s), MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)!send(fd, "\n", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		free(s);
	}
}

static void
reject_busy(int fd, const char *why)
{
	tell(fd, why);
	close(fd);
}

static int
count_uid(const struct ctl *c, uid_t uid)
{
	int i, n = 0;

	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		if (c->cl[i].fd >= 0 && c->cl[i].uid == uid)
			n++;
	return n;
}

/*
 * Every slot is taken: free the one of the client idle longest, if it
 * has been idle a while and owes no answer. A client that only holds a
 * connection open cannot keep anyone out.
 */
static bool
evict_idlest(struct ctl *c, int64_t now_ms)
{
	struct client *v = NULL;
	char why[160];
	int i;

	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct client *cl = &c->cl[i];

		if (cl->fd < 0 || cl->out_len > 0 ||
		    now_ms - cl->last_ms < CTL_EVICT_IDLE_MS)
			continue;
		if (v == NULL || cl->last_ms < v->last_ms)
			v = cl;
	}
	if (v == NULL)
		return false;
	log_warnx("control: all %d slots taken, closing the idlest client "
		  "(%s, pid %ld, idle %.1f s) to make room",
	    CTL_MAX_CLIENTS, v->user, (long)v->pid,
	    (double)(now_ms - v->last_ms) / 1000.0);
	snprintf(why, sizeof(why),
	    "closed after %.1f s idle to make room for another client (max "
	    "%d)",
	    (double)(now_ms - v->last_ms) / 1000.0, CTL_MAX_CLIENTS);
	tell(v->fd, why);
	client_close(c, v);
	return true;
}

static void
accept_cb(struct loop *l, int fd, short revents, void *arg)
{
	struct ctl *c = arg;
	struct client *cl = NULL, tmp;
	char why[160];
	int cfd, i;

	(void)revents;
	for (;;) {
		cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (cfd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				log_warn("control: accept");
			return;
		}
		memset(&tmp, 0, sizeof(tmp));
		tmp.fd = cfd;
		peer_name(&tmp);
		if (tmp.uid != 0 && count_uid(c, tmp.uid) >= CTL_MAX_PER_UID) {
			log_warnx("control: %s (pid %ld) holds %d connections "
				  "already, refusing one",
			    tmp.user, (long)tmp.pid, CTL_MAX_PER_UID);
			snprintf(why, sizeof(why),
			    "too many connections from %s (max %d per user)",
			    tmp.user, CTL_MAX_PER_UID);
			reject_busy(cfd, why);
			continue;
		}
		if (c->n_clients >= CTL_MAX_CLIENTS &&
		    !evict_idlest(c, loop_now_ms(l))) {
			log_warnx("control: %d clients already, all busy, "
				  "refusing one",
			    c->n_clients);
			snprintf(why, sizeof(why),
			    "too many control clients (max %d)",
			    CTL_MAX_CLIENTS);
			reject_busy(cfd, why);
			continue;
		}
		for (i = 0; i < CTL_MAX_CLIENTS; i++)
			if (c->cl[i].fd < 0) {
				cl = &c->cl[i];
				break;
			}
		if (cl == NULL) {
			reject_busy(cfd, "no free slot");
			continue;
		}
		*cl = tmp;
		cl->last_ms = loop_now_ms(l);
		if (loop_add_fd(l, cfd, POLLIN, client_cb, c) != 0) {
			log_warnx("control: cannot watch a client");
			close(cfd);
			cl->fd = -1;
			continue;
		}
		c->n_clients++;
		log_debug("control: client %s (pid %ld) connected", cl->user,
		    (long)cl->pid);
		cl = NULL;
	}
}

static int64_t
sweep_cb(struct loop *l, int64_t now_ms, void *arg)
{
	struct ctl *c = arg;
	int i;

	(void)l;
	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct client *cl = &c->cl[i];

		if (cl->fd >= 0 && now_ms - cl->last_ms > CTL_IDLE_S * 1000) {
			log_debug("control: client %s idle, closing", cl->user);
			client_close(c, cl);
		}
	}
	return CTL_SWEEP_MS;
}

/* mkdir -p for the socket's directory (one level at a time). */
static int
make_parent(const char *path)
{
	char dir[PATH_MAX], *p;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Is a daemon answering on path? Then it is not ours to unlink. */
static bool
socket_alive(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	bool alive;

	if (fd < 0)
		return false;
	alive = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ||
	    errno == EAGAIN;
	close(fd);
	return alive;
}

static int
listen_on(const char *path, int mode)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old;
	int fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control: socket path %s is too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((rc = make_parent(path)) != 0) {
		errno = -rc;
		log_warn("control: cannot create the directory of %s", path);
		return -1;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_warnx("control: %s exists and is not a socket, "
				  "leaving it alone",
			    path);
			return -1;
		}
		if (socket_alive(&sun)) {
			log_warnx(
			    "control: %s is in use by a running daemon", path);
			return -1;
		}
		if (unlink(path) != 0) {
			log_warn("control: unlink stale %s", path);
			return -1;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		log_warn("control: socket");
		return -1;
	}
	/* No window in which the socket has looser permissions. */
	old = umask((mode_t)(~mode & 0777));
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc != 0) {
		log_warn("control: bind %s", path);
		close(fd);
		return -1;
	}
	if (chmod(path, (mode_t)mode) != 0)
		log_warn("control: chmod %s", path);
	if (listen(fd, 8) != 0) {
		log_warn("control: listen %s", path);
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

struct ctl *
ctl_create(const struct ctl_env *env, const char *path, int mode)
{
	struct ctl *c;
	int i;

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		log_warnx("control: out of memory");
		return NULL;
	}
	c->env = *env;
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		c->cl[i].fd = -1;
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->fd = listen_on(c->path, mode);
	if (c->fd < 0) {
		log_warnx("control socket disabled, thermwatchctl will not "
			  "work");
		free(c);
		return NULL;
	}
	if (loop_add_fd(env->loop, c->fd, POLLIN, accept_cb, c) != 0) {
		log_warnx("control: cannot watch %s", c->path);
		close(c->fd);
		unlink(c->path);
		free(c);
		return NULL;
	}
	c->timer = loop_add_timer(env->loop, CTL_SWEEP_MS, sweep_cb, c);
	loop_set_timer_slack(env->loop, c->timer, CTL_SWEEP_MS);
	log_info("control socket %s (mode %04o)", c->path, mode);
	return c;
}

void
ctl_free(struct ctl *c)
{
	struct stat st;
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		if (c->cl[i].fd >= 0) {
			/* a last try to deliver answers already made */
			if (c->cl[i].out_len > c->cl[i].out_off)
				(void)!send(c->cl[i].fd,
				    c->cl[i].out + c->cl[i].out_off,
				    c->cl[i].out_len - c->cl[i].out_off,
				    MSG_NOSIGNAL | MSG_DONTWAIT);
			client_close(c, &c->cl[i]);
		}
	if (c->timer > 0)
		loop_del_timer(c->env.loop, c->timer);
	loop_del_fd(c->env.loop, c->fd);
	close(c->fd);
	if (lstat(c->path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(c->path);
	free(c);
}

struct ctl *
ctl_reload(struct ctl *c, const struct ctl_env *env, const char *path, int mode)
{
	if (c != NULL && strcmp(c->path, path) == 0) {
		if (chmod(c->path, (mode_t)mode) != 0)
			log_warn("control: chmod %s", c->path);
		return c;
	}
	if (c != NULL)
		log_info("control: socket moves from %s to %s", c->path, path);
	ctl_free(c);
	return ctl_create(env, path, mode);
}
