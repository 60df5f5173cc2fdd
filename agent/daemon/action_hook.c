/*
 * action_hook.c - fork/execve a hook, capture its output, enforce its
 * timeout, reap it; all from the event loop. See action_hook.h.
 */
#include "action_hook.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define LINE_MAX_LEN 1024 /* longer lines are handed on in pieces */

struct act_hook {
	struct loop *loop;
	pid_t pid;
	int fd[2]; /* stdout, stderr (read ends), -1 = closed */
	int timer;
	bool term_sent;
	bool kill_sent;
	bool timed_out;
	int64_t start_ms;
	double kill_after_s;
	size_t output_max;
	size_t total;
	size_t handed;
	size_t dropped;
	size_t blen[2];
	char buf[2][LINE_MAX_LEN + 1];
	act_hook_line_cb line;
	act_hook_done_cb done;
	void *arg;
};

const char *
act_hook_status_name(enum act_hook_status s)
{
	static const char *const names[] = { "ok", "failed", "signaled",
		"timeout", "error" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static int
check_exec(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	if (access(path, X_OK) < 0)
		return -errno;
	return 0;
}

int
act_hook_resolve(const char *prog, char *buf, size_t len)
{
	const char *p, *end;
	int rc, best = -ENOENT;
	size_t n;

	if (prog == NULL || prog[0] == '\0')
		return -ENOENT;
	if (strchr(prog, '/') != NULL) {
		if (strlen(prog) >= len)
			return -ENAMETOOLONG;
		rc = check_exec(prog);
		if (rc == 0)
			memcpy(buf, prog, strlen(prog) + 1);
		return rc;
	}
	for (p = ACT_HOOK_PATH; *p != '\0'; p = *end ? end + 1 : end) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		n = (size_t)(end - p);
		if (n + 1 + strlen(prog) + 1 > len)
			continue;
		memcpy(buf, p, n);
		buf[n] = '/';
		memcpy(buf + n + 1, prog, strlen(prog) + 1);
		rc = check_exec(buf);
		if (rc == 0)
			return 0;
		if (rc == -EACCES)
			best = rc;
	}
	return best;
}

static void
emit_line(struct act_hook *h, int stream, const char *s, size_t n)
{
	char tmp[LINE_MAX_LEN + 1];
	size_t i;

	if (h->handed >= h->output_max) {
		h->dropped += n;
		return;
	}
	if (n > h->output_max - h->handed) {
		h->dropped += n - (h->output_max - h->handed);
		n = h->output_max - h->handed;
	}
	h->handed += n;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	/* The log is line-oriented text: no control characters in it. */
	for (i = 0; i < n; i++)
		if ((unsigned char)tmp[i] < 0x20 && tmp[i] != '\t')
			tmp[i] = ' ';
	if (h->line != NULL)
		h->line(h->arg, h->pid, stream, tmp);
}

static void
take_output(struct act_hook *h, int idx, const char *data, size_t n)
{
	size_t i;

	h->total += n;
	for (i = 0; i < n; i++) {
		if (data[i] == '\n') {
			emit_line(h, idx + 1, h->buf[idx], h->blen[idx]);
			h->blen[idx] = 0;
			continue;
		}
		h->buf[idx][h->blen[idx]++] = data[i];
		if (h->blen[idx] == LINE_MAX_LEN) {
			emit_line(h, idx + 1, h->buf[idx], h->blen[idx]);
			h->blen[idx] = 0;
		}
	}
}

static void
close_stream(struct act_hook *h, int idx)
{
	if (h->fd[idx] < 0)
		return;
	if (h->blen[idx] > 0) {
		emit_line(h, idx + 1, h->buf[idx], h->blen[idx]);
		h->blen[idx] = 0;
	}
	loop_del_fd(h->loop, h->fd[idx]);
	close(h->fd[idx]);
	h->fd[idx] = -1;
}

/* Read what is there without blocking; close at EOF or on an error. */
static void
drain(struct act_hook *h, int idx)
{
	char data[4096];
	ssize_t n;

	while (h->fd[idx] >= 0) {
		n = read(h->fd[idx], data, sizeof(data));
		if (n > 0) {
			take_output(h, idx, data, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		close_stream(h, idx);
	}
}

static void
on_output(struct loop *l, int fd, short revents, void *arg)
{
	struct act_hook *h = arg;
	int idx = fd == h->fd[0] ? 0 : 1;

	(void)l;
	(void)revents;
	drain(h, idx);
}

static int64_t
on_timer(struct loop *l, int64_t now_ms, void *arg)
{
	struct act_hook *h = arg;

	(void)l;
	(void)now_ms;
	if (!h->term_sent) {
		h->term_sent = true;
		h->timed_out = true;
		kill(-h->pid, SIGTERM);
		return (int64_t)(h->kill_after_s * 1000.0);
	}
	h->kill_sent = true;
	kill(-h->pid, SIGKILL);
	h->timer = 0;
	return LOOP_NOMORE;
}

static void
release(struct act_hook *h)
{
	int i;

	for (i = 0; i < 2; i++)
		close_stream(h, i);
	if (h->timer > 0)
		loop_del_timer(h->loop, h->timer);
	h->timer = 0;
	free(h);
}

static void
on_exit_status(struct loop *l, pid_t pid, int status, void *arg)
{
	struct act_hook *h = arg;
	struct act_hook_result r;
	act_hook_done_cb done = h->done;
	void *done_arg = h->arg;

	(void)l;
	memset(&r, 0, sizeof(r));
	r.pid = pid;
	r.exit_code = -1;
	r.duration_s = (double)(loop_clock_ms() - h->start_ms) / 1000.0;
	/*
	 * Whatever is in the pipes now is the hook's last word. A child it
	 * left behind may hold the pipes open: we do not wait for that.
	 */
	drain(h, 0);
	drain(h, 1);
	if (WIFEXITED(status)) {
		r.exit_code = WEXITSTATUS(status);
		r.status = r.exit_code == 0 ? ACT_HOOK_OK : ACT_HOOK_FAILED;
	} else if (WIFSIGNALED(status)) {
		r.signo = WTERMSIG(status);
		r.status = ACT_HOOK_SIGNALED;
	} else {
		r.status = ACT_HOOK_FAILED;
	}
	if (h->timed_out)
		r.status = ACT_HOOK_TIMEOUT;
	r.output_bytes = h->total;
	r.output_dropped = h->dropped;
	release(h);
	if (done != NULL)
		done(done_arg, &r);
}

/* In the child: never returns. Only async-signal-safe calls. */
static void __attribute__((noreturn)) child(const char *path, char *const *argv,
    char *const *envp, int in, int out, int err)
{
	static const char msg[] = "thermwatchd: cannot execute hook: ";
	const char *e;
	long fd, max;

	setpgid(0, 0);
	loop_child_reset_signals();
	/* Move the three above 2 first: any of them may be 0, 1 or 2. */
	in = fcntl(in, F_DUPFD, 3);
	out = fcntl(out, F_DUPFD, 3);
	err = fcntl(err, F_DUPFD, 3);
	if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 ||
	    dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	if (close_range(3, ~0U, 0) < 0) {
		max = sysconf(_SC_OPEN_MAX);
		if (max < 0 || max > 65536)
			max = 65536;
		for (fd = 3; fd < max; fd++)
			close((int)fd);
	}
	execve(path, argv, envp);
	e = strerror(errno);
	if (write(2, msg, sizeof(msg) - 1) < 0 ||
	    write(2, path, strlen(path)) < 0 || write(2, ": ", 2) < 0 ||
	    write(2, e, strlen(e)) < 0 || write(2, "\n", 1) < 0)
		_exit(127);
	_exit(127);
}

static void
close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	p[0] = p[1] = -1;
}

struct act_hook *
act_hook_start(
    struct loop *l, const struct act_hook_spec *s, struct act_hook_result *res)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, nul = -1, rc, i;
	char path[PATH_MAX];
	struct act_hook *h;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->status = ACT_HOOK_ERROR;
	res->exit_code = -1;
	if (s->argv == NULL || s->argv[0] == NULL) {
		res->err = EINVAL;
		return NULL;
	}
	rc = act_hook_resolve(s->argv[0], path, sizeof(path));
	if (rc < 0) {
		res->err = -rc;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		res->err = errno;
		return NULL;
	}
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0 ||
	    (nul = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		goto fail;
	/* Only our ends are non-blocking: the hook writes as it likes. */
	if (fcntl(po[0], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(pe[0], F_SETFL, O_NONBLOCK) < 0)
		goto fail;
	h->loop = l;
	h->fd[0] = h->fd[1] = -1;
	h->kill_after_s = s->kill_after_s;
	h->output_max = s->output_max;
	h->line = s->line;
	h->done = s->done;
	h->arg = s->arg;
	h->start_ms = loop_clock_ms();
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0)
		child(path, s->argv, s->envp, nul, po[1], pe[1]);
	/* Both sides set the group, so a kill(-pid) right now works too. */
	setpgid(pid, pid);
	h->pid = pid;
	close(nul);
	close(po[1]);
	close(pe[1]);
	h->fd[0] = po[0];
	h->fd[1] = pe[0];
	if (loop_watch_child(l, pid, on_exit_status, h) < 0) {
		/* Cannot see it exit: do not leave it running unwatched. */
		res->err = errno;
		kill(-pid, SIGKILL);
		close(h->fd[0]);
		close(h->fd[1]);
		free(h);
		return NULL;
	}
	for (i = 0; i < 2; i++) {
		if (loop_add_fd(l, h->fd[i], POLLIN, on_output, h) < 0) {
			/* Output is lost, the hook still runs and is reaped. */
			close(h->fd[i]);
			h->fd[i] = -1;
		}
	}
	h->timer = loop_add_timer(
	    l, (int64_t)(s->timeout_s * 1000.0), on_timer, h);
	if (h->timer < 0)
		h->timer = 0;
	res->status = ACT_HOOK_OK;
	res->pid = pid;
	return h;
fail:
	res->err = errno;
	close_pair(po);
	close_pair(pe);
	if (nul >= 0)
		close(nul);
	free(h);
	return NULL;
}

pid_t
act_hook_pid(const struct act_hook *h)
{
	return h->pid;
}

void
act_hook_abandon(struct act_hook *h, bool kill_it)
{
	if (h == NULL)
		return;
	loop_unwatch_child(h->loop, h->pid);
	if (kill_it)
		kill(-h->pid, SIGKILL);
	h->line = NULL;
	release(h);
}
