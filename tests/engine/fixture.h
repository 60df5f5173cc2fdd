/*
 * fixture.h - the one-sensor fixture of the table-driven engine tests:
 * one engine, one sensor, a clock in whole seconds, decisions counted.
 * Header-only (static inline) so each test program is one file.
 */
#ifndef THERMWATCH_TEST_FIXTURE_H
#define THERMWATCH_TEST_FIXTURE_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "harness.h"

/* One engine, one sensor, a clock in whole seconds. */
struct fix {
	struct eng_conf conf;
	struct eng *e;
	int s;
	int64_t t; /* seconds */
	struct eng_output out;
	int n_dec[4]; /* decisions seen, by action */
	char last_code[4][32];
};

static inline void
fix_init(struct fix *f, enum eng_class cls __attribute__((unused)))
{
	memset(f, 0, sizeof(*f));
	eng_conf_defaults(&f->conf);
}

static inline void
fix_start(struct fix *f, enum eng_class cls)
{
	f->e = eng_create(&f->conf);
	assert_non_null(f->e);
	f->s = eng_sensor_add(f->e, "chip/temp1", cls, f->conf.cls[cls].trip_c,
	    ENG_TRIP_CLASS_DEFAULT);
	assert_int_equal(f->s, 0);
}

static inline void
fix_eval(struct fix *f)
{
	int i;

	eng_evaluate(f->e, f->t * 1000, &f->out);
	for (i = 0; i < f->out.n_decisions; i++) {
		const struct eng_decision *d = &f->out.decisions[i];

		f->n_dec[d->action]++;
		snprintf(f->last_code[d->action], sizeof(f->last_code[0]), "%s",
		    d->code);
		/* Every decision explains itself. */
		assert_non_null(d->code);
		assert_true(strlen(d->reason) > 0);
	}
}

/* Hold value v for n seconds, one sample and one evaluation a second. */
static inline void
fix_hold(struct fix *f, double v, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		f->t++;
		feed1(f->e, f->s, f->t * 1000, v);
		fix_eval(f);
	}
}

static inline void
fix_done(struct fix *f)
{
	eng_free(f->e);
	f->e = NULL;
}

static inline struct eng_sensor_view
view(const struct fix *f)
{
	struct eng_sensor_view v;

	eng_sensor_view(f->e, f->s, &v);
	return v;
}

#endif
