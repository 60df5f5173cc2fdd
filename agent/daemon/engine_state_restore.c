/*
 * engine_state_restore.c - what of the engine state file goes back into
 * the engine: the host's part once it is read (est_restore_host), and
 * each saved sensor as its own attaches (est_sensor_added), with what
 * was restored or why not, logged. See engine_state.h for the rules.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "engine_state_int.h"
#include "log.h"
#include "loop.h"

const char *
est_kept_id(const struct kept *k)
{
	return (const char *)k->head + offsetof(struct eng_snap_sensor, id);
}

static void
unpack(const struct kept *k, struct eng_snap_sensor *out)
{
	memcpy(out, k->head, SNAP_HEAD);
	memcpy(out->age_ms, k->age_ms, (size_t)out->n_points * sizeof(int64_t));
	memcpy(
	    out->value_c, k->value_c, (size_t)out->n_points * sizeof(double));
}

/* What came back of the busy levels and envelopes (kept: the
 * ENG_SNAP_KEPT_ bits), said. */
static void
busy_restored(const struct eng_snap_host *h, int kept)
{
	int n = 0;

	for (int i = 0; i < h->n_busy && i < ENG_SNAP_BUSY; i++)
		n += isfinite(h->busy[i].air_c);
	if (n > 0 && (kept & ENG_SNAP_KEPT_BUSY))
		log_info("engine state: %d busy level%s restored (the cpu's "
			 "level at a load seen; each lowered by as much as "
			 "the air is cooler now than when it was learnt, "
			 "never raised)%s",
		    n, n == 1 ? "" : "s",
		    (kept & ENG_SNAP_KEPT_ENV)
			? ", with the utilisation's envelopes"
			: "; the utilisation's envelopes start afresh");
	if (h->n_busy > n)
		log_info("engine state: %d busy level%s not restored: the "
			 "air it was learnt in is not known",
		    h->n_busy - n, h->n_busy - n == 1 ? "" : "s");
}

/*
 * The host's part: its model always; the zone alarm's references, the
 * slow model and the load tracking only from a file of this boot (the
 * host's load, and so where its cpu stood, does not outlive a reboot),
 * and then as eng_restore_host rules (the alarm could not have ended
 * while the agent was down, the load could not have changed and come
 * back unseen). The busy levels (engine snapshot 4: the cpu's level at
 * each load seen, with the air then) from any boot, the utilisation's
 * envelopes from this one (busy_restored).
 */
void
est_restore_host(struct est *s, const struct est_meta *me)
{
	struct eng_snap_host *h = &s->f.host;
	bool had_alarm = h->has_alarm, had_load = h->has_load;
	int kept;

	if (s->f.meta.boot_id[0] == '\0' ||
	    strcmp(s->f.meta.boot_id, me->boot_id) != 0)
		h->has_busy_env = false;

	if (h->version >= 2 &&
	    (s->f.meta.boot_id[0] == '\0' ||
		strcmp(s->f.meta.boot_id, me->boot_id) != 0)) {
		if (h->has_alarm || h->has_load)
			log_info(
			    "engine state: written in another boot: the "
			    "zone alarm's references and the load tracking "
			    "not restored");
		h->has_alarm = h->has_load = false;
		h->model_slow_s = 0;
		had_alarm = had_load = false;
	}
	kept = eng_restore_host(s->env.eng, h, me->mono_ms, s->gap_ms);
	if (had_alarm && (kept & ENG_SNAP_KEPT_ALARM))
		log_info(
		    "engine state: the zone alarm's references restored "
		    "(the alarm began %.0f s before the save); they stay "
		    "if the zone alarm is in force at the first evaluation",
		    (double)h->alarm_age_ms / 1000.0);
	else if (had_alarm)
		log_info("engine state: the zone alarm's references not "
			 "restored: its quorum could have been lost for "
			 "policy.zone_hold_s while the agent was down");
	if (had_load && !(kept & ENG_SNAP_KEPT_LOAD))
		log_info("engine state: the load tracking not restored: down "
			 "for %.1f s, longer than a third of the cpu's and "
			 "exhaust's trend window",
		    (double)s->gap_ms / 1000.0);
	busy_restored(h, kept);
}

/*
 * What a sensor gets back: its noise, resolution, the rise it is in (so
 * the horizon believes an eta as far ahead as the rise has really lasted)
 * and its trend points, placed before the gap the restart left. The
 * shape judge reads the thirds of a span by their real mean times and
 * sample counts, so the hole reads as time passing, not as a slowing: a
 * daemon restarted mid-ramp has its slope at the first samples.
 */
/* What came back of a sensor's run of one value and of the inlet step it
 * held (engine snapshot 3): only across a gap shorter than a third of
 * its trend window (eng_restore_sensor). */
static void
restored_v3(struct eng *e, int idx, const char *id,
    const struct eng_snap_sensor *snap, int64_t gap, double window)
{
	struct eng_sensor_view v;

	if ((double)gap * 3.0 >= window * 1000.0) {
		log_info(
		    "engine state: sensor %s restored (noise %.3f C, saved "
		    "%.1f s ago); its run of one value%s not restored: "
		    "down a third of its trend window (%.0f s) or more",
		    id, snap->noise_c, (double)gap / 1000.0,
		    snap->step_held ? " and its held step" : "", window);
		return;
	}
	eng_sensor_view(e, idx, &v);
	log_info("engine state: sensor %s restored%s%s (noise %.3f C, "
		 "repeating %.1f C for %.0f s, saved %.1f s ago)",
	    id, v.frozen ? ", frozen" : "",
	    snap->step_held ? ", its step down held implausible" : "",
	    snap->noise_c, snap->run_c, (double)snap->run_age_ms / 1000.0,
	    (double)gap / 1000.0);
}

int
est_restore(struct eng *e, const struct eng_snap_sensor *snap, int64_t now_ms,
    int64_t gap_ms)
{
	return eng_restore_sensor(e, snap, now_ms, gap_ms);
}

void
est_sensor_added(struct est *s, const char *id, int eng_idx)
{
	struct eng_snap_sensor full;
	const struct eng_snap_sensor *snap = &full;
	struct eng_sensor_view v;
	int64_t now, gap;
	double window;
	int i, k = -1, done = 0;

	if (s == NULL || s->used == NULL || eng_idx < 0)
		return;
	for (i = 0; i < s->n_kept; i++) {
		done += s->used[i];
		if (!s->used[i] && strcmp(est_kept_id(s->kept[i]), id) == 0)
			k = i;
	}
	if (k < 0)
		return;
	unpack(s->kept[k], &full);
	s->used[k] = true;
	now = loop_now_ms(s->env.loop);
	gap = s->gap_ms + (now - s->loaded_ms);
	eng_sensor_view(s->env.eng, eng_idx, &v);
	window = s->env.conf->engine.cls[v.cls].trend_window_s;
	if ((int)v.cls != snap->cls)
		log_warnx("engine state: sensor %s not restored: its class "
			  "is %s now, %s in the file",
		    id, eng_class_name(v.cls), eng_class_name(snap->cls));
	else if ((double)gap > window * 1000.0)
		log_warnx("engine state: sensor %s not restored: saved %.1f "
			  "s ago, longer than its trend window (%.0f s)",
		    id, (double)gap / 1000.0, window);
	else if (est_restore(s->env.eng, snap, now, gap) < 0)
		log_warnx("engine state: sensor %s not restored: it already "
			  "has samples",
		    id);
	else if (snap->has_run || snap->step_held)
		restored_v3(s->env.eng, eng_idx, id, snap, gap, window);
	else if (snap->rising)
		log_info("engine state: sensor %s restored (noise %.3f C, "
			 "rising for %.0f s from %.1f C, saved %.1f s ago)",
		    id, snap->noise_c, (double)snap->rise_age_ms / 1000.0,
		    snap->rise_from_c, (double)gap / 1000.0);
	else
		log_info("engine state: sensor %s restored (noise %.3f C, "
			 "not rising, saved %.1f s ago)",
		    id, snap->noise_c, (double)gap / 1000.0);
	if (done + 1 == s->n_kept)
		est_drop_file(s, false);
}
