/*
 * block.c - a quiet room stepped several ticks at a time, with the
 * results of stepping it tick by tick.
 *
 * A room of thousands of hosts does not fit the caches, and most of
 * what a host's tick reads is its engine: ticked one after the other,
 * every engine is fetched from memory every tick. But while a room is
 * quiet (no agent in an alarm, no hook running or due, no restart, no
 * slow BMC), an agent's tick changes nothing but its host's sensors and
 * its engine, and nothing in the physics reads them: the hosts'
 * temperatures over the next ticks do not depend on their agents. So a
 * block of ticks (up to the next peer exchange, event or recording,
 * when everything else happens) goes in two passes:
 *
 *	1. the physics of every host, tick by tick as run_tick does it
 *	   (the zones' air couples the hosts every tick), keeping each
 *	   host's true temperatures of each tick;
 *	2. each host's agent for all the ticks of the block in a row, its
 *	   engine in the caches, fed the temperatures of each tick; the
 *	   peer exchange that starts the block and the one that ends it
 *	   are folded in (peers.c: what the one delivers, the agent's
 *	   summary for the other), so that each engine is touched once.
 *
 * A zone with a host that is not quiet (an incident) runs as usual in
 * pass 1, each of its hosts' whole tick in its turn; so does an oracle's
 * room. What its hosts' actions do to hosts of quiet zones (VMs arriving)
 * is physics, in pass 1 in its order.
 *
 * A zone is quiet only as long as no agent does more than that, and
 * whether it does is known only once its engine has evaluated. So the
 * block is a guess: before it, what a tick can change of each host is
 * saved (all of a host of a busy zone), and each engine's state before
 * its agent's first tick; when an agent of a quiet zone would do more
 * (an alarm, a decision, an expired override), one of its hosts trips,
 * or an evacuation looks for room (it reads every agent's state of that
 * tick), everything is put back and the block's ticks run one at a time,
 * as usual. Either way the results are those of tick by tick, to the
 * byte (tests/sim/determinism.sh compares them); a guess that failed
 * makes the next ones wait a while (backoff). A guess that holds goes
 * on over the next blocks while only the exchange happens between them
 * and the same zones are busy (run_block): saving costs as much as a
 * tick or two, so it is done once for up to GUESS_MAX ticks (and only
 * for what those ticks can change of each engine: eng_state_save).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

#define BLK_MAX      32  /* ticks in a block, at most */
#define GUESS_MAX    128 /* ticks in a guess (its blocks), at most */
#define BLK_WAIT_MAX 32  /* peer intervals to wait after failed guesses */

/* The part of a host a tick in a quiet zone can change (run.h). */
#define HOST_HOT  offsetof(struct sim_host, peers_lost)
#define HOST_COLD (sizeof(struct sim_host) - HOST_HOT)

enum { SAVED_HOT, SAVED_ALL };

struct sim_block {
	int kmax;                /* ticks in a block, at most */
	double (*tv)[SIM_NSENS]; /* [host * kmax + tick]: true values */
	/* the hosts: the part a quiet zone's tick changes (HOST_HOT), and
	 * the rest, saved for busy zones only (so that its memory is only
	 * ever touched for them) */
	char *hot_save;
	char *cold_save;
	unsigned char *saved; /* [host]: SAVED_*, what is saved */
	char *eng_save;       /* engines' states, one after the other */
	size_t eng_cap;
	size_t eng_used;
	size_t *eng_off; /* [host]: where its engine's state is; SIZE_MAX */
	struct sim_run run_save;
	bool open;                /* a guess that went through so far */
	int64_t from_ms;          /* ...from this tick */
	int64_t until_ms;         /* ...up to this one at most */
	bool busy[SIM_MAX_ZONES]; /* zones that run tick by tick */
	int noisy;                /* the host that spoilt the last guess */
	int64_t wait_ms;          /* no block before this */
	int64_t backoff_ms;
};

struct sim_block *
blk_new(const struct sim_run *r)
{
	struct sim_block *b = calloc(1, sizeof(*b));
	size_t n = (size_t)(r->n_hosts > 0 ? r->n_hosts : 1);

	if (b == NULL)
		return NULL;
	b->kmax = (int)(r->peer_ms / r->tick_ms);
	if (b->kmax > BLK_MAX)
		b->kmax = BLK_MAX;
	if (b->kmax < 1)
		b->kmax = 1;
	b->noisy = -1;
	b->tv = malloc(n * (size_t)b->kmax * sizeof(*b->tv));
	b->hot_save = malloc(n * HOST_HOT);
	b->cold_save = malloc(n * HOST_COLD);
	b->saved = malloc(n);
	b->eng_off = malloc(n * sizeof(*b->eng_off));
	if (b->tv == NULL || b->hot_save == NULL || b->cold_save == NULL ||
	    b->saved == NULL || b->eng_off == NULL) {
		blk_free(b);
		return NULL;
	}
	return b;
}

void
blk_free(struct sim_block *b)
{
	if (b == NULL)
		return;
	free(b->tv);
	free(b->hot_save);
	free(b->cold_save);
	free(b->saved);
	free(b->eng_save);
	free(b->eng_off);
	free(b);
}

/* Does tick t record (run_tick_end)? */
static bool
records(const struct sim_run *r, int64_t t)
{
	return (r->opt.record && t >= r->next_rec_ms) ||
	    (r->zoom_from_ms >= 0 && t >= r->next_zoom_ms &&
		t <= r->zoom_to_ms);
}

/* Ticks from r->now_ms (its events and exchange done) that may go as a
 * block: up to t_ms, before the next exchange and the next event, up to
 * the first that records. */
static int
block_len(const struct sim_run *r, const struct sim_block *b, int64_t t_ms)
{
	int64_t t0 = r->now_ms, ev = evq_next_ms(r);
	int k;

	for (k = 1; k < b->kmax; k++) {
		int64_t t = t0 + k * r->tick_ms;

		if (t > t_ms || t >= r->next_peer_ms || t >= ev ||
		    records(r, t - r->tick_ms))
			break;
	}
	return k;
}

/* A host whose next ticks change nothing but itself and its engine, as
 * long as its agent stays quiet. */
static bool
host_quiet(const struct sim_host *h)
{
	if (!h->powered || h->eng == NULL)
		return !h->restart_due;
	return !h->restart_due && !h->alarmed && !h->zone_alarm &&
	    !h->eng_zone_alarm && h->state != ENG_STATE_CRITICAL &&
	    h->bmc_late_s <= 0 && !h->mig_job.running &&
	    h->mig_job.retry_ms < 0 && h->sd_phase == SIM_SD_IDLE &&
	    h->wd_ms < 0 && h->mig_next < 0;
}

/* A host that keeps the whole room tick by tick: its agent restarts
 * (a new engine), or it has persisted overrides (their list is not
 * saved) and is not quiet. */
static bool
host_blocks_all(const struct sim_host *h)
{
	return h->restart_due || (h->n_ovr > 0 && !host_quiet(h));
}

/* Which zones run tick by tick (busy[]). False when the whole room must
 * go tick by tick, or gains nothing (no quiet zone). */
static bool
zones_busy(struct sim_run *r, struct sim_block *b, bool busy[])
{
	int z, i, quiet = 0;

	if (b->noisy >= 0 && b->noisy < r->n_hosts &&
	    host_blocks_all(&r->host[b->noisy]))
		return false;
	b->noisy = -1;
	for (z = 0; z < r->n_zones; z++) {
		const struct sim_zone *zn = &r->zone[z];
		int a = zn->first_host, e = a + zn->n_hosts;

		busy[z] = false;
		for (i = a; i < e; i++) {
			if (host_blocks_all(&r->host[i])) {
				b->noisy = i;
				return false;
			}
			if (!host_quiet(&r->host[i]))
				busy[z] = true;
		}
		quiet += !busy[z];
	}
	return quiet > 0;
}

/* Classify the zones for a new guess, and save what a block may change
 * of each host (all of a host of a busy zone: other hosts' ticks write
 * to hosts not reached yet, VMs arriving). */
static bool
classify(struct sim_run *r, struct sim_block *b)
{
	int i;

	if (!zones_busy(r, b, b->busy))
		return false;
	for (i = 0; i < r->n_hosts; i++) {
		bool all = b->busy[r->host[i].zone];

		const char *h = (const char *)&r->host[i];

		memcpy(b->hot_save + (size_t)i * HOST_HOT, h, HOST_HOT);
		if (all)
			memcpy(b->cold_save + (size_t)i * HOST_COLD,
			    h + HOST_HOT, HOST_COLD);
		b->saved[i] = all ? SAVED_ALL : SAVED_HOT;
	}
	return true;
}

/* May the open guess go on with the next block: the same zones busy,
 * as saved? */
static bool
same_zones(struct sim_run *r, struct sim_block *b)
{
	bool busy[SIM_MAX_ZONES];

	return zones_busy(r, b, busy) &&
	    memcmp(busy, b->busy, (size_t)r->n_zones * sizeof(*busy)) == 0;
}

/* Room for more engines' states; false when out of memory. */
static bool
eng_room(struct sim_block *b, size_t need)
{
	char *p;

	need += b->eng_used;
	if (need <= b->eng_cap)
		return true;
	need += need / 2;
	p = realloc(b->eng_save, need);
	if (p == NULL)
		return false;
	b->eng_save = p;
	b->eng_cap = need;
	return true;
}

/* Save the state of host i's engine, when its agent runs; false when
 * out of memory. */
static bool
save_engine(struct sim_run *r, struct sim_block *b, int i)
{
	struct sim_host *h = &r->host[i];
	size_t n;

	if (!agent_running(r, h))
		return true;
	n = eng_state_size(h->eng, b->from_ms, b->until_ms);
	if (!eng_room(b, n))
		return false;
	eng_state_save(
	    h->eng, b->from_ms, b->until_ms, b->eng_save + b->eng_used);
	b->eng_off[i] = b->eng_used;
	b->eng_used += n;
	return true;
}

/* Put back what was saved: the hosts, their engines, the run (the log
 * and the actions keep their memory, and lose what was added). */
static void
undo(struct sim_run *r, struct sim_block *b)
{
	struct sim_log *log = r->log;
	struct sim_act_rec *acts = r->acts;
	int i, log_cap = r->log_cap, acts_cap = r->acts_cap;

	for (i = 0; i < r->n_hosts; i++) {
		struct sim_host *h = &r->host[i];

		memcpy(h, b->hot_save + (size_t)i * HOST_HOT, HOST_HOT);
		if (b->saved[i] == SAVED_ALL)
			memcpy((char *)h + HOST_HOT,
			    b->cold_save + (size_t)i * HOST_COLD, HOST_COLD);
		if (b->eng_off[i] != SIZE_MAX)
			eng_state_restore(h->eng, b->eng_save + b->eng_off[i]);
	}
	*r = b->run_save;
	r->log = log;
	r->log_cap = log_cap;
	r->acts = acts;
	r->acts_cap = acts_cap;
}

static double *
tv_at(struct sim_block *b, int i, int j)
{
	return b->tv[(size_t)i * (size_t)b->kmax + (size_t)j];
}

/*
 * Pass 1: the physics of every host for k ticks (t0's events, zones and
 * exchange done), and the whole ticks of the hosts of busy zones. False
 * when the guess failed (a host of a quiet zone tripped, an evacuation
 * looked for room, out of memory).
 */
static bool
physics(struct sim_run *r, struct sim_block *b, int k, bool save)
{
	bool hints = r->n_hosts > SIM_HINT_MIN_HOSTS;
	int64_t t0 = r->now_ms;
	int i, j, z;

	for (j = 0; j < k; j++) {
		if (j > 0) {
			r->now_ms = t0 + j * r->tick_ms;
			/* no event, no exchange is due */
			run_tick_begin(r, false);
		}
		for (i = 0; i < r->n_hosts; i++) {
			struct sim_host *h = &r->host[i];
			bool busy = b->busy[h->zone];
			double *v;

			if (busy) {
				if (hints)
					agent_prefetch(r, i);
				if (j == 0) {
					if (save && !save_engine(r, b, i))
						return false;
					zx_deliver(r, i);
				}
				run_host_tick(r, i);
				if (r->spoilt)
					return false;
				continue;
			}
			if (hints)
				agent_prefetch_host(r, i + 4);
			if (!h->powered)
				continue;
			if (mdl_step_host(r, h) >= 0) {
				b->noisy = i;
				return false;
			}
			r->zone[h->zone].it_acc += h->power_w;
			v = tv_at(b, i, j);
			v[SIM_S_INLET] = h->t_inlet;
			v[SIM_S_CPU] = h->t_cpu;
			v[SIM_S_EXHAUST] = h->t_exh;
		}
		if (j < k - 1)
			for (z = 0; z < r->n_zones; z++)
				r->zone[z].it_w = r->zone[z].it_acc;
	}
	return true;
}

/*
 * Pass 2: each agent of a quiet zone for the k ticks from t0, on the
 * true values pass 1 kept (the last are the host's own again at the
 * end), with what the exchange at t0 delivered to it, and its summary
 * for the exchange that ends the block, if one does. False when one was
 * not quiet.
 */
static bool
agents(struct sim_run *r, struct sim_block *b, int64_t t0, int k, bool save)
{
	bool hints = r->n_hosts > SIM_HINT_MIN_HOSTS;
	int64_t end = t0 + k * r->tick_ms;
	int i, j;

	for (i = 0; i < r->n_hosts; i++) {
		struct sim_host *h = &r->host[i];

		if (b->busy[h->zone])
			continue;
		if (hints)
			agent_prefetch(r, i);
		if (!agent_running(r, h))
			continue;
		if (save && !save_engine(r, b, i))
			return false;
		zx_deliver(r, i);
		for (j = 0; j < k; j++) {
			const double *v = tv_at(b, i, j);

			r->now_ms = t0 + j * r->tick_ms;
			h->t_inlet = v[SIM_S_INLET];
			h->t_cpu = v[SIM_S_CPU];
			h->t_exh = v[SIM_S_EXHAUST];
			if (!agent_tick_quiet(r, i)) {
				b->noisy = i;
				return false;
			}
		}
		if (end == r->next_peer_ms)
			zx_precollect(r, i, end);
	}
	return true;
}

/* A failed guess: wait before the next (longer after each). */
static void
back_off(struct sim_run *r, struct sim_block *b)
{
	int64_t max = (int64_t)BLK_WAIT_MAX * r->peer_ms;

	b->backoff_ms = b->backoff_ms > 0 ? 2 * b->backoff_ms : r->peer_ms;
	if (b->backoff_ms > max)
		b->backoff_ms = max;
	b->wait_ms = r->now_ms + b->backoff_ms;
}

/* The open guess holds: what was saved is no longer needed. */
static void
close_guess(struct sim_run *r, struct sim_block *b)
{
	b->open = false;
	zx_forget(r);
}

/* Start a guess at r->now_ms (its events, zones and exchange done): save
 * what it may change; false when it gains nothing. */
static bool
open_guess(struct sim_run *r, struct sim_block *b)
{
	memset(b->eng_off, 0xff, (size_t)r->n_hosts * sizeof(*b->eng_off));
	b->eng_used = 0;
	b->from_ms = r->now_ms;
	b->until_ms = r->now_ms + (GUESS_MAX - 1) * r->tick_ms;
	if (!classify(r, b))
		return false;
	b->run_save = *r;
	return true;
}

/*
 * Run a block of k ticks from r->now_ms, saving the engines first when
 * it opens the guess (save). A guess goes on over several blocks, up
 * to GUESS_MAX ticks, as long as nothing but the exchange happens between
 * them and the same zones are busy: what was saved at its start is
 * saved once for all of them. When one fails, everything goes back to
 * the guess's start, which then runs tick by tick.
 */
static void
run_block(struct sim_run *r, struct sim_block *b, int k, bool save)
{
	int64_t t0 = r->now_ms;

	r->guessing = true;
	zx_block_start(r);
	if (!physics(r, b, k, save) || !agents(r, b, t0, k, save)) {
		undo(r, b);
		zx_undo(r, r->now_ms);
		b->open = false;
		back_off(r, b);
		run_tick_hosts(r);
		run_tick_end(r);
		return;
	}
	zx_delivered(r);
	r->guessing = false;
	b->backoff_ms = 0;
	b->open = true;
	r->res.block_ticks += k;
	r->now_ms = t0 + (k - 1) * r->tick_ms;
	zx_block_done(r,
	    r->now_ms + r->tick_ms == r->next_peer_ms ? r->next_peer_ms
						      : INT64_MIN);
	run_tick_end(r);
}

void
blk_run(struct sim_run *r, int64_t t_ms)
{
	struct sim_block *b = r->blk;
	int64_t t0 = r->now_ms;
	int k;

	/* an event ends a guess (events change what is not saved) */
	if (b->open && evq_next_ms(r) <= t0)
		close_guess(r, b);
	if (b->open)
		zx_keep(r);
	/* a block may follow: the exchange's deliveries wait for it */
	run_tick_begin(r, t0 >= b->wait_ms);
	k = t0 >= b->wait_ms ? block_len(r, b, t_ms) : 1;
	if (b->open) {
		if (k > 1 && t0 + (k - 1) * r->tick_ms <= b->until_ms &&
		    same_zones(r, b)) {
			run_block(r, b, k, false);
			return;
		}
		close_guess(r, b);
	}
	if (k <= 1 || !open_guess(r, b)) {
		zx_deliver_all(r);
		zx_delivered(r);
		run_tick_hosts(r);
		run_tick_end(r);
		return;
	}
	run_block(r, b, k, true);
}
