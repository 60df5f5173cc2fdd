/*
 * idstr.c - the process's interned sensor ids: their text packed in
 * chunks, found through an open addressing hash (linear probing, at most
 * three quarters full: it is searched only when a source finds a sensor,
 * and 1,024 ids fit in 16 kB of it). See idstr.h.
 */
#include "idstr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fnv.h"

#define CHUNK_SIZE 4096

struct chunk {
	struct chunk *next;
	size_t used;
	char text[CHUNK_SIZE];
};

static struct {
	struct chunk *chunks; /* the newest first */
	const char **hash;    /* NULL = empty; size a power of 2 */
	size_t size, n, bytes;
} pool;

static uint32_t
hash_of(const char *s, size_t len)
{
	return fnv32(FNV32_INIT, s, len);
}

/* The slot of s (len bytes, no '\0' needed) or the empty one it goes in. */
static size_t
slot_of(const char **hash, size_t size, const char *s, size_t len)
{
	size_t mask = size - 1, i = hash_of(s, len) & mask;

	for (; hash[i] != NULL; i = (i + 1) & mask)
		if (strncmp(hash[i], s, len) == 0 && hash[i][len] == '\0')
			break;
	return i;
}

static int
grow_hash(void)
{
	size_t size = pool.size > 0 ? pool.size * 2 : 256, i;
	const char **hash;

	hash = calloc(size, sizeof(*hash));
	if (hash == NULL)
		return -1;
	for (i = 0; i < pool.size; i++)
		if (pool.hash[i] != NULL)
			hash[slot_of(hash, size, pool.hash[i],
			    strlen(pool.hash[i]))] = pool.hash[i];
	free(pool.hash);
	pool.hash = hash;
	pool.size = size;
	return 0;
}

/* Room for len bytes and a '\0', in the newest chunk or a new one. */
static char *
place(const char *s, size_t len)
{
	struct chunk *c = pool.chunks;
	char *p;

	if (c == NULL || CHUNK_SIZE - c->used < len + 1) {
		c = malloc(sizeof(*c));
		if (c == NULL)
			return NULL;
		c->next = pool.chunks;
		c->used = 0;
		pool.chunks = c;
	}
	p = c->text + c->used;
	memcpy(p, s, len);
	p[len] = '\0';
	c->used += len + 1;
	pool.bytes += len + 1;
	return p;
}

const char *
idstr_intern(const char *id)
{
	size_t len = strnlen(id, IDSTR_LEN - 1), i;
	char *p;

	if (4 * (pool.n + 1) > 3 * pool.size && grow_hash() != 0)
		return NULL;
	i = slot_of(pool.hash, pool.size, id, len);
	if (pool.hash[i] != NULL)
		return pool.hash[i];
	p = place(id, len);
	if (p == NULL)
		return NULL;
	pool.hash[i] = p;
	pool.n++;
	return p;
}

size_t
idstr_count(void)
{
	return pool.n;
}

size_t
idstr_bytes(void)
{
	return pool.bytes;
}
