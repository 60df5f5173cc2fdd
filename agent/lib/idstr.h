/*
 * idstr.h - one copy of each sensor id in the process. A source interns
 * an id once, when it finds the sensor (a scan, a new BMC sensor); the
 * source's slot, the agent's sensor table and whoever else keeps the id
 * hold the same pointer, and two interned ids are equal exactly when
 * their pointers are. Interned text is never freed or moved while the
 * process runs (sensors that go away are few, and come back with the
 * same id). Not thread-safe: the agent's loop only.
 */
#ifndef THERMWATCH_IDSTR_H
#define THERMWATCH_IDSTR_H

#include <stddef.h>

/* An id's longest text and its '\0' (ENG_ID_LEN): longer ones are cut. */
#define IDSTR_LEN 96

/* The one copy of id (cut to IDSTR_LEN - 1 bytes); NULL when out of
 * memory. */
const char *idstr_intern(const char *id);
/* How many ids and bytes of text the process holds (tests, figures). */
size_t idstr_count(void);
size_t idstr_bytes(void);

#endif
