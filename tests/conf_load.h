/*
 * conf_load.h - config test helpers shared by the cmocka tests of each
 * group (include after <cmocka.h> and "conf.h"). Messages name the text
 * CONF_TEST_NAME, "test.conf" unless the test defines it first.
 */
#ifndef THERMWATCH_TESTS_CONF_LOAD_H
#define THERMWATCH_TESTS_CONF_LOAD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CONF_TEST_NAME
#define CONF_TEST_NAME "test.conf"
#endif

/* Load text; return the error count and the messages in *msgs (free). */
__attribute__((unused)) static int
load(const char *text, struct agent_conf *c, char **msgs)
{
	size_t len = 0;
	FILE *err = open_memstream(msgs, &len);
	int n;

	assert_non_null(err);
	n = cnf_load_string(CONF_TEST_NAME, text, c, err);
	fclose(err);
	return n;
}

/* text must fail with a message containing needle. */
__attribute__((unused)) static void
expect_error(const char *text, const char *needle)
{
	struct agent_conf c;
	char *msgs = NULL;
	int n = load(text, &c, &msgs);

	if (n == 0 || strstr(msgs, needle) == NULL)
		fail_msg("wanted an error containing [%s], got %d: [%s]",
		    needle, n, msgs);
	cnf_free(&c);
	free(msgs);
}

#endif
