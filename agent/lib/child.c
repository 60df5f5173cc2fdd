/*
 * child.c - fork a child (a program or a function), read its output, hold
 * its deadline, reap it; on the loop or blocking. See child.h.
 */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

struct child {
	struct loop *loop;
	pid_t pid;
	int fd[2]; /* read ends: stdout (or CHILD_OUT_FD), stderr; -1 */
	int timer;
	bool own_group;
	bool term_sent;
	bool timed_out;
	int64_t start_ms;
	double kill_after_s;
	child_output_cb output;
	child_deadline_cb deadline;
	child_done_cb done;
	void *arg;
};

static void
close_from(int first)
{
	long fd, max;

	if (close_range((unsigned int)first, ~0U, 0) == 0)
		return;
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = first; fd < max; fd++)
		close((int)fd);
}

/* Exec mode, in the child: never returns. Async-signal-safe calls only. */
static void __attribute__((noreturn))
run_program(const struct child_spec *s, int in, int out, int err)
{
	static const char msg[] = "thermwatchd: cannot execute hook: ";
	const char *e;

	/* Move the three above 2 first: any of them may be 0, 1 or 2. */
	in = fcntl(in, F_DUPFD, 3);
	out = fcntl(out, F_DUPFD, 3);
	err = fcntl(err, F_DUPFD, 3);
	if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 ||
	    dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	close_from(3);
	execve(s->path, s->argv, s->envp);
	e = strerror(errno);
	if (write(2, msg, sizeof(msg) - 1) < 0 ||
	    write(2, s->path, strlen(s->path)) < 0 || write(2, ": ", 2) < 0 ||
	    write(2, e, strlen(e)) < 0 || write(2, "\n", 1) < 0)
		_exit(127);
	_exit(127);
}

/* Function mode, in the child: never returns. */
static void __attribute__((noreturn))
run_function(const struct child_spec *s, int out)
{
	int rc;

	/* Die with the agent, and on our own after the deadline should the
	 * parent be unable to kill us. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (s->deadline_s > 0)
		alarm((unsigned int)ceil(s->deadline_s) + 1);
	if (out != CHILD_OUT_FD) {
		if (dup2(out, CHILD_OUT_FD) < 0)
			_exit(127);
		close(out);
	}
	/* No exec follows, so O_CLOEXEC does not help: drop the agent's
	 * sockets and files explicitly. */
	close_from(CHILD_OUT_FD + 1);
	rc = s->fn(s->fn_arg, CHILD_OUT_FD);
	/* _exit: no atexit handlers or stdio flushes of the parent's copy. */
	_exit(rc);
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

/*
 * fork for s; the pipes' read ends (non-blocking) in fd[0], fd[1] (-1 in
 * function mode). The pid, or -1 with errno.
 */
static pid_t
spawn(const struct child_spec *s, int fd[2])
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, nul = -1, saved;
	bool prog = s->path != NULL;
	pid_t pid;

	fd[0] = fd[1] = -1;
	if (pipe2(po, O_CLOEXEC) < 0)
		return -1;
	if (prog &&
	    (pipe2(pe, O_CLOEXEC) < 0 ||
		(nul = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0))
		goto fail;
	/* Only our ends are non-blocking: the child writes as it likes. */
	if (fcntl(po[0], F_SETFL, O_NONBLOCK) < 0 ||
	    (prog && fcntl(pe[0], F_SETFL, O_NONBLOCK) < 0))
		goto fail;
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0) {
		if (s->own_group)
			setpgid(0, 0);
		loop_child_reset_signals();
		close(po[0]);
		if (prog)
			run_program(s, nul, po[1], pe[1]);
		run_function(s, po[1]);
	}
	/* Both sides set the group, so a kill(-pid) right now works too. */
	if (s->own_group)
		setpgid(pid, pid);
	if (nul >= 0)
		close(nul);
	close(po[1]);
	fd[0] = po[0];
	if (prog) {
		close(pe[1]);
		fd[1] = pe[0];
	}
	return pid;
fail:
	saved = errno;
	close_pair(po);
	close_pair(pe);
	if (nul >= 0)
		close(nul);
	errno = saved;
	return -1;
}

static void
signal_child(pid_t pid, bool group, int sig)
{
	kill(group ? -pid : pid, sig);
}

/* Wait at most ms for pid; true when it was reaped (status filled). */
static bool
reap_bounded(pid_t pid, int ms, int *status)
{
	pid_t r;
	int i;

	for (i = 0; i <= ms; i += 5) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return true;
		if (r < 0 && errno != EINTR)
			return false;
		usleep(5000);
	}
	return false;
}

/* Read what is there without blocking; true at EOF or on an error. */
static bool
read_some(int fd, int stream, child_output_cb out, void *arg)
{
	char data[4096];
	ssize_t n;

	for (;;) {
		n = read(fd, data, sizeof(data));
		if (n > 0) {
			if (out != NULL)
				out(arg, stream, data, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		return true;
	}
}

static void
close_stream(struct child *c, int idx)
{
	if (c->fd[idx] < 0)
		return;
	if (c->output != NULL)
		c->output(c->arg, idx + 1, NULL, 0);
	if (c->loop != NULL)
		loop_del_fd(c->loop, c->fd[idx]);
	close(c->fd[idx]);
	c->fd[idx] = -1;
}

static void
drain(struct child *c, int idx)
{
	if (c->fd[idx] >= 0 &&
	    read_some(c->fd[idx], idx + 1, c->output, c->arg))
		close_stream(c, idx);
}

static void
on_output(struct loop *l, int fd, short revents, void *arg)
{
	struct child *c = arg;

	(void)l;
	(void)revents;
	drain(c, fd == c->fd[0] ? 0 : 1);
}

static int64_t
on_deadline(struct loop *l, int64_t now_ms, void *arg)
{
	struct child *c = arg;

	(void)l;
	(void)now_ms;
	if (c->term_sent) {
		signal_child(c->pid, c->own_group, SIGKILL);
		c->timer = 0;
		return LOOP_NOMORE;
	}
	c->timed_out = true;
	if (c->kill_after_s >= 0) {
		c->term_sent = true;
		signal_child(c->pid, c->own_group, SIGTERM);
	} else {
		signal_child(c->pid, c->own_group, SIGKILL);
		c->timer = 0;
	}
	if (c->deadline != NULL)
		c->deadline(c->arg);
	if (!c->term_sent)
		return LOOP_NOMORE;
	return (int64_t)(c->kill_after_s * 1000.0);
}

static void
release(struct child *c)
{
	close_stream(c, 0);
	close_stream(c, 1);
	if (c->timer > 0)
		loop_del_timer(c->loop, c->timer);
	c->timer = 0;
	free(c);
}

static void
on_exit_status(struct loop *l, pid_t pid, int status, void *arg)
{
	struct child *c = arg;
	struct child_result r;
	child_done_cb done = c->done;
	void *done_arg = c->arg;

	(void)l;
	memset(&r, 0, sizeof(r));
	r.pid = pid;
	r.status = status;
	r.reaped = true;
	r.timed_out = c->timed_out;
	r.duration_s = (double)(loop_clock_ms() - c->start_ms) / 1000.0;
	/* What is in the pipes now is the child's last word. */
	drain(c, 0);
	drain(c, 1);
	release(c);
	if (done != NULL)
		done(done_arg, &r);
}

struct child *
child_start(struct loop *l, const struct child_spec *s)
{
	struct child *c;
	int i, saved;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->loop = l;
	c->own_group = s->own_group;
	/* kill_after_s < 0 marks "SIGKILL at once" */
	c->kill_after_s = s->term_first ? s->kill_after_s : -1;
	c->output = s->output;
	c->deadline = s->deadline;
	c->done = s->done;
	c->arg = s->arg;
	c->start_ms = loop_clock_ms();
	c->pid = spawn(s, c->fd);
	if (c->pid < 0) {
		saved = errno;
		free(c);
		errno = saved;
		return NULL;
	}
	if (loop_watch_child(l, c->pid, on_exit_status, c) < 0) {
		/* Cannot see it exit: do not leave it running unwatched. */
		saved = errno;
		signal_child(c->pid, c->own_group, SIGKILL);
		reap_bounded(c->pid, 200, &i);
		c->loop = NULL;
		close_stream(c, 0);
		close_stream(c, 1);
		free(c);
		errno = saved;
		return NULL;
	}
	for (i = 0; i < 2; i++) {
		if (c->fd[i] >= 0 &&
		    loop_add_fd(l, c->fd[i], POLLIN, on_output, c) < 0) {
			/* Output is lost; the child still runs and is reaped.
			 */
			close(c->fd[i]);
			c->fd[i] = -1;
		}
	}
	if (s->deadline_s > 0) {
		c->timer = loop_add_timer(
		    l, (int64_t)(s->deadline_s * 1000.0), on_deadline, c);
		if (c->timer < 0)
			c->timer = 0;
	}
	return c;
}

pid_t
child_pid(const struct child *c)
{
	return c->pid;
}

void
child_kill(struct child *c)
{
	signal_child(c->pid, c->own_group, SIGKILL);
}

void
child_abandon(struct child *c, bool kill_it, int wait_ms)
{
	int status;

	if (c == NULL)
		return;
	loop_unwatch_child(c->loop, c->pid);
	if (kill_it) {
		signal_child(c->pid, c->own_group, SIGKILL);
		if (wait_ms > 0)
			reap_bounded(c->pid, wait_ms, &status);
	}
	c->output = NULL;
	release(c);
}

int
child_run(const struct child_spec *s, struct child_result *r)
{
	struct pollfd pfd[2];
	int64_t start, left;
	int fd[2], n, i;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	start = loop_clock_ms();
	pid = spawn(s, fd);
	if (pid < 0)
		return -1;
	r->pid = pid;
	while (fd[0] >= 0 || fd[1] >= 0) {
		left = s->deadline_s > 0 ? start +
			(int64_t)(s->deadline_s * 1000.0) - loop_clock_ms()
					 : -1;
		if (s->deadline_s > 0 && left <= 0) {
			r->timed_out = true;
			signal_child(pid, s->own_group, SIGKILL);
			break;
		}
		for (n = 0, i = 0; i < 2; i++) {
			if (fd[i] < 0)
				continue;
			pfd[n].fd = fd[i];
			pfd[n].events = POLLIN;
			pfd[n++].revents = 0;
		}
		if (poll(pfd, (nfds_t)n,
			left > INT32_MAX ? INT32_MAX : (int)left) < 0 &&
		    errno != EINTR)
			break;
		for (i = 0; i < 2; i++) {
			if (fd[i] >= 0 &&
			    read_some(fd[i], i + 1, s->output, s->arg)) {
				if (s->output != NULL)
					s->output(s->arg, i + 1, NULL, 0);
				close(fd[i]);
				fd[i] = -1;
			}
		}
	}
	r->reaped = reap_bounded(pid, 1000, &r->status);
	for (i = 0; i < 2; i++) {
		if (fd[i] < 0)
			continue;
		read_some(fd[i], i + 1, s->output, s->arg);
		if (s->output != NULL)
			s->output(s->arg, i + 1, NULL, 0);
		close(fd[i]);
	}
	r->duration_s = (double)(loop_clock_ms() - start) / 1000.0;
	return 0;
}
