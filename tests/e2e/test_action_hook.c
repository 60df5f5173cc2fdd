/*
 * test_action_hook.c - the hook runner on a real loop with real child
 * processes: exit codes, output capture, clean environment, closed fds,
 * stdin, timeout (TERM, then KILL), output cap, a child left behind, a
 * program that cannot be found.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "action_hook.h"
#include "log.h"
#include "loop.h"

#define MAX_LINES 64

struct capture {
	bool done;
	struct act_hook_result r;
	int n;
	int stream[MAX_LINES];
	char line[MAX_LINES][1100];
};

static char dir[64];
static struct loop *lp;

static void
on_line(void *arg, pid_t pid, int stream, const char *line)
{
	struct capture *c = arg;

	(void)pid;
	if (c->n < MAX_LINES) {
		c->stream[c->n] = stream;
		snprintf(c->line[c->n], sizeof(c->line[0]), "%s", line);
		c->n++;
	}
}

static void
on_done(void *arg, const struct act_hook_result *r)
{
	struct capture *c = arg;

	assert_false(c->done);
	c->done = true;
	c->r = *r;
}

/* Write an executable script into dir. */
static const char *
script(const char *name, const char *body)
{
	static char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
	return path;
}

static char *default_env[] = { "PATH=/usr/bin:/bin", "THERMWATCH_STATE=hot",
	"THERMWATCH_ACTION=migrate", NULL };

/* Run a hook to its end (at most max_s); returns the wall time used. */
static double
run(const char *path, double timeout_s, size_t output_max, struct capture *c)
{
	char *argv[] = { (char *)path, "arg one", NULL };
	struct act_hook_spec s = { 0 };
	struct act_hook_result res;
	struct act_hook *h;
	int64_t t0 = loop_clock_ms();

	memset(c, 0, sizeof(*c));
	s.argv = argv;
	s.envp = default_env;
	s.timeout_s = timeout_s;
	s.kill_after_s = 0.3;
	s.output_max = output_max;
	s.line = on_line;
	s.done = on_done;
	s.arg = c;
	h = act_hook_start(lp, &s, &res);
	assert_non_null(h);
	assert_true(res.pid > 0);
	while (!c->done && loop_clock_ms() - t0 < 20000)
		loop_run_once(lp, 100);
	assert_true(c->done);
	return (double)(loop_clock_ms() - t0) / 1000.0;
}

static void
test_ok_and_output(void **state)
{
	struct capture c;

	(void)state;
	run(script(
		"ok", "echo \"out1 $1\"\necho err1 >&2\nprintf 'no newline'"),
	    5, 4096, &c);
	assert_int_equal(c.r.status, ACT_HOOK_OK);
	assert_int_equal(c.r.exit_code, 0);
	assert_int_equal(c.r.signo, 0);
	assert_int_equal(c.n, 3);
	/* stdout lines keep their order; stderr is its own stream */
	assert_string_equal(
	    c.line[0], c.stream[0] == 1 ? "out1 arg one" : "err1");
	{
		int i, seen = 0;

		for (i = 0; i < c.n; i++) {
			if (strcmp(c.line[i], "out1 arg one") == 0)
				seen |= 1, assert_int_equal(c.stream[i], 1);
			if (strcmp(c.line[i], "err1") == 0)
				seen |= 2, assert_int_equal(c.stream[i], 2);
			if (strcmp(c.line[i], "no newline") == 0)
				seen |= 4, assert_int_equal(c.stream[i], 1);
		}
		assert_int_equal(seen, 7);
	}
	assert_int_equal(c.r.output_bytes,
	    strlen("out1 arg one\nerr1\n"
		   "no newline"));
	assert_int_equal(c.r.output_dropped, 0);
}

static void
test_exit_code(void **state)
{
	struct capture c;

	(void)state;
	run(script("fail", "exit 3"), 5, 4096, &c);
	assert_int_equal(c.r.status, ACT_HOOK_FAILED);
	assert_int_equal(c.r.exit_code, 3);
}

static void
test_clean_env(void **state)
{
	struct capture c;
	int i, found = 0;

	(void)state;
	setenv("TW_TEST_SECRET", "leak", 1);
	run(script("env", "exec env"), 5, 65536, &c);
	assert_int_equal(c.r.status, ACT_HOOK_OK);
	for (i = 0; i < c.n; i++) {
		assert_null(strstr(c.line[i], "TW_TEST_SECRET"));
		assert_true(strncmp(c.line[i], "HOME=", 5) != 0);
		if (strcmp(c.line[i], "THERMWATCH_STATE=hot") == 0 ||
		    strcmp(c.line[i], "THERMWATCH_ACTION=migrate") == 0 ||
		    strcmp(c.line[i], "PATH=/usr/bin:/bin") == 0)
			found++;
		else /* the shell itself adds PWD, nothing else */
			assert_int_equal(strncmp(c.line[i], "PWD=", 4), 0);
	}
	/* exactly what we gave, nothing from our own environment */
	assert_int_equal(found, 3);
	unsetenv("TW_TEST_SECRET");
}

static void
test_fds_closed_stdin_null(void **state)
{
	struct capture c;
	int fd;

	(void)state;
	/* An fd without O_CLOEXEC: the child must still not get it. */
	fd = open("/dev/null", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, 57), 57);
	close(fd);
	run(script("fds",
		"[ -e /proc/$$/fd/57 ] && { echo leaked; exit 1; }\n"
		"if read x; then echo \"stdin gave $x\"; exit 2; fi\nexit 0"),
	    5, 4096, &c);
	close(57);
	assert_int_equal(c.r.exit_code, 0);
	assert_int_equal(c.r.status, ACT_HOOK_OK);
}

static void
test_timeout_term(void **state)
{
	struct capture c;
	double t;

	(void)state;
	/* SIGTERM must work in the child although the loop blocks it. */
	t = run(script("hang", "exec sleep 30"), 0.3, 4096, &c);
	assert_int_equal(c.r.status, ACT_HOOK_TIMEOUT);
	assert_int_equal(c.r.signo, SIGTERM);
	assert_true(t < 5.0);
}

static void
test_timeout_kill(void **state)
{
	struct capture c;
	double t;

	(void)state;
	t = run(script("stubborn",
		    "trap '' TERM\necho started\n"
		    "while :; do sleep 0.05; done"),
	    0.3, 4096, &c);
	assert_int_equal(c.r.status, ACT_HOOK_TIMEOUT);
	assert_int_equal(c.r.signo, SIGKILL);
	assert_true(c.r.duration_s >= 0.5);
	assert_true(t < 5.0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.line[0], "started");
}

static void
test_output_cap(void **state)
{
	struct capture c;
	size_t handed = 0;
	int i;

	(void)state;
	run(script("chatty",
		"i=0\nwhile [ $i -lt 200 ]; do "
		"echo 0123456789012345678901234567890123456789; i=$((i+1)); "
		"done"),
	    5, 100, &c);
	assert_int_equal(c.r.status, ACT_HOOK_OK);
	assert_int_equal(c.r.output_bytes, 200 * 41);
	for (i = 0; i < c.n; i++)
		handed += strlen(c.line[i]);
	assert_true(handed <= 100);
	assert_true(handed >= 60);
	/* line contents (newlines not counted) are handed on or dropped */
	assert_int_equal(handed + c.r.output_dropped, 200 * 40);
}

static void
test_child_left_behind(void **state)
{
	struct capture c;
	double t;

	(void)state;
	/* The background sleep keeps stdout open: the exit still counts. */
	t = run(script("bg",
		    "sleep 3 &\necho $! > \"$0.pid\"\necho bye\n"
		    "exit 0"),
	    10, 4096, &c);
	assert_int_equal(c.r.status, ACT_HOOK_OK);
	assert_true(t < 2.0);
	/* the leftover is in the hook's process group */
	assert_int_equal(kill(-c.r.pid, SIGKILL), 0);
}

static void
test_not_found(void **state)
{
	char *argv1[] = { "/nonexistent/hook", NULL };
	char *argv2[] = { "no-such-program-thermwatch", NULL };
	char *argv3[] = { (char *)script("noexec", "exit 0"), NULL };
	struct act_hook_spec s = { 0 };
	struct act_hook_result r;
	char buf[PATH_MAX];

	(void)state;
	s.envp = default_env;
	s.timeout_s = 1;
	s.done = on_done;
	s.argv = argv1;
	assert_null(act_hook_start(lp, &s, &r));
	assert_int_equal(r.status, ACT_HOOK_ERROR);
	assert_int_equal(r.err, ENOENT);
	s.argv = argv2;
	assert_null(act_hook_start(lp, &s, &r));
	assert_int_equal(r.err, ENOENT);
	assert_int_equal(chmod(argv3[0], 0644), 0);
	s.argv = argv3;
	assert_null(act_hook_start(lp, &s, &r));
	assert_int_equal(r.err, EACCES);
	/* a bare name is found in the fixed PATH only */
	assert_int_equal(act_hook_resolve("sh", buf, sizeof(buf)), 0);
	assert_true(
	    strcmp(buf, "/usr/bin/sh") == 0 || strcmp(buf, "/bin/sh") == 0);
}

static void
test_abandon(void **state)
{
	char *argv[] = { (char *)script("long", "exec sleep 30"), NULL };
	struct act_hook_spec s = { 0 };
	struct act_hook_result r;
	struct capture c;
	struct act_hook *h;
	pid_t pid;
	int i;

	(void)state;
	memset(&c, 0, sizeof(c));
	s.argv = argv;
	s.envp = default_env;
	s.timeout_s = 30;
	s.kill_after_s = 1;
	s.done = on_done;
	s.arg = &c;
	h = act_hook_start(lp, &s, &r);
	assert_non_null(h);
	pid = act_hook_pid(h);
	act_hook_abandon(h, true);
	for (i = 0; i < 50 && kill(pid, 0) == 0; i++)
		loop_run_once(lp, 100);
	assert_int_not_equal(kill(pid, 0), 0);
	assert_false(c.done);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok_and_output),
		cmocka_unit_test(test_exit_code),
		cmocka_unit_test(test_clean_env),
		cmocka_unit_test(test_fds_closed_stdin_null),
		cmocka_unit_test(test_timeout_term),
		cmocka_unit_test(test_timeout_kill),
		cmocka_unit_test(test_output_cap),
		cmocka_unit_test(test_child_left_behind),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_abandon),
	};
	char cmd[PATH_MAX + 16];
	int rc;

	log_init("test_action_hook", true, 0);
	snprintf(dir, sizeof(dir), "/tmp/tw-hook-test.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	lp = loop_create();
	if (lp == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	loop_free(lp);
	snprintf(cmd, sizeof(cmd), "%s", dir);
	{
		char *rm[] = { "rm", "-rf", cmd, NULL };
		pid_t p = fork();

		if (p == 0) {
			execv("/bin/rm", rm);
			_exit(127);
		}
		while (p > 0 && waitpid(p, NULL, 0) < 0 && errno == EINTR)
			;
	}
	return rc;
}
