/*
 * step.c - an inlet's step down beyond what air can do, held implausible
 * until the host's own cpu or exhaust follows it or the reading undoes
 * it; one held a host.
 *
 * eng_feed() sees the step (step_seen) when the sample after it confirms
 * it; each evaluation's health_sensor() then checks it (step_check),
 * which says when it is released: what follows from that (its run of one
 * value measured from then on) is health.c's.
 */
#include <math.h>

#include "eng_int.h"

/*
 * An inlet's confirmed step down beyond what air can do (its class's
 * max_rate_c_per_s): untrusted (implausible) until the host's own cpu or
 * exhaust follows it or the reading undoes it (step_check). A step seen
 * while one is held replaces it (either way), from the same value before.
 */
void
step_seen(
    struct eng *e, const struct eng_class_conf *cc, struct sensor *s, double v)
{
	int slot = (int)(s - e->sensors) + 1;

	/* from a value its filter stood for: not from a lone sample after
	 * a hole (that may be the glitch, and this step its end) */
	if (s->cls != ENG_CLASS_INLET || !isfinite(s->filtered) ||
	    (double)s->med_n < fmin(cc->filter_window, ENG_MAX_FILTER))
		return;
	/* Only a cooler one hides a danger. A warmer one is left alone: a
	 * cooling loss steps an inlet up faster than the class's rate (its
	 * supply air gone, the exhaust drawn back in), long before its cpu
	 * and exhaust follow, and held back it would hide the loss from
	 * the zone's alarm. */
	if (s->step == STEP_NONE && v >= s->filtered) {
		e->up_slot = slot;
		e->up_from = s->filtered;
		e->up_to = v;
		return;
	}
	/* nor one back from a warmer step, where that left it (a glitch of a
	 * few samples that returns) */
	if (s->step == STEP_NONE && e->up_slot == slot &&
	    fabs(s->filtered - e->up_to) <= fabs(v - s->filtered) / 2.0 &&
	    fabs(v - e->up_from) <= fabs(v - s->filtered) / 2.0)
		return;
	if (s->step == STEP_NONE) {
		/* one held a host: another inlet's step meanwhile is
		 * trusted, as it always was */
		if (e->step_slot > 0 && e->step_slot <= e->n_sensors &&
		    e->sensors[e->step_slot - 1].step != STEP_NONE)
			return;
		e->step_slot = slot;
		e->step_from = s->filtered;
	}
	s->step = STEP_NEW;
	e->step_to = v;
	s->implausible = true;
}

/* The host's own evidence of a step now: its smoothed cpu (0) and
 * exhaust (1), NAN where it has none trusted. */
static double
evidence(const struct eng *e, int k)
{
	enum eng_class c = k == 0 ? ENG_CLASS_CPU : ENG_CLASS_EXHAUST;

	return e->hv->n[c] > 0 ? e->cls_sm[c] : NAN;
}

/*
 * An inlet that stepped down further than air can in the time (eng_feed:
 * step_seen) is the sensor's doing, not the air's, unless the air the
 * host breathes moved too: air that cools cools the host's cpu and
 * exhaust after it, within their time constants. So it is held
 * untrusted, its substitute standing in, until
 *
 *   - the host's own cpu or exhaust (smoothed over EV_SMOOTH_S) has
 *     moved the step's way by policy.frozen_delta_c (half the step, if
 *     that is less) since the step, and neither as far the other way:
 *     the air moved (the faster of the two follows first; a load change
 *     that happens to move them the same way is taken for the air, and
 *     a value stuck there is left to the frozen check); or
 *   - the reading is back within half the step (at least
 *     policy.frozen_delta_c / 2) of where it was before (a glitch that
 *     returns), or within policy.frozen_delta_c of its substitute (it
 *     agrees with the evidence).
 *
 * Either way it is released (true: the caller measures its run of one
 * value from then on). A step while one is held replaces it (the value
 * before stays the last trusted one), with the evidence of its own time:
 * a cooler step after a warmer one is not taken as followed because the
 * cpu rose. A host with neither a trusted cpu nor a trusted exhaust at
 * the step has nothing of its own that says otherwise: the step stands,
 * as it always did (dropped, not released).
 */
bool
step_check(struct eng *e, struct sensor *s)
{
	const struct eng_policy_conf *p = &e->conf.policy;
	double d, dir, need;
	bool follows = false;
	int k;

	if (s->step == STEP_NONE)
		return false;
	if (s->step == STEP_NEW) {
		for (k = 0; k < 2; k++)
			e->step_ev[k] = evidence(e, k);
		if (!isfinite(e->step_ev[0]) && !isfinite(e->step_ev[1])) {
			s->step = STEP_NONE;
			return false;
		}
		s->step = STEP_HELD;
	}
	d = e->step_to - e->step_from;
	if (s->last_ms != NO_TIME && !isnan(s->filtered) &&
	    (fabs(s->filtered - e->step_from) <=
		    fmax(fabs(d), p->frozen_delta_c) / 2.0 ||
		(s->extrap &&
		    fabs(s->filtered - s->value_used) <= p->frozen_delta_c))) {
		s->step = STEP_NONE;
		return true;
	}
	dir = d > 0.0 ? 1.0 : -1.0;
	need = fmin(p->frozen_delta_c, fabs(d) / 2.0);
	for (k = 0; k < 2; k++) {
		double moved = (evidence(e, k) - e->step_ev[k]) * dir;

		if (moved <= -need)
			return false; /* the other way: it contradicts it */
		if (moved >= need)
			follows = true; /* (NAN: neither) */
	}
	if (follows)
		s->step = STEP_NONE;
	return follows;
}
