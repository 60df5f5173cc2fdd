/*
 * test_agent_table.c - the agent's sensor table: ids to slots once (the
 * handle a source's readings carry), slots that never move while the
 * table grows, and lookups that find every id among thousands.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "agent_table.h"

#define N 5000

static void
id_of(int i, char *buf, size_t len)
{
	/* ids that share long prefixes, as real ones do */
	snprintf(buf, len, "coretemp-isa-%04x/Core %d", i / 64, i % 64);
}

static void
test_slots_in_order_and_stable(void **state)
{
	struct agent_table t = { 0 };
	char id[ENG_ID_LEN];
	int i;

	(void)state;
	for (i = 0; i < N; i++) {
		id_of(i, id, sizeof(id));
		assert_int_equal(atab_add(&t, id), i);
		assert_int_equal(t.n, i + 1);
	}
	/* after all the growth, every id still maps to its first slot */
	for (i = 0; i < N; i++) {
		id_of(i, id, sizeof(id));
		assert_int_equal(atab_find(&t, id), i);
		assert_string_equal(t.s[i].id, id);
		assert_int_equal(t.s[i].eng_idx, -1);
		assert_int_equal(t.s[i].last.handle, -1);
	}
	assert_true(2 * t.n <= t.hash_size);
	atab_free(&t);
	assert_null(t.s);
}

static void
test_same_id_same_slot(void **state)
{
	struct agent_table t = { 0 };

	(void)state;
	assert_int_equal(atab_find(&t, "a/b"), -1);
	assert_int_equal(atab_add(&t, "a/b"), 0);
	assert_int_equal(atab_add(&t, "a/c"), 1);
	t.s[0].eng_idx = 7;
	/* attaching again (a rescan) finds the slot and keeps its state */
	assert_int_equal(atab_add(&t, "a/b"), 0);
	assert_int_equal(t.s[0].eng_idx, 7);
	assert_int_equal(t.n, 2);
	assert_int_equal(atab_find(&t, "a/"), -1);
	assert_int_equal(atab_find(&t, "a/bb"), -1);
	assert_int_equal(atab_find(&t, ""), -1);
	assert_int_equal(atab_add(&t, ""), 2);
	assert_int_equal(atab_find(&t, ""), 2);
	atab_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slots_in_order_and_stable),
		cmocka_unit_test(test_same_id_same_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
