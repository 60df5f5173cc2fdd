/*
 * eng_hint.c - an engine's state saved and put back in place, for a
 * caller that runs many engines ahead speculatively and must be able to
 * undo it (the simulator steps a quiet room several ticks at a time and
 * goes back when an engine does more than feed and evaluate).
 *
 * Saved is everything feeding, evaluating and eng_zone_set() can change:
 * the object, its sensors, their substitutes' noise, the ring points in use,
 * the overrides and the peer table. Not saved: the sensor ids and the class
 * settings, which only eng_sensor_add() and eng_conf_set() change. The state is
 * put back into the same engine (its pointers into its own blocks stay valid),
 * so it is a byte copy both ways. A new block of engine memory that these calls
 * change must be added here (the simulator's tests compare runs stepped tick by
 * tick and several ticks at a time, byte for byte).
 */
#include <string.h>

#include "eng_int.h"

/* The blocks of an engine's state, in the order they are saved. */
#define MAX_PARTS 7
struct part {
	void *p;
	size_t n;
};

static int
parts(const struct eng *e, struct part out[MAX_PARTS])
{
	int k = 0;

	out[k++] = (struct part){ (void *)e, sizeof(*e) };
	out[k++] = (struct part){ e->sensors,
		(size_t)e->cap_sensors * sizeof(*e->sensors) };
	out[k++] = (struct part){ e->snz,
		(size_t)e->cap_sensors * sizeof(*e->snz) };
	out[k++] = (struct part){ e->points, e->points_used };
	if (e->cap_ovr > 0)
		out[k++] = (struct part){ e->ovr,
			(size_t)e->cap_ovr * sizeof(*e->ovr) };
	if (e->cap_peers > 0) {
		out[k++] = (struct part){ e->peers,
			(size_t)e->cap_peers * sizeof(*e->peers) };
		out[k++] = (struct part){ e->peer_hash,
			((size_t)e->hash_mask + 1) * sizeof(*e->peer_hash) };
	}
	return k;
}

size_t
eng_state_size(const struct eng *e)
{
	struct part p[MAX_PARTS];
	size_t n = 0;
	int i, k = parts(e, p);

	for (i = 0; i < k; i++)
		n += p[i].n;
	return n;
}

void
eng_state_save(const struct eng *e, void *buf)
{
	struct part p[MAX_PARTS];
	char *o = buf;
	int i, k = parts(e, p);

	for (i = 0; i < k; i++) {
		memcpy(o, p[i].p, p[i].n);
		o += p[i].n;
	}
}

void
eng_state_restore(struct eng *e, const void *buf)
{
	struct part p[MAX_PARTS];
	const char *o = buf;
	int i, k;

	/* the blocks as the saved object names them: the object first */
	memcpy(e, o, sizeof(*e));
	k = parts(e, p);
	o += p[0].n;
	for (i = 1; i < k; i++) {
		memcpy(p[i].p, o, p[i].n);
		o += p[i].n;
	}
}
