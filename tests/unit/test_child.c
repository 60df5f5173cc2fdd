/*
 * test_child.c - the child-process runner (agent/lib/child.c): function
 * and exec mode, output, deadline (SIGKILL, or SIGTERM then SIGKILL),
 * abandon, and the blocking variant.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "loop.h"

struct rec {
	char out[2][256];
	size_t len[2];
	int ends[2];
	bool done;
	bool deadline;
	struct child_result r;
};

static void
rec_output(void *arg, int stream, const char *data, size_t n)
{
	struct rec *x = arg;
	int i = stream - 1;

	if (data == NULL) {
		x->ends[i]++;
		return;
	}
	if (x->len[i] + n < sizeof(x->out[i])) {
		memcpy(x->out[i] + x->len[i], data, n);
		x->len[i] += n;
	}
}

static void
rec_done(void *arg, const struct child_result *r)
{
	struct rec *x = arg;

	x->done = true;
	x->r = *r;
}

static void
rec_deadline(void *arg)
{
	((struct rec *)arg)->deadline = true;
}

static int
say_hello(void *arg, int fd)
{
	(void)arg;
	return write(fd, "hello\n", 6) == 6 ? 3 : 1;
}

static int
hang(void *arg, int fd)
{
	(void)arg;
	(void)!write(fd, "x", 1);
	for (;;)
		pause();
	return 0;
}

static void
spec_init(struct child_spec *s, struct rec *x)
{
	memset(s, 0, sizeof(*s));
	memset(x, 0, sizeof(*x));
	s->output = rec_output;
	s->done = rec_done;
	s->deadline = rec_deadline;
	s->arg = x;
}

static void
run_until_done(struct loop *l, struct rec *x, int max_ms)
{
	int64_t end = loop_clock_ms() + max_ms;

	while (!x->done && loop_clock_ms() < end)
		assert_int_equal(loop_run_once(l, 50), 0);
	assert_true(x->done);
}

static void
test_function_mode(void **state)
{
	struct loop *l = loop_create();
	struct child_spec s;
	struct rec x;

	(void)state;
	assert_non_null(l);
	spec_init(&s, &x);
	s.fn = say_hello;
	s.deadline_s = 5;
	assert_non_null(child_start(l, &s));
	run_until_done(l, &x, 5000);
	assert_true(WIFEXITED(x.r.status));
	assert_int_equal(WEXITSTATUS(x.r.status), 3);
	assert_false(x.r.timed_out);
	assert_false(x.deadline);
	assert_int_equal(x.len[0], 6);
	assert_memory_equal(x.out[0], "hello\n", 6);
	assert_int_equal(x.ends[0], 1);
	loop_free(l);
}

static void
test_function_deadline(void **state)
{
	struct loop *l = loop_create();
	struct child_spec s;
	struct rec x;

	(void)state;
	spec_init(&s, &x);
	s.fn = hang;
	s.deadline_s = 0.2;
	assert_non_null(child_start(l, &s));
	run_until_done(l, &x, 5000);
	assert_true(x.deadline);
	assert_true(x.r.timed_out);
	assert_true(WIFSIGNALED(x.r.status));
	assert_int_equal(WTERMSIG(x.r.status), SIGKILL);
	assert_int_equal(x.len[0], 1);
	loop_free(l);
}

static void
test_exec_mode_term_first(void **state)
{
	static char *const argv[] = { "sh", "-c",
		"echo out; echo err >&2; trap 'exit 7' TERM; "
		"while :; do sleep 0.05; done",
		NULL };
	static char *const envp[] = { "PATH=/usr/bin:/bin", NULL };
	struct loop *l = loop_create();
	struct child_spec s;
	struct rec x;

	(void)state;
	spec_init(&s, &x);
	s.path = "/bin/sh";
	s.argv = argv;
	s.envp = envp;
	s.own_group = true;
	s.deadline_s = 0.3;
	s.term_first = true;
	s.kill_after_s = 2;
	assert_non_null(child_start(l, &s));
	run_until_done(l, &x, 5000);
	assert_true(x.r.timed_out);
	/* SIGTERM reached the shell's group: it exited by its trap */
	assert_true(WIFEXITED(x.r.status));
	assert_int_equal(WEXITSTATUS(x.r.status), 7);
	assert_memory_equal(x.out[0], "out\n", 4);
	assert_memory_equal(x.out[1], "err\n", 4);
	loop_free(l);
}

static void
test_exec_failure_and_abandon(void **state)
{
	static char *const argv[] = { "nope", NULL };
	static char *const envp[] = { NULL };
	struct loop *l = loop_create();
	struct child_spec s;
	struct child *c;
	struct rec x;

	(void)state;
	spec_init(&s, &x);
	s.path = "/nonexistent/nope";
	s.argv = argv;
	s.envp = envp;
	assert_non_null(child_start(l, &s));
	run_until_done(l, &x, 5000);
	assert_int_equal(WEXITSTATUS(x.r.status), 127);
	assert_non_null(strstr(x.out[1], "cannot execute"));

	spec_init(&s, &x);
	s.fn = hang;
	c = child_start(l, &s);
	assert_non_null(c);
	child_abandon(c, true, 1000);
	assert_int_equal(loop_run_once(l, 100), 0);
	assert_false(x.done);
	loop_free(l);
}

static void
test_blocking(void **state)
{
	struct child_spec s;
	struct child_result r;
	struct rec x;

	(void)state;
	spec_init(&s, &x);
	s.fn = say_hello;
	s.deadline_s = 5;
	assert_int_equal(child_run(&s, &r), 0);
	assert_true(r.reaped);
	assert_int_equal(WEXITSTATUS(r.status), 3);
	assert_int_equal(x.len[0], 6);

	spec_init(&s, &x);
	s.fn = hang;
	s.deadline_s = 0.2;
	assert_int_equal(child_run(&s, &r), 0);
	assert_true(r.timed_out);
	assert_true(r.reaped);
	assert_true(r.duration_s >= 0.2 && r.duration_s < 2.0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_function_mode),
		cmocka_unit_test(test_function_deadline),
		cmocka_unit_test(test_exec_mode_term_first),
		cmocka_unit_test(test_exec_failure_and_abandon),
		cmocka_unit_test(test_blocking),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
