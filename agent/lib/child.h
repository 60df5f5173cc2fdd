/*
 * child.h - the one child-process runner of the agent: fork, pipes for the
 * child's output, a deadline, reaping. Both the IPMI source (a function
 * run in a forked child) and the hooks (a program run with execve) go
 * through it.
 *
 * On the event loop the parent never blocks: output is handed over as it
 * arrives, the exit is seen through loop_watch_child(), and at the
 * deadline the child (or its whole process group) is signalled. The done
 * callback runs exactly once, from the loop, after the exit, with the
 * output that was in the pipes by then: a grandchild that keeps a pipe
 * open does not delay it.
 *
 * child_run() is the blocking variant for one-shot commands without a
 * loop (thermwatchd --once, thermwatchctl, tests): it returns at EOF or at
 * the deadline, whichever comes first.
 */
#ifndef THERMWATCH_CHILD_H
#define THERMWATCH_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "loop.h"

/* In function mode the child writes its output to this fd. */
#define CHILD_OUT_FD 3

struct child_result {
	pid_t pid;
	int status;     /* as from waitpid, valid when reaped */
	bool reaped;    /* false: it did not die in time (child_run) */
	bool timed_out; /* the deadline signalled it */
	double duration_s;
};

/* A piece of output; stream is 1 (stdout, CHILD_OUT_FD) or 2 (stderr).
 * data NULL, n 0: that stream ended (EOF, or closed at the exit). */
typedef void (*child_output_cb)(
    void *arg, int stream, const char *data, size_t n);
typedef void (*child_done_cb)(void *arg, const struct child_result *r);
/* The deadline passed: the child has just been signalled. */
typedef void (*child_deadline_cb)(void *arg);
/* Function mode: runs in the forked child, returns its exit status. */
typedef int (*child_fn)(void *arg, int out_fd);

struct child_spec {
	/*
	 * Exec mode (path set): execve(path, argv, envp), never a shell.
	 * stdin is /dev/null, stdout and stderr are two pipes, every other
	 * fd is closed, signal dispositions and mask are the defaults.
	 */
	const char *path;
	char *const *argv;
	char *const *envp;
	/*
	 * Function mode (path NULL): fn(fn_arg, CHILD_OUT_FD) in the forked
	 * child, no exec; fds above CHILD_OUT_FD are closed. The child dies
	 * with the parent (PR_SET_PDEATHSIG) and on its own (alarm) a second
	 * after the deadline, should the parent be unable to kill it.
	 */
	child_fn fn;
	void *fn_arg;
	/* Its own process group: signals go to the whole group. */
	bool own_group;
	/* <= 0: no deadline. At the deadline: SIGKILL, or with term_first
	 * SIGTERM and SIGKILL kill_after_s later. */
	double deadline_s;
	bool term_first;
	double kill_after_s;
	child_output_cb output; /* NULL: output is read and dropped */
	child_deadline_cb deadline;
	child_done_cb done;
	void *arg;
};

struct child;

/*
 * Start s on loop l (the spec is copied; argv and envp are used only
 * before this returns). NULL with errno set when it could not start (or
 * could not be watched: then it is killed): done is not called then.
 */
struct child *child_start(struct loop *l, const struct child_spec *s);
pid_t child_pid(const struct child *c);
/* SIGKILL it (its group with own_group) now; done still comes. */
void child_kill(struct child *c);
/*
 * Stop watching it: done is not called, c is freed. With kill it gets
 * SIGKILL, and with wait_ms > 0 it is reaped, waiting at most wait_ms (one
 * stuck in the kernel may ignore SIGKILL for long: the loop, or init,
 * reaps it later). NULL is a no-op.
 */
void child_abandon(struct child *c, bool kill, int wait_ms);

/*
 * Blocking: start s, hand its output to s->output until EOF or the
 * deadline (then SIGKILL), reap it (waiting at most a second). 0 with *r
 * filled, or -1 with errno when it could not start.
 */
int child_run(const struct child_spec *s, struct child_result *r);

#endif
