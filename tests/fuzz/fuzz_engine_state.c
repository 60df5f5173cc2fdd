/*
 * fuzz_engine_state.c - libFuzzer target: the engine state file
 * (est_decode), which a restart reads from state_dir. What decodes must
 * encode and decode again to the same sensors, and pass or fail the
 * identity and age check without harm.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct est_file f, g;
	struct est_meta me;
	struct eng_conf conf;
	int64_t gap;
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
	est_file_free(&f);
	return 0;
}
