/*
 * loop.c - poll(2) event loop with monotonic timers, signalfd and child
 * reaping. Fixed-size tables allocated once; the steady state does not
 * allocate.
 */
#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS      64
#define MAX_TIMERS   64
#define MAX_CHILDREN 64
#define MAX_SIGNALS  8
#define MAX_PREPARE  8

struct fd_watch {
	int fd; /* -1 = free */
	short events;
	loop_fd_cb cb;
	void *arg;
};

struct timer {
	int id; /* 0 = free */
	int64_t due_ms;
	loop_timer_cb cb;
	void *arg;
};

struct child {
	pid_t pid; /* 0 = free */
	loop_child_cb cb;
	void *arg;
};

struct sig_watch {
	int signo;
	loop_signal_cb cb;
	void *arg;
};

struct prepare {
	loop_prepare_cb cb;
	void *arg;
};

struct loop {
	int sigfd;
	bool stop;
	int64_t now_ms;
	int next_timer_id;
	sigset_t oldmask;
	struct fd_watch fds[MAX_FDS];
	struct timer timers[MAX_TIMERS];
	struct child children[MAX_CHILDREN];
	struct sig_watch sigs[MAX_SIGNALS];
	int n_sigs;
	struct prepare prep[MAX_PREPARE];
	int n_prep;
	struct pollfd pfd[MAX_FDS + 1];
};

static const int handled_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGCHLD,
	SIGUSR1, SIGUSR2 };

int64_t
loop_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct loop *
loop_create(void)
{
	struct loop *l;
	sigset_t mask;
	size_t i;

	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	for (i = 0; i < MAX_FDS; i++)
		l->fds[i].fd = -1;
	sigemptyset(&mask);
	for (i = 0; i < sizeof(handled_signals) / sizeof(handled_signals[0]);
	     i++)
		sigaddset(&mask, handled_signals[i]);
	if (sigprocmask(SIG_BLOCK, &mask, &l->oldmask) != 0)
		goto fail;
	signal(SIGPIPE, SIG_IGN);
	l->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->sigfd < 0)
		goto fail;
	l->now_ms = loop_clock_ms();
	l->next_timer_id = 1;
	return l;
fail:
	free(l);
	return NULL;
}

void
loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	close(l->sigfd);
	sigprocmask(SIG_SETMASK, &l->oldmask, NULL);
	free(l);
}

void
loop_child_reset_signals(void)
{
	sigset_t none;
	size_t i;

	for (i = 0; i < sizeof(handled_signals) / sizeof(handled_signals[0]);
	     i++)
		signal(handled_signals[i], SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

int
loop_add_fd(struct loop *l, int fd, short events, loop_fd_cb cb, void *arg)
{
	int i, free_slot = -1;

	for (i = 0; i < MAX_FDS; i++) {
		if (l->fds[i].fd == fd) {
			free_slot = i;
			break;
		}
		if (l->fds[i].fd < 0 && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0) {
		errno = ENOSPC;
		return -1;
	}
	l->fds[free_slot] = (struct fd_watch){ fd, events, cb, arg };
	return 0;
}

int
loop_set_fd_events(struct loop *l, int fd, short events)
{
	int i;

	for (i = 0; i < MAX_FDS; i++) {
		if (l->fds[i].fd == fd) {
			l->fds[i].events = events;
			return 0;
		}
	}
	errno = ENOENT;
	return -1;
}

void
loop_del_fd(struct loop *l, int fd)
{
	int i;

	for (i = 0; i < MAX_FDS; i++)
		if (l->fds[i].fd == fd)
			l->fds[i].fd = -1;
}

int
loop_add_timer(struct loop *l, int64_t delay_ms, loop_timer_cb cb, void *arg)
{
	int i;

	for (i = 0; i < MAX_TIMERS; i++) {
		if (l->timers[i].id != 0)
			continue;
		l->timers[i].id = l->next_timer_id++;
		if (l->next_timer_id <= 0)
			l->next_timer_id = 1;
		l->timers[i].due_ms = loop_clock_ms() + delay_ms;
		l->timers[i].cb = cb;
		l->timers[i].arg = arg;
		return l->timers[i].id;
	}
	errno = ENOSPC;
	return -1;
}

void
loop_del_timer(struct loop *l, int id)
{
	int i;

	if (id <= 0)
		return;
	for (i = 0; i < MAX_TIMERS; i++)
		if (l->timers[i].id == id)
			l->timers[i].id = 0;
}

int
loop_watch_child(struct loop *l, pid_t pid, loop_child_cb cb, void *arg)
{
	int i;

	for (i = 0; i < MAX_CHILDREN; i++) {
		if (l->children[i].pid == 0) {
			l->children[i] = (struct child){ pid, cb, arg };
			return 0;
		}
	}
	errno = ENOSPC;
	return -1;
}

void
loop_unwatch_child(struct loop *l, pid_t pid)
{
	int i;

	for (i = 0; i < MAX_CHILDREN; i++)
		if (l->children[i].pid == pid)
			l->children[i].pid = 0;
}

int
loop_on_signal(struct loop *l, int signo, loop_signal_cb cb, void *arg)
{
	if (l->n_sigs >= MAX_SIGNALS) {
		errno = ENOSPC;
		return -1;
	}
	l->sigs[l->n_sigs++] = (struct sig_watch){ signo, cb, arg };
	return 0;
}

int
loop_add_prepare(struct loop *l, loop_prepare_cb cb, void *arg)
{
	if (l->n_prep >= MAX_PREPARE) {
		errno = ENOSPC;
		return -1;
	}
	l->prep[l->n_prep++] = (struct prepare){ cb, arg };
	return 0;
}

int64_t
loop_now_ms(const struct loop *l)
{
	return l->now_ms;
}

void
loop_stop(struct loop *l)
{
	l->stop = true;
}

static void
reap_children(struct loop *l)
{
	int status, i;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < MAX_CHILDREN; i++) {
			if (l->children[i].pid != pid)
				continue;
			l->children[i].pid = 0;
			l->children[i].cb(l, pid, status, l->children[i].arg);
			break;
		}
	}
}

static void
read_signals(struct loop *l)
{
	struct signalfd_siginfo si;
	bool child = false;
	int i;

	while (read(l->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if ((int)si.ssi_signo == SIGCHLD) {
			child = true;
			continue;
		}
		for (i = 0; i < l->n_sigs; i++)
			if (l->sigs[i].signo == (int)si.ssi_signo)
				l->sigs[i].cb(
				    l, (int)si.ssi_signo, l->sigs[i].arg);
	}
	/* Reap on every wakeup too: SIGCHLDs coalesce. */
	(void)child;
	reap_children(l);
}

static void
run_timers(struct loop *l)
{
	int64_t next;
	int i, id;

	for (i = 0; i < MAX_TIMERS; i++) {
		if (l->timers[i].id == 0 || l->timers[i].due_ms > l->now_ms)
			continue;
		id = l->timers[i].id;
		next = l->timers[i].cb(l, l->now_ms, l->timers[i].arg);
		/* the callback may have deleted or reused this slot */
		if (l->timers[i].id != id)
			continue;
		if (next == LOOP_NOMORE)
			l->timers[i].id = 0;
		else
			l->timers[i].due_ms = l->now_ms + (next > 0 ? next : 0);
	}
}

int
loop_run_once(struct loop *l, int64_t max_wait_ms)
{
	int64_t wait = max_wait_ms, d;
	int i, n, nfds = 0, idx[MAX_FDS];

	for (i = 0; i < l->n_prep; i++)
		l->prep[i].cb(l, l->prep[i].arg);
	l->now_ms = loop_clock_ms();
	for (i = 0; i < MAX_TIMERS; i++) {
		if (l->timers[i].id == 0)
			continue;
		d = l->timers[i].due_ms - l->now_ms;
		if (d < 0)
			d = 0;
		if (wait < 0 || d < wait)
			wait = d;
	}
	l->pfd[nfds].fd = l->sigfd;
	l->pfd[nfds].events = POLLIN;
	l->pfd[nfds++].revents = 0;
	for (i = 0; i < MAX_FDS; i++) {
		if (l->fds[i].fd < 0)
			continue;
		idx[nfds - 1] = i;
		l->pfd[nfds].fd = l->fds[i].fd;
		l->pfd[nfds].events = l->fds[i].events;
		l->pfd[nfds++].revents = 0;
	}
	n = poll(
	    l->pfd, (nfds_t)nfds, wait > INT32_MAX ? INT32_MAX : (int)wait);
	if (n < 0 && errno != EINTR)
		return -1;
	l->now_ms = loop_clock_ms();
	if (n > 0) {
		if (l->pfd[0].revents)
			read_signals(l);
		for (i = 1; i < nfds; i++) {
			struct fd_watch *w = &l->fds[idx[i - 1]];

			if (l->pfd[i].revents == 0 || w->fd != l->pfd[i].fd)
				continue;
			w->cb(l, w->fd, l->pfd[i].revents, w->arg);
		}
	}
	run_timers(l);
	return 0;
}

int
loop_run(struct loop *l)
{
	l->stop = false;
	while (!l->stop)
		if (loop_run_once(l, -1) < 0)
			return -1;
	return 0;
}
