/*
 * eng_hint.c - an engine's state saved and put back in place, for a
 * caller that runs many engines ahead speculatively and must be able to
 * undo it (the simulator steps a quiet room several ticks at a time and
 * goes back when an engine does more than feed and evaluate).
 *
 * Saved is what feeding readings and evaluating at times from from_ms to
 * until_ms, and eng_zone_set(), can change: the object after its
 * configuration, the sensors in use, their substitutes' noise, the
 * overrides in force, the peer table, and of each trend ring only what
 * pushes in that span can write. Not saved: the configuration (conf, the
 * class settings), the sensor ids and the rings' other points, which
 * only eng_sensor_add(), eng_conf_set() and eng_reconfigure() change.
 *
 * A ring's pushes are at least its window's spacing apart (trend_push
 * leaves out a point closer than that to the newest) and none is before
 * from_ms (or a jump held back, eng_feed, which goes in at its own time
 * when confirmed) or after until_ms, so a ring gains at most
 * (until_ms - from_ms) / spacing + 1 points between two resets; its
 * points go to the slots after its newest, or, after a reset (a sensor
 * switching to or from a substitute, a gap longer than the window, a new
 * time origin), to the slots from the ring's start. Saved are those
 * slots, the newest point (which may be rewritten in place), and all the
 * ring's checkpoints and spill slots (a resum rewrites them all): the
 * whole ring when that is most of it. The state is put back into the
 * same engine, so its pointers into its own blocks stay valid: a byte
 * copy both ways. A new block of engine memory that these calls change
 * must be added here: tests/sim/test_state.c compares an engine's whole
 * memory before a run of feeds and evaluations and after putting it
 * back, and tests/sim/blocks.sh runs stepped tick by tick and several
 * ticks at a time, byte for byte.
 */
#include <stddef.h>
#include <string.h>

#include "eng_int.h"

/* The object from here on (what comes before is the configuration). */
#define OBJ_FROM offsetof(struct eng, n_sensors)

enum op { OP_SIZE, OP_SAVE, OP_RESTORE };

struct cursor {
	enum op op;
	char *buf;
	size_t n;
};

static void
part(struct cursor *c, void *p, size_t n)
{
	if (c->op == OP_SAVE)
		memcpy(c->buf + c->n, p, n);
	else if (c->op == OP_RESTORE)
		memcpy(p, c->buf + c->n, n);
	c->n += n;
}

/* Slots [a, a + n) of a ring, n < cap (they may wrap). */
static void
slots(struct cursor *c, const struct trend *tr, uint32_t a, uint32_t n)
{
	uint32_t k = n < tr->cap - a ? n : tr->cap - a;

	part(c, tr->ring + a, k * sizeof(*tr->ring));
	if (k < n)
		part(c, tr->ring, (n - k) * sizeof(*tr->ring));
}

/* At most how many pushes at least sp apart fit in [from_ms, until_ms]. */
static int64_t
pushes(int64_t from_ms, int64_t until_ms, int64_t sp)
{
	return until_ms < from_ms ? 0 : (until_ms - from_ms) / sp + 1;
}

/* What pushes from from_ms to until_ms can write of sensor s's ring. */
static void
ring(struct cursor *c, const struct eng *e, const struct sensor *s,
    int64_t from_ms, int64_t until_ms)
{
	const struct trend *tr = &s->tr;
	int64_t sp = e->cls_win[s->cls].spacing_ms, reset, first, next;
	size_t pts = (size_t)tr->cap * sizeof(*tr->ring);
	size_t all = trend_bytes(tr->cap, tr->n_spill);
	uint32_t a;
	bool empty = tr->beg == tr->end;

	if (tr->ring == NULL)
		return;
	if (sp < 1) {
		part(c, tr->ring, all);
		return;
	}
	/* a jump held back before from_ms goes in when confirmed, at its
	 * own time */
	if (s->pending && s->pend_ms < from_ms)
		from_ms = s->pend_ms;
	/* after a reset: from the start; before one: after the newest
	 * (which is kept as it may be rewritten), its pushes both after
	 * from_ms and a spacing after the newest */
	reset = pushes(from_ms, until_ms, sp);
	next = tr->last_ms == NO_TIME || tr->last_ms + sp < from_ms
	    ? from_ms
	    : tr->last_ms + sp;
	first = pushes(next, until_ms, sp) + (empty ? 0 : 1);
	if (reset + first >= tr->cap) {
		part(c, tr->ring, all);
		return;
	}
	a = tr->end - (empty ? 0 : 1);
	slots(c, tr, a >= tr->cap ? a - tr->cap : a, (uint32_t)first);
	slots(c, tr, 0, (uint32_t)reset);
	/* the checkpoints and the spill slots */
	part(c, (char *)tr->ring + pts, all - pts);
}

/* The state, in the order saved: what follows the object is named by
 * the object as saved (on restore, put back by then). */
static size_t
walk(struct eng *e, int64_t from_ms, int64_t until_ms, enum op op, char *buf)
{
	struct cursor c = { op, buf, 0 };
	int i;

	part(&c, (char *)e + OBJ_FROM, sizeof(*e) - OBJ_FROM);
	part(&c, e->sensors, (size_t)e->n_sensors * sizeof(*e->sensors));
	part(&c, e->snz, (size_t)e->n_sensors * sizeof(*e->snz));
	if (e->n_ovr > 0)
		part(&c, e->ovr, (size_t)e->n_ovr * sizeof(*e->ovr));
	if (e->cap_peers > 0) {
		part(&c, e->peers, (size_t)e->cap_peers * sizeof(*e->peers));
		part(&c, e->peer_hash,
		    ((size_t)e->hash_mask + 1) * sizeof(*e->peer_hash));
	}
	for (i = 0; i < e->n_sensors; i++)
		ring(&c, e, &e->sensors[i], from_ms, until_ms);
	return c.n;
}

/* The span saved, before the state. */
struct span {
	int64_t from_ms, until_ms;
};

size_t
eng_state_size(const struct eng *e, int64_t from_ms, int64_t until_ms)
{
	return sizeof(struct span) +
	    walk((struct eng *)e, from_ms, until_ms, OP_SIZE, NULL);
}

void
eng_state_save(
    const struct eng *e, int64_t from_ms, int64_t until_ms, void *buf)
{
	struct span sp = { from_ms, until_ms };

	memcpy(buf, &sp, sizeof(sp));
	walk((struct eng *)e, from_ms, until_ms, OP_SAVE,
	    (char *)buf + sizeof(sp));
}

void
eng_state_restore(struct eng *e, const void *buf)
{
	struct span sp;

	memcpy(&sp, buf, sizeof(sp));
	walk(e, sp.from_ms, sp.until_ms, OP_RESTORE, (char *)buf + sizeof(sp));
}
