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

/* What the agent remembers of each sensor beside the engine's view. */
struct agent_sensor {
	char id[ENG_ID_LEN];
	bool used;               /* registered with the engine once */
	bool ignored;            /* by hwmon.ignore or a sensors rule */
	bool refused;            /* no room in the engine (max_sensors) */
	int eng_idx;             /* -1 when ignored, refused or gone */
	const char *trip_from;   /* "crit", "config", "class-default"... */
	enum eng_class src_cls;  /* the source's class and trip when */
	double src_trip_c;       /* class and trip were resolved */
	unsigned gen;            /* the hwmon scan that last attached it */
	struct src_reading last; /* the last reading from its source */
};

struct agent_table {
	int n, cap;
	struct agent_sensor *s;
	int *hash; /* slot + 1, 0 = empty; hash_size a power of 2 */
	int hash_size;
};

/* The slot of id, or -1. */
int atab_find(const struct agent_table *t, const char *id);
/* The slot of id, added (zeroed, eng_idx -1) when new; -1 when out of
 * memory. Slot pointers from before may move (t->s grows): keep slots. */
int atab_add(struct agent_table *t, const char *id);
void atab_free(struct agent_table *t);

#endif
