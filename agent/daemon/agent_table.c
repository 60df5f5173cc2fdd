/*
 * agent_table.c - the agent's sensor table: slots by id (an open
 * addressing hash, linear probing, at most half full) and by number. See
 * agent_table.h.
 */
#include "agent_table.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fnv.h"
#include "idstr.h"

static uint32_t
hash_id(const char *id)
{
	return fnv32(FNV32_INIT, id, strlen(id));
}

int
atab_find(const struct agent_table *t, const char *id)
{
	uint32_t mask, i;
	int slot;

	if (t->hash_size == 0)
		return -1;
	mask = (uint32_t)t->hash_size - 1;
	for (i = hash_id(id) & mask; (slot = t->hash[i]) != 0;
	     i = (i + 1) & mask)
		if (strcmp(t->s[slot - 1].id, id) == 0)
			return slot - 1;
	return -1;
}

static void
hash_put(int *hash, int size, const char *id, int slot)
{
	uint32_t mask = (uint32_t)size - 1, i;

	for (i = hash_id(id) & mask; hash[i] != 0; i = (i + 1) & mask)
		;
	hash[i] = slot + 1;
}

/* Room for one more slot, and a hash at most half full after it. */
static int
grow(struct agent_table *t)
{
	struct agent_sensor *s;
	int *hash, size, i;

	if (t->n == t->cap) {
		int cap = t->cap > 0 ? t->cap * 2 : 64;

		s = realloc(t->s, (size_t)cap * sizeof(*s));
		if (s == NULL)
			return -1;
		t->s = s;
		t->cap = cap;
	}
	if (2 * (t->n + 1) <= t->hash_size)
		return 0;
	size = t->hash_size > 0 ? t->hash_size * 2 : 128;
	hash = calloc((size_t)size, sizeof(*hash));
	if (hash == NULL)
		return -1;
	for (i = 0; i < t->n; i++)
		hash_put(hash, size, t->s[i].id, i);
	free(t->hash);
	t->hash = hash;
	t->hash_size = size;
	return 0;
}

int
atab_add(struct agent_table *t, const char *id)
{
	struct agent_sensor *s;
	const char *one;
	int slot = atab_find(t, id);

	if (slot >= 0)
		return slot;
	if ((one = idstr_intern(id)) == NULL || grow(t) != 0)
		return -1;
	slot = t->n++;
	s = &t->s[slot];
	memset(s, 0, sizeof(*s));
	s->id = one;
	s->eng_idx = -1;
	s->last_c = NAN;
	hash_put(t->hash, t->hash_size, s->id, slot);
	return slot;
}

void
atab_free(struct agent_table *t)
{
	free(t->s);
	free(t->hash);
	memset(t, 0, sizeof(*t));
}
