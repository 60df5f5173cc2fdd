/*
 * fuzz_engine_state.c - libFuzzer target: the engine state file
 * (est_decode), which a restart reads from state_dir. What decodes must
 * encode and decode again to the same sensors, pass or fail the identity
 * and age check without harm, and restore (trend points and all) into a
 * fresh engine that then takes a sample and evaluates without harm.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Each sensor into an engine of its own, as a restart would, then one
 * sample and an evaluation. */
static void
restore_all(const struct eng_conf *conf, const struct est_file *f, int64_t gap)
{
	int i;

	if (gap < 0)
		gap = 0;
	for (i = 0; i < f->n; i++) {
		struct eng *e = eng_create(conf);
		struct eng_reading r = { 0 };
		struct eng_output out;
		int k;

		if (e == NULL)
			abort();
		k = eng_sensor_add(e, f->s[i].id, (enum eng_class)f->s[i].cls,
		    90.0, ENG_TRIP_HW);
		if (k >= 0 &&
		    eng_restore_sensor(e, &f->s[i], 1000000, gap) >= 0) {
			r.sensor = k;
			r.t_ms = 1000500;
			r.value_c = f->s[i].has_value ? f->s[i].last_c : 40.0;
			eng_feed(e, &r);
			eng_evaluate(e, 1000500, &out);
		}
		eng_free(e);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct est_file f, g;
	struct est_meta me;
	struct eng_conf conf;
	int64_t gap = 0;
	char why[256], *text;

	eng_conf_defaults(&conf);
	if (est_decode(
		(const char *)data, size, &conf, 8, &f, why, sizeof(why)) != 0)
		return 0;
	memset(&me, 0, sizeof(me));
	memcpy(me.host, "h1", 3);
	me.wall_s = 1.7e9;
	me.mono_ms = 100000;
	(void)est_check_meta(&f.meta, &me, 180000, &gap, why, sizeof(why));
	text = est_encode(&f.meta, &f.host, f.s, f.n);
	if (text != NULL) {
		if (est_decode(text, strlen(text), &conf, 8, &g, why,
			sizeof(why)) != 0 ||
		    g.n != f.n)
			abort(); /* what we write, we read */
		est_file_free(&g);
		free(text);
	}
	restore_all(&conf, &f, gap);
	est_file_free(&f);
	return 0;
}
