/*
 * fuzz_scenario.c - libFuzzer target: thermwatch-sim scenario files
 * (libconfig, then the simulator's own checks) through scn_parse_string
 * of agent/sim/scenario.c, linked as it is. @include is skipped.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The simulator's scenario may own memory (scn_free) or not, as its
 * version has it: call it when it is there. */
void scn_free(struct sim_scenario *s);
#pragma weak scn_free

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_scenario *s;
	void (*release)(struct sim_scenario *) = scn_free;
	FILE *err;
	char *text;

	if (size > 65536 || memmem(data, size, "@include", 8) != NULL)
		return 0;
	text = malloc(size + 1);
	s = calloc(1, sizeof(*s));
	err = fopen("/dev/null", "w");
	if (text != NULL && s != NULL && err != NULL) {
		memcpy(text, data, size);
		text[size] = '\0';
		(void)scn_parse_string("fuzz.conf", text, s, err);
		if (release != NULL)
			release(s);
	}
	if (err != NULL)
		fclose(err);
	free(s);
	free(text);
	return 0;
}
