/*
 * fuzz_config.c - libFuzzer target: thermwatch.conf text (libconfig, then
 * every group's checks) through cnf_load_string, and the effective config
 * printed back. Files named in the config (password, hooks) are not read
 * here; @include is skipped (it would read files, not parse).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_conf c;
	FILE *err, *out;
	char *text;

	if (size > 65536 || memmem(data, size, "@include", 8) != NULL)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err = fopen("/dev/null", "w");
	out = fopen("/dev/null", "w");
	if (err != NULL && out != NULL &&
	    cnf_load_string("fuzz.conf", text, &c, err) == 0)
		cnf_print(&c, out);
	if (err != NULL)
		cnf_free(&c);
	if (err != NULL)
		fclose(err);
	if (out != NULL)
		fclose(out);
	free(text);
	return 0;
}
