/*
 * test_agent_table.c - the agent's sensor table: ids to slots once (the
 * handle a source's readings carry), slots that never move while the
 * table grows, lookups that find every id among thousands, and one
 * interned copy of each id (idstr.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
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
		assert_true(isnan(t.s[i].last_c));
		/* the one copy of the id: the same text gives the same
		 * pointer */
		assert_ptr_equal(t.s[i].id, idstr_intern(id));
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

/* idstr.h: one copy of each id, cut like the engine cuts it */
static void
test_ids_interned_once(void **state)
{
	char longer[2 * IDSTR_LEN], copy[] = "coretemp-isa-0000/Core 0";
	const char *a, *b;
	size_t n;

	(void)state;
	a = idstr_intern("coretemp-isa-0000/Core 0");
	n = idstr_count();
	b = idstr_intern(copy); /* other storage, same text */
	assert_ptr_equal(a, b);
	assert_int_equal(idstr_count(), n);
	assert_ptr_not_equal(idstr_intern("nct6775-isa-0290/Core 0"), a);
	assert_ptr_not_equal(idstr_intern("nct6775-isa-0290/Core"), a);
	assert_int_equal(idstr_count(), n + 2);
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	a = idstr_intern(longer);
	assert_int_equal(strlen(a), IDSTR_LEN - 1);
	longer[IDSTR_LEN - 1] = '\0'; /* the same once cut */
	assert_ptr_equal(idstr_intern(longer), a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slots_in_order_and_stable),
		cmocka_unit_test(test_same_id_same_slot),
		cmocka_unit_test(test_ids_interned_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
