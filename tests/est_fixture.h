/*
 * est_fixture.h - what the engine state tests share (include after
 * <cmocka.h>, "conf.h", "engine_state.h" and "loop.h"): a private state
 * directory with a loaded config and a loop, and a fresh engine seeded
 * from that directory's file by a store, as the daemon starts.
 */
#ifndef THERMWATCH_TESTS_EST_FIXTURE_H
#define THERMWATCH_TESTS_EST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EST_CPU_ID "coretemp-isa-0000/Package id 0"

struct fixture {
	char dir[64];
	char path[128];
	struct agent_conf conf;
	struct loop *loop;
};

__attribute__((unused)) static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char text[512];

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/tw-est.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/%s", fx->dir, EST_FILE);
	snprintf(text, sizeof(text),
	    "agent = { host = \"h1\"; interval_s = 0.5; state_dir = \"%s\"; };",
	    fx->dir);
	assert_int_equal(
	    cnf_load_string("test.conf", text, &fx->conf, stderr), 0);
	fx->loop = loop_create();
	assert_non_null(fx->loop);
	*state = fx;
	return 0;
}

__attribute__((unused)) static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char p[200];

	snprintf(p, sizeof(p), "%s.corrupt", fx->path);
	unlink(p);
	unlink(fx->path);
	rmdir(fx->dir);
	loop_free(fx->loop);
	cnf_free(&fx->conf);
	free(fx);
	return 0;
}

/* A fresh engine with the cpu, seeded from the file by a store: how long
 * the cpu has been rising, as the engine sees it after one sample (0: not
 * rising, a blind start), and its slope then (slope may be NULL). */
__attribute__((unused)) static double
rising_after_restart(struct fixture *fx, double *slope)
{
	struct eng *e = eng_create(&fx->conf.engine);
	struct est_env env = { fx->loop, e, &fx->conf };
	struct eng_reading r = { 0 };
	struct eng_sensor_view v;
	struct eng_output out;
	struct est *s;
	int64_t now = loop_now_ms(fx->loop);

	assert_non_null(e);
	s = est_create(&env);
	assert_non_null(s);
	est_sensor_added(s, EST_CPU_ID,
	    eng_sensor_add(e, EST_CPU_ID, ENG_CLASS_CPU, 100, ENG_TRIP_HW));
	r.t_ms = now + 500;
	r.value_c = 80.25;
	eng_feed(e, &r);
	eng_evaluate(e, now + 500, &out);
	eng_sensor_view(e, 0, &v);
	est_free(s);
	eng_free(e);
	if (slope != NULL)
		*slope = v.slope_c_per_s;
	return v.rising_s;
}

#endif
