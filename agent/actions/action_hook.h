/*
 * action_hook.h - run one hook program on the event loop.
 *
 * The hook is an argv array from the config, run with fork + execve (never
 * a shell): the child gets its own process group, stdin from /dev/null,
 * stdout and stderr on pipes, no other fd (everything >= 3 is closed),
 * default signal dispositions and an empty signal mask, and exactly the
 * environment it is given. A program name without a '/' is looked up in
 * the fixed ACT_HOOK_PATH, never in the daemon's own PATH.
 *
 * The parent never blocks: output is read from the pipes by the loop and
 * handed over line by line (up to output_max bytes, the rest is counted),
 * the exit is seen through loop_watch_child(), and at timeout_s the whole
 * process group gets SIGTERM, then SIGKILL kill_after_s later. The done
 * callback runs exactly once, from the loop, after the exit.
 *
 * With spec.priv set the hook runs in the privileged part instead
 * (priv_client.h, thermwatch-privd): the hook of spec.kind as privd's own
 * configuration has it, with the THERMWATCH_* variables of envp; output
 * lines, the pid and the end come back over the channel with the same
 * callbacks. That is how an agent that is not root runs its hooks.
 */
#ifndef THERMWATCH_ACTION_HOOK_H
#define THERMWATCH_ACTION_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf_actions.h"
#include "loop.h"

struct prv;

#define ACT_HOOK_PATH                                        \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:" \
	"/sbin:/bin"

enum act_hook_status {
	ACT_HOOK_OK,       /* exit status 0 */
	ACT_HOOK_FAILED,   /* exit status != 0 */
	ACT_HOOK_SIGNALED, /* killed by a signal not from us */
	ACT_HOOK_TIMEOUT,  /* killed at its timeout */
	ACT_HOOK_ERROR     /* could not be started (err says why) */
};

struct act_hook_result {
	enum act_hook_status status;
	int exit_code; /* -1 unless it exited */
	int signo;     /* 0 unless a signal ended it */
	int err;       /* errno of ACT_HOOK_ERROR */
	pid_t pid;
	double duration_s;
	size_t output_bytes;   /* stdout + stderr, all of it */
	size_t output_dropped; /* line bytes beyond output_max (newlines
				  not counted), not handed on */
	bool dry_run; /* through privd: not run, a dry run (status ok) */
};

/* One line of output (without the newline). stream is 1 or 2. */
typedef void (*act_hook_line_cb)(
    void *arg, pid_t pid, int stream, const char *line);
typedef void (*act_hook_done_cb)(void *arg, const struct act_hook_result *r);

struct act_hook_spec {
	char *const *argv; /* argv[0] is the program */
	char *const *envp; /* the whole environment */
	double timeout_s;
	double kill_after_s;
	size_t output_max;
	act_hook_line_cb line; /* NULL: lines are dropped */
	act_hook_done_cb done;
	void *arg;
	/* Through the privileged part (NULL: here). argv then only names
	 * the hook in messages; timeout_s, kill_after_s and output_max are
	 * privd's own. */
	struct prv *priv;
	enum act_kind kind;
	const char *id; /* the action's id */
	int attempt;
	bool dry_run; /* privd says what it would run, runs nothing */
};

struct act_hook;

/*
 * Start a hook. The spec is copied (argv and envp are only used before
 * this returns). Returns NULL when it could not be started: then done is
 * not called and *res says why (status ACT_HOOK_ERROR). On success done
 * will be called from the loop exactly once, unless the hook is released
 * with act_hook_abandon() before.
 */
struct act_hook *act_hook_start(
    struct loop *l, const struct act_hook_spec *s, struct act_hook_result *res);
pid_t act_hook_pid(const struct act_hook *h);

/*
 * Stop watching: kill the process group now when kill is true (SIGKILL),
 * else leave it running. done is not called. Frees h.
 */
void act_hook_abandon(struct act_hook *h, bool kill);

/*
 * Find prog like execvp(3) would in ACT_HOOK_PATH (or take it as is when
 * it contains a '/'): 0 with the path in buf, or -errno (-ENOENT when
 * nowhere, -EACCES when found but not executable).
 */
int act_hook_resolve(const char *prog, char *buf, size_t len);

/* The argv for messages only: words joined by spaces, cut at len. */
void act_hook_argv_text(char *const *argv, char *buf, size_t len);

/* "ok", "failed", "signaled", "timeout", "error". */
const char *act_hook_status_name(enum act_hook_status s);

#endif
