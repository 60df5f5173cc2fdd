/*
 * test_privd.c - the real thermwatch-privd on a socketpair, as systemd
 * starts it (Accept=yes: the connection on stdin): hello first, the fixed
 * requests served, everything else refused and the service goes on, hooks
 * run from its own configuration with only THERMWATCH_* from the agent,
 * dry runs, kill, the limit on hooks, reload, and the agent hanging up.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "priv_proto.h"

#ifndef PRIVD_PATH
#error PRIVD_PATH
#endif

struct fixture {
	char dir[64];
	char conf[96];
	int fd;
	pid_t pid;
};

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

/* hook.sh NAME [SLEEP]: records its argv and environment in NAME.out
 * after sleeping, says hello on stdout and on stderr. */
static void
write_hook(struct fixture *fx)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/hook.sh", fx->dir);
	write_file(path,
	    "#!/bin/sh\n"
	    "[ -n \"${2:-}\" ] && sleep \"$2\"\n"
	    "{ echo \"argv: $*\"; env | sort; } > \"$(dirname "
	    "\"$0\")/$1.out\"\n"
	    "echo \"hello from $1\"\n"
	    "echo \"to stderr\" >&2\n",
	    0755);
}

static void
write_conf(struct fixture *fx, const char *actions)
{
	char text[2048];

	snprintf(text, sizeof(text),
	    "agent = { host = \"t1\"; state_dir = \"%s\"; };\n"
	    "actions = { %s };\n",
	    fx->dir, actions);
	write_file(fx->conf, text, 0644);
}

static void
start(struct fixture *fx, const char *peer_user)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	fx->pid = fork();
	assert_true(fx->pid >= 0);
	if (fx->pid == 0) {
		dup2(sv[1], 0);
		close(sv[0]);
		close(sv[1]);
		if (peer_user != NULL)
			execl(PRIVD_PATH, "thermwatch-privd", "-f", "-c",
			    fx->conf, "-u", peer_user, (char *)NULL);
		else
			execl(PRIVD_PATH, "thermwatch-privd", "-f", "-c",
			    fx->conf, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	fx->fd = sv[0];
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/tw-privd.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	chmod(fx->dir, 0755);
	snprintf(fx->conf, sizeof(fx->conf), "%s/tw.conf", fx->dir);
	write_hook(fx);
	fx->fd = -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	if (fx->fd >= 0)
		close(fx->fd);
	if (fx->pid > 0) {
		kill(fx->pid, SIGKILL);
		waitpid(fx->pid, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", fx->dir);
	free(fx);
	return 0;
}

static void
say(struct fixture *fx, const char *msg)
{
	assert_int_equal(
	    send(fx->fd, msg, strlen(msg), MSG_NOSIGNAL), (ssize_t)strlen(msg));
}

/* The next reply within ms; -1 on EOF or timeout. */
static int
hear(struct fixture *fx, struct prv_reply *r, int ms)
{
	char buf[PRV_MSG_MAX + 1], why[256];
	struct pollfd p = { fx->fd, POLLIN, 0 };
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return -1;
	n = recv(fx->fd, buf, sizeof(buf), 0);
	if (n <= 0)
		return -1;
	if (prv_reply_parse(buf, (size_t)n, r, why, sizeof(why)) < 0)
		fail_msg("bad reply %.*s: %s", (int)n, buf, why);
	return 0;
}

/* Replies until one of type t (lines and the like in between skipped). */
static void
hear_type(struct fixture *fx, struct prv_reply *r, enum prv_rep_type t)
{
	int i;

	for (i = 0; i < 50; i++) {
		if (hear(fx, r, 10000) < 0)
			fail_msg("no reply of type %d", (int)t);
		if (r->type == t)
			return;
	}
	fail_msg("no reply of type %d in 50", (int)t);
}

static void
hello(struct fixture *fx)
{
	struct prv_reply r;

	say(fx, "{\"req\":\"hello\",\"version\":1}");
	hear_type(fx, &r, PRV_REP_HELLO);
	assert_int_equal(r.version, PRV_VERSION);
	assert_int_equal(r.pid, fx->pid);
}

static void
run(struct fixture *fx, const char *id, const char *kind, bool dry,
    const char *env)
{
	char msg[1024];

	snprintf(msg, sizeof(msg),
	    "{\"req\":\"run\",\"id\":\"%s\",\"kind\":\"%s\",\"attempt\":1,"
	    "\"dry_run\":%s,\"env\":{%s}}",
	    id, kind, dry ? "true" : "false", env);
	say(fx, msg);
}

static bool
out_has(struct fixture *fx, const char *name, const char *text)
{
	char path[128], line[1024];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.out", fx->dir, name);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, text) != NULL;
	fclose(f);
	return found;
}

static bool
out_exists(struct fixture *fx, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s.out", fx->dir, name);
	return access(path, F_OK) == 0;
}

static void
expect_refused(struct fixture *fx, const char *msg, const char *because)
{
	struct prv_reply r;

	say(fx, msg);
	hear_type(fx, &r, PRV_REP_REFUSED);
	if (strstr(r.text, because) == NULL)
		fail_msg("%s: refused because \"%s\", expected \"%s\"", msg,
		    r.text, because);
}

static void
test_hello_first_and_refusals(void **state)
{
	struct fixture *fx = *state;
	char big[PRV_MSG_MAX + 2];

	write_conf(fx, "notify = [ \"/bin/true\" ];");
	start(fx, NULL);
	expect_refused(fx, "{\"req\":\"reload\"}", "hello first");
	hello(fx);
	expect_refused(fx, "{\"req\":\"hello\",\"version\":1}", "hello twice");
	expect_refused(
	    fx, "{\"req\":\"exec\",\"argv\":[\"/bin/sh\"]}", "no such request");
	expect_refused(fx, "nonsense", "not JSON");
	expect_refused(fx,
	    "{\"req\":\"run\",\"id\":\"a\",\"kind\":\"notify\","
	    "\"attempt\":1,\"dry_run\":false,"
	    "\"env\":{\"LD_PRELOAD\":\"/tmp/x.so\"}}",
	    "variable \"LD_PRELOAD\" refused");
	expect_refused(fx, "{\"req\":\"kill\",\"id\":\"nothing\"}",
	    "no hook with that id runs");
	memset(big, ' ', sizeof(big));
	memcpy(big, "{\"req\":\"reload\"}", 16);
	assert_int_equal(
	    send(fx->fd, big, sizeof(big), MSG_NOSIGNAL), (ssize_t)sizeof(big));
	{
		struct prv_reply r;

		hear_type(fx, &r, PRV_REP_REFUSED);
		assert_non_null(strstr(r.text, "longer"));
	}
	/* still serving after all that */
	expect_refused(fx, "{\"req\":\"nope\"}", "no such request");
}

static void
test_run_hook_with_its_env(void **state)
{
	struct fixture *fx = *state;
	struct prv_reply r;
	char actions[512];
	bool line_out = false, line_err = false;
	pid_t hook_pid;

	snprintf(actions, sizeof(actions),
	    "notify = [ \"%s/hook.sh\", \"notify\" ]; notify_timeout_s = 7.0;",
	    fx->dir);
	write_conf(fx, actions);
	start(fx, NULL);
	hello(fx);
	run(fx, "t1-1-1", "notify", false,
	    "\"THERMWATCH_STATE\":\"hot\",\"THERMWATCH_TIMEOUT_S\":\"999\"");
	hear_type(fx, &r, PRV_REP_STARTED);
	assert_string_equal(r.id, "t1-1-1");
	hook_pid = r.pid;
	assert_true(hook_pid > 0);
	for (;;) {
		assert_int_equal(hear(fx, &r, 10000), 0);
		if (r.type == PRV_REP_LINE) {
			line_out |= r.stream == 1 &&
			    strcmp(r.text, "hello from notify") == 0;
			line_err |= r.stream == 2 &&
			    strcmp(r.text, "to stderr") == 0;
			continue;
		}
		break;
	}
	assert_int_equal(r.type, PRV_REP_DONE);
	assert_int_equal(r.status, PRV_OK);
	assert_int_equal(r.exit_code, 0);
	assert_true(line_out);
	assert_true(line_err);
	assert_true(out_has(fx, "notify", "argv: notify"));
	assert_true(out_has(fx, "notify", "THERMWATCH_STATE=hot"));
	/* privd's own timeout and PATH, not the agent's */
	assert_true(out_has(fx, "notify", "THERMWATCH_TIMEOUT_S=7"));
	assert_false(out_has(fx, "notify", "THERMWATCH_TIMEOUT_S=999"));
	assert_true(out_has(fx, "notify", "PATH=/usr/local/sbin:"));
}

static void
test_dry_runs_and_no_hook(void **state)
{
	struct fixture *fx = *state;
	struct prv_reply r;
	char actions[512];

	/* dry run by privd's configuration: the agent cannot lift it */
	snprintf(actions, sizeof(actions),
	    "dry_run = true; shutdown = [ \"%s/hook.sh\", \"shutdown\" ];",
	    fx->dir);
	write_conf(fx, actions);
	start(fx, NULL);
	hello(fx);
	run(fx, "t1-1-2", "shutdown", false, "");
	hear_type(fx, &r, PRV_REP_DONE);
	assert_int_equal(r.status, PRV_DRY_RUN);
	assert_non_null(strstr(r.text, "hook.sh shutdown"));
	/* no hook of that kind */
	run(fx, "t1-1-3", "migrate", false, "");
	hear_type(fx, &r, PRV_REP_DONE);
	assert_int_equal(r.status, PRV_NONE);
	usleep(200000);
	assert_false(out_exists(fx, "shutdown"));

	/* dry run by the agent's request */
	snprintf(actions, sizeof(actions),
	    "dry_run = false; shutdown = [ \"%s/hook.sh\", \"shutdown\" ];",
	    fx->dir);
	write_conf(fx, actions);
	say(fx, "{\"req\":\"reload\"}");
	hear_type(fx, &r, PRV_REP_RELOADED);
	assert_true(r.ok);
	run(fx, "t1-1-4", "shutdown", true, "");
	hear_type(fx, &r, PRV_REP_DONE);
	assert_int_equal(r.status, PRV_DRY_RUN);
	usleep(200000);
	assert_false(out_exists(fx, "shutdown"));
}

static void
test_kill_limit_reload(void **state)
{
	struct fixture *fx = *state;
	struct prv_reply r;
	char actions[512], id[16];
	int i;

	snprintf(actions, sizeof(actions),
	    "migrate = [ \"%s/hook.sh\", \"migrate\", \"30\" ];", fx->dir);
	write_conf(fx, actions);
	start(fx, NULL);
	hello(fx);
	for (i = 0; i < PRV_RUNS_MAX; i++) {
		snprintf(id, sizeof(id), "m-%d", i);
		run(fx, id, "migrate", false, "");
		hear_type(fx, &r, PRV_REP_STARTED);
	}
	run(fx, "m-extra", "migrate", false, "");
	hear_type(fx, &r, PRV_REP_REFUSED);
	assert_string_equal(r.id, "m-extra");
	assert_non_null(strstr(r.text, "too many hooks running"));
	for (i = 0; i < PRV_RUNS_MAX; i++) {
		snprintf(id, sizeof(id), "m-%d", i);
		snprintf(actions, sizeof(actions),
		    "{\"req\":\"kill\",\"id\":\"%s\"}", id);
		say(fx, actions);
		hear_type(fx, &r, PRV_REP_DONE);
		assert_string_equal(r.id, id);
		assert_int_equal(r.status, PRV_SIGNALED);
		assert_int_equal(r.signo, SIGKILL);
	}
	/* a configuration with errors is not taken */
	write_file(fx->conf, "actions = { migrate = 7; };\n", 0644);
	say(fx, "{\"req\":\"reload\"}");
	hear_type(fx, &r, PRV_REP_RELOADED);
	assert_false(r.ok);
	assert_non_null(strstr(r.text, "keeping the one in use"));
	/* the BMC watchdog is not enabled there */
	say(fx, "{\"req\":\"watchdog\",\"countdown_s\":300}");
	hear_type(fx, &r, PRV_REP_WATCHDOG);
	assert_false(r.ok);
	assert_non_null(strstr(r.text, "ipmi.watchdog is not enabled"));
}

/* The agent hangs up: its notify is killed, the shutdown finishes. */
static void
test_hang_up(void **state)
{
	struct fixture *fx = *state;
	struct prv_reply r;
	char actions[512];
	int status, i;

	snprintf(actions, sizeof(actions),
	    "notify = [ \"%s/hook.sh\", \"notify\", \"2\" ];"
	    "shutdown = [ \"%s/hook.sh\", \"shutdown\", \"1\" ];",
	    fx->dir, fx->dir);
	write_conf(fx, actions);
	start(fx, NULL);
	hello(fx);
	run(fx, "n-1", "notify", false, "");
	hear_type(fx, &r, PRV_REP_STARTED);
	run(fx, "s-1", "shutdown", false, "");
	hear_type(fx, &r, PRV_REP_STARTED);
	close(fx->fd);
	fx->fd = -1;
	for (i = 0; i < 100; i++) {
		if (waitpid(fx->pid, &status, WNOHANG) == fx->pid)
			break;
		usleep(100000);
	}
	assert_true(i < 100);
	fx->pid = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(out_exists(fx, "shutdown"));
	sleep(2);
	assert_false(out_exists(fx, "notify"));
}

/* Only the agent's user may connect. */
static void
test_peer_user(void **state)
{
	struct fixture *fx = *state;
	struct prv_reply r;
	int status;

	write_conf(fx, "");
	start(fx, getuid() == 0 ? "nobody" : "root");
	assert_int_equal(hear(fx, &r, 5000), -1);
	assert_int_equal(waitpid(fx->pid, &status, 0), fx->pid);
	fx->pid = 0;
	assert_int_equal(WEXITSTATUS(status), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_hello_first_and_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_run_hook_with_its_env, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_dry_runs_and_no_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_kill_limit_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hang_up, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_peer_user, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
