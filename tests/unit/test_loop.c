/*
 * test_loop.c - the event loop: timers (with slack), fds, signals,
 * children.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"

struct rec {
	int order[8];
	int n;
	int fired;
};

static int64_t
timer_once(struct loop *l, int64_t now, void *arg)
{
	struct rec *r = arg;

	(void)l;
	(void)now;
	r->fired++;
	return LOOP_NOMORE;
}

static int64_t
timer_a(struct loop *l, int64_t now, void *arg)
{
	struct rec *r = arg;

	(void)l;
	(void)now;
	r->order[r->n++] = 1;
	return LOOP_NOMORE;
}

static int64_t
timer_b(struct loop *l, int64_t now, void *arg)
{
	struct rec *r = arg;

	(void)now;
	r->order[r->n++] = 2;
	loop_stop(l);
	return LOOP_NOMORE;
}

static int64_t
timer_repeat(struct loop *l, int64_t now, void *arg)
{
	struct rec *r = arg;

	(void)now;
	if (++r->fired == 3) {
		loop_stop(l);
		return LOOP_NOMORE;
	}
	return 1;
}

static void
test_timers_order(void **state)
{
	struct loop *l = loop_create();
	struct rec r = { 0 };
	int id;

	(void)state;
	assert_non_null(l);
	/* far apart: a loaded machine may pause between the two adds */
	loop_add_timer(l, 300, timer_b, &r);
	loop_add_timer(l, 5, timer_a, &r);
	id = loop_add_timer(l, 10, timer_once, &r);
	loop_del_timer(l, id);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.order[0], 1);
	assert_int_equal(r.order[1], 2);
	assert_int_equal(r.fired, 0); /* deleted timer never ran */
	loop_free(l);
}

static void
test_timer_repeats(void **state)
{
	struct loop *l = loop_create();
	struct rec r = { 0 };

	(void)state;
	loop_add_timer(l, 0, timer_repeat, &r);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(r.fired, 3);
	loop_free(l);
}

struct slack {
	int64_t start, lazy_at, tick_at;
};

static int64_t
lazy_cb(struct loop *l, int64_t now, void *arg)
{
	struct slack *s = arg;

	(void)l;
	s->lazy_at = now - s->start;
	return LOOP_NOMORE;
}

static int64_t
tick_cb(struct loop *l, int64_t now, void *arg)
{
	struct slack *s = arg;

	s->tick_at = now - s->start;
	if (s->lazy_at >= 0)
		loop_stop(l);
	return 10;
}

/* A timer with slack runs with another wakeup after it is due, not on
 * a wakeup of its own; alone, by its due time plus the slack. */
static void
test_timer_slack(void **state)
{
	struct loop *l = loop_create();
	struct slack s = { loop_clock_ms(), -1, -1 };
	int id;

	(void)state;
	id = loop_add_timer(l, 20, lazy_cb, &s);
	loop_set_timer_slack(l, id, 1000);
	loop_add_timer(l, 100, tick_cb, &s);
	assert_int_equal(loop_run(l), 0);
	assert_true(s.lazy_at >= 100); /* not at 20: with the tick */
	assert_true(s.lazy_at == s.tick_at);
	loop_free(l);

	l = loop_create();
	s = (struct slack){ loop_clock_ms(), -1, -1 };
	id = loop_add_timer(l, 20, lazy_cb, &s);
	loop_set_timer_slack(l, id, 50);
	while (s.lazy_at < 0)
		assert_int_equal(loop_run_once(l, -1), 0);
	assert_true(s.lazy_at >= 70);
	loop_free(l);
}

static void
on_fd(struct loop *l, int fd, short revents, void *arg)
{
	struct rec *r = arg;
	char c;

	assert_true(revents & POLLIN);
	assert_int_equal(read(fd, &c, 1), 1);
	r->order[r->n++] = c;
	loop_stop(l);
}

static void
test_fd_watch(void **state)
{
	struct loop *l = loop_create();
	struct rec r = { 0 };
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	loop_add_fd(l, p[0], POLLIN, on_fd, &r);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.order[0], 'x');
	loop_del_fd(l, p[0]);
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

static void
on_signal(struct loop *l, int signo, void *arg)
{
	struct rec *r = arg;

	r->order[r->n++] = signo;
	loop_stop(l);
}

static void
test_signal(void **state)
{
	struct loop *l = loop_create();
	struct rec r = { 0 };

	(void)state;
	loop_on_signal(l, SIGHUP, on_signal, &r);
	raise(SIGHUP); /* blocked: delivered through the signalfd */
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.order[0], SIGHUP);
	loop_free(l);
}

static void
on_child(struct loop *l, pid_t pid, int status, void *arg)
{
	struct rec *r = arg;

	(void)pid;
	assert_true(WIFEXITED(status));
	r->order[r->n++] = WEXITSTATUS(status);
	loop_stop(l);
}

static void
test_child(void **state)
{
	struct loop *l = loop_create();
	struct rec r = { 0 };
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		loop_child_reset_signals();
		_exit(7);
	}
	loop_watch_child(l, pid, on_child, &r);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.order[0], 7);
	loop_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_order),
		cmocka_unit_test(test_timer_repeats),
		cmocka_unit_test(test_timer_slack),
		cmocka_unit_test(test_fd_watch),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_child),
	};

	return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
