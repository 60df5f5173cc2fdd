/*
 * agent_table.h - the agent's sensor table: one slot per sensor id any
 * source ever attached, found by id through a hash (at attach time only),
 * and by slot number (the handle a source's readings carry) on the
 * per-cycle path. Slots are never moved or reused while the agent runs,
 * so a handle stays valid; the table grows at attach time only.
 */
#ifndef THERMWATCH_AGENT_TABLE_H
#define THERMWATCH_AGENT_TABLE_H

#include <stdbool.h>

#include "engine.h"
#include "source.h"

/* What the agent remembers of each sensor beside the engine's view: no
 * copy of the id (the source's interned one), only what it uses of the
 * last reading (64 bytes). */
struct agent_sensor {
	const char *id;         /* interned (idstr.h) */
	const char *source;     /* the last reading's: "hwmon", "ipmi" */
	const char *trip_from;  /* "crit", "config", "class-default"... */
	double src_trip_c;      /* the source's class and trip when class */
	enum eng_class src_cls; /* and trip were resolved (the last reading's
				   while not in the engine) */
	int eng_idx;            /* -1 when ignored, refused or gone */
	double last_c;          /* the last reading's value, NAN when none */
	int64_t last_ms;        /* and its time */
	unsigned gen;           /* the hwmon scan that last attached it */
	bool used;              /* registered with the engine once */
	bool ignored;           /* by hwmon.ignore or a sensors rule */
	bool refused;           /* no room in the engine (max_sensors) */
};

struct agent_table {
	int n, cap;
	struct agent_sensor *s;
	int *hash; /* slot + 1, 0 = empty; hash_size a power of 2 */
	int hash_size;
};

/* The slot of id, or -1. */
int atab_find(const struct agent_table *t, const char *id);
/* The slot of id, added (zeroed, eng_idx -1, last_c NAN, its id the
 * interned one) when new; -1 when out of memory. Slot pointers from
 * before may move (t->s grows): keep slots. */
int atab_add(struct agent_table *t, const char *id);
void atab_free(struct agent_table *t);

#endif
