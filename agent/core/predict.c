/*
 * predict.c - where a sensor is going: from its trend ring to a rise
 * (significant or not), its shape and its time to trip.
 *
 * The shape comes from the means M1, M2, M3 of three thirds of a span's
 * points (equal counts: a hole in the readings leaves none empty), D1 =
 * M2 - M1 and D2 = M3 - M2, each taken at the thirds' real mean times
 * (a hole moves them) and judged against the sensor's measured noise
 * (and one step of a whole-degree sensor):
 *
 *	steady		D1 and D2 alike: a straight line
 *	settling	D2 significantly below D1: a first-order response
 *			v(t) = A - (A - v) exp(-t / tau) (a load step, a room
 *			or a heatsink finding its new balance), with
 *			r = D2 / D1 = exp(-h / tau) over the thirds' spacing h
 *			and the asymptote A = M3 + D2 r / (1 - r)
 *	onset		D2 significantly above D1: the rise began within the
 *			span
 *
 * Spans are tried from the whole trend window (or the data there is,
 * after a start or a gap: no wait for a full window) down by two thirds
 * at a time, and the longest span that does not contain the onset is
 * read: a load step that began a minute ago is judged on that minute, not
 * on the flat window before it. Its rate is the course's rate now, not
 * an average that lags behind a settling curve.
 *
 * The eta is the time the predicted course takes to reach trip: the line,
 * or the first-order course (infinite when A is below trip). Whether an
 * eta is believed is the caller's rule (sensor.c: the horizon).
 */
#include <math.h>

#include "eng_int.h"

#define SPAN_STEP (2.0 / 3.0)

enum cls3 { C3_FLAT, C3_STEADY, C3_SETTLING, C3_ONSET, C3_FALLING };

struct judged {
	struct thirds th;
	double h;      /* the mean spacing of the thirds' mean times, s */
	double d1, d2; /* rises between the thirds, per spacing h */
	bool r1, r2;   /* the first, the last third rose significantly */
	double sdd;    /* one standard error of D1 - D2 */
	enum cls3 c;
};

static double
mean_se(const struct pred_in *in, double n)
{
	return in->noise * sqrt(in->filter_window / n);
}

static void
judge(const struct pred_in *in, struct judged *j)
{
	const struct thirds *th = &j->th;
	double se1 = mean_se(in, th->n[0]), se2 = mean_se(in, th->n[1]);
	double qc = QUANT_C * quant_scale(in->resolution, in->noise);
	double se3 = mean_se(in, th->n[2]), q2 = 2.0 * qc * qc;
	double h1 = th->t[1] - th->t[0], h2 = th->t[2] - th->t[1];
	double a, b, sd1, sd2, sdd;
	bool r1, r2, grew;

	/* Each rise at the thirds' real spacing: the mean of a line over
	 * any samples is the line at their mean time, so D1 = D2 holds
	 * for a straight line whatever holes the readings have (a hung
	 * reader, a restart). The rises are the slopes between the
	 * thirds' mean times, expressed over their mean spacing h. */
	j->h = (h1 + h2) / 2.0;
	a = j->h / h1;
	b = j->h / h2;
	j->d1 = (th->m[1] - th->m[0]) * a;
	j->d2 = (th->m[2] - th->m[1]) * b;
	sd1 = in->sigma * a * sqrt(se1 * se1 + se2 * se2 + q2 / 2.0);
	sd2 = in->sigma * b * sqrt(se2 * se2 + se3 * se3 + q2 / 2.0);
	sdd = in->sigma *
	    sqrt(a * a * se1 * se1 + (a + b) * (a + b) * se2 * se2 +
		b * b * se3 * se3 + (a * a + b * b) * q2 / 2.0);
	j->sdd = sdd / (in->sigma > 0.0 ? in->sigma : 1.0);
	r1 = j->d1 > sd1;
	r2 = j->d2 > sd2 && j->d2 > in->min_slope * j->h;
	j->r1 = r1;
	j->r2 = r2;
	/* An onset's rate is D2 over the spacing alone, so D2 must be more
	 * than one step of a stepped sensor can make by itself: a value
	 * creeping across one whole degree moves a third's mean by up to
	 * the whole step whenever it crosses, and a single step seen at
	 * age a would read as a rise of one step per a seconds, however
	 * slow the creep. */
	grew = r2 &&
	    j->d2 > step_of(in->resolution, in->noise) +
		    in->sigma * b * sqrt(se2 * se2 + se3 * se3);
	/* A value now clearly below the last third's mean: it rose and
	 * fell back within the last third, whatever the means say. */
	if (in->value < th->m[2] - in->sigma * (in->noise + qc)) {
		j->r2 = false;
		j->c = C3_FALLING;
		return;
	}
	if (j->d2 - j->d1 > sdd && grew)
		j->c = C3_ONSET;
	else if (r1 && j->d1 - j->d2 > sdd && j->d2 < DECEL_RATIO * j->d1)
		j->c = C3_SETTLING;
	else if ((r1 || r2) && j->d1 >= j->d2 / 2.0 && j->d2 >= j->d1 / 2.0)
		j->c = C3_STEADY; /* alike, within the noise */
	else if (grew)
		j->c = C3_ONSET; /* flat, then a rise in the last third */
	else if (j->d2 < -sd2 || j->d1 < -sd1)
		j->c = C3_FALLING;
	else
		j->c = C3_FLAT;
}

/*
 * ln x, by logl() and not log(): glibc's log() is fast by its tables, and
 * its first call maps them and the code around them, 120 kB more of the
 * daemon's resident set (#17); on x86-64 logl() is a few x87 instructions
 * and no table. Rounded to a double it is log() within one unit in the
 * last place, far finer than any time to trip needs.
 */
static double
ln(double x)
{
	return (double)logl((long double)x);
}

/* The first-order course through the thirds. */
static void
fit_settling(const struct judged *j, const struct pred_in *in, struct pred *p)
{
	const struct thirds *th = &j->th;
	double r = j->d2 / j->d1, h = j->h, tau, a, rem;

	if (r < 1e-3) {
		/* stopped: the last third is where it settled */
		a = th->m[2];
		tau = h / log(1e3);
	} else {
		tau = h / ln(1.0 / r);
		a = th->m[2] + j->d2 * r / (1.0 - r);
	}
	p->shape = SHAPE_SETTLING;
	p->asym = a;
	p->tau = tau;
	rem = a - in->value;
	p->slope_now = rem > 0.0 ? rem / tau : 0.0;
	if (in->value >= in->trip)
		p->eta = 0.0;
	else if (a <= in->trip)
		p->eta = INFINITY;
	else
		p->eta = tau * ln(rem / (a - in->trip));
}

/*
 * The rate now of a line read over a span whose thirds read flat (neither
 * alike nor settling nor an onset): the line's slope is the span's mean
 * rate, the rate now only while the thirds do not show it slowing. Where
 * they resolve a rise (the first or the last third rose significantly)
 * whose last third rose less than the first by more than their noise (the
 * last rose less than half as much, within the noise of a settling
 * course), the rate now is at most the last third's, carried forward by
 * the slowing, as a bending steady rise is read (read_span): a settling
 * load step is not extrapolated at the rate it has left behind, and a
 * course that bends more is never read faster than one that bends less.
 */
static double
line_rate(const struct judged *w, double slope)
{
	double now;

	if (!(w->r1 || w->r2) || !(w->d1 - w->d2 > w->sdd))
		return slope;
	now = w->d2 > 0.0 ? w->d2 / w->h * (w->d2 / w->d1) : 0.0;
	return now < slope ? now : slope;
}

/*
 * Read the shape over the last span seconds (limited: the span is the
 * rise's age, shorter than the data). The longest span whose thirds do
 * not contain an onset is read.
 */
static enum cls3
read_span(const struct trend *tr, const struct pred_in *in,
    const struct lsq_fit *f, bool line, double span, bool limited,
    struct pred *p)
{
	double headroom = in->trip - in->value, t, rate = 0.0;
	struct judged j, young = { 0 }; /* read only after an onset set it */
	enum cls3 first_c = C3_FLAT;
	bool first = true, found = false, onset = false;

	/* Longest first. An onset or nothing to see at a span: look at the
	 * shorter ones (a young rise is diluted in a long flat window). */
	for (t = span; trend_thirds(tr, t, &j.th); t *= SPAN_STEP) {
		judge(in, &j);
		if (first) {
			first_c = j.c;
			rate = line_rate(&j, f->slope);
		}
		first = false;
		if (j.c == C3_ONSET) {
			young = j;
			onset = true;
		} else if (j.c != C3_FLAT) {
			found = true;
			break;
		}
	}
	p->whole = found && t == span;
	if (!found && onset) {
		/* Onset at every span down to the last few points: a rise
		 * this young is measured, and its age counts from now. */
		p->rising = true;
		p->shape = SHAPE_ONSET;
		p->slope = line ? f->slope : 0.0;
		p->slope_now = young.d2 / young.h;
		p->since_ms = tr->last_ms;
		if (headroom > 0.0)
			p->eta = headroom / p->slope_now;
		return C3_ONSET;
	}
	if (!found) {
		/* A rise too gentle for the thirds to resolve can still be a
		 * significant line over the whole window, at the rate the
		 * whole window's thirds allow (line_rate). */
		if (first || first_c != C3_FLAT || !line || limited ||
		    !(rate > in->min_slope))
			return C3_FLAT;
		p->rising = true;
		p->whole = true;
		p->shape = SHAPE_STEADY;
		p->slope = f->slope;
		p->slope_now = rate;
		/* its age counts from now */
		p->since_ms = tr->last_ms;
		if (headroom > 0.0)
			p->eta = headroom / p->slope_now;
		return C3_FLAT;
	}
	switch (j.c) {
	case C3_SETTLING:
		/* still rising while the last third does; a curve that has
		 * come to rest has no age to keep */
		p->rising = j.r2;
		p->slope = line && j.r2 ? f->slope : 0.0;
		fit_settling(&j, in, p);
		break;
	case C3_STEADY:
		p->rising = true;
		p->shape = SHAPE_STEADY;
		/* The last thirds' rate, carried forward by the slowing
		 * between the thirds when the data show one (a straight line
		 * loses nothing; a curve that bends, even too little to call
		 * it settling, is not extrapolated at a rate it has left
		 * behind). */
		p->slope_now = j.d2 / j.h;
		if (j.d1 - j.d2 > j.sdd)
			p->slope_now *= j.d2 / j.d1;
		p->slope = line ? f->slope : p->slope_now;
		break;
	default:
		return j.c;
	}
	/* Its age counts from when it is first seen, not back-dated into
	 * the span: a curve can look alike in thirds that straddle its
	 * onset. */
	p->since_ms = tr->last_ms;
	if (p->shape == SHAPE_STEADY && headroom > 0.0 && p->slope_now > 0.0)
		p->eta = headroom / p->slope_now;
	return j.c;
}

static void
predict_none(struct pred *p, double headroom)
{
	p->rising = false;
	p->slope = 0.0;
	p->slope_now = 0.0;
	p->shape = SHAPE_NONE;
	p->asym = NAN;
	p->tau = NAN;
	p->since_ms = NO_TIME;
	p->eta = headroom <= 0.0 ? 0.0 : INFINITY;
}

void
predict(const struct trend *tr, const struct pred_in *in, struct pred *p)
{
	struct lsq_fit f;
	double span = trend_span(tr), headroom = in->trip - in->value;
	double qs = quant_scale(in->resolution, in->noise);
	bool line;

	predict_none(p, headroom);
	if (trend_n(tr) < TREND_MIN_N || span <= 0.0)
		return;
	f = lsq_solve(&tr->full, trend_n(tr));
	/* A whole-degree sensor flickering between two values can line up
	 * into what looks like a slope: the fitted rise over the span must
	 * be at least one step. */
	line = f.ok && f.slope > in->min_slope &&
	    f.slope * span >= QUANT_RISE_C * qs &&
	    f.slope >
		in->sigma * lsq_se(&tr->full, &f) * sqrt(in->filter_window);
	/* Outside a rise, a value that is not clearly above the window's
	 * mean has no rise at any span to show: most sensors, most of the
	 * time, stop here. */
	if (!line && !(in->max_span < INFINITY) &&
	    in->value - f.vmean <= in->sigma * (in->noise + QUANT_C * qs))
		return;
	if (span > in->max_span) {
		/* Read a rise after its onset: until there are enough points
		 * for three thirds of two, it is rising at a rate not yet
		 * known (a step and a fast ramp look alike on a few points
		 * that straddle the onset). */
		if (in->max_span < trend_span_last(tr, 7)) {
			p->rising = true;
			p->shape = SHAPE_ONSET;
			p->slope = line ? f.slope : 0.0;
			p->since_ms = tr->last_ms;
			return;
		}
		if (read_span(tr, in, &f, line, in->max_span, true, p) !=
			C3_FLAT ||
		    p->rising)
			return;
		/* Flat since the onset: either it stopped, or it is a rise
		 * too gentle to show on so few points. Only the latter is
		 * read from the older data (the onset inside them would bend
		 * any curve fitted through it). */
		read_span(tr, in, &f, line, span, false, p);
		if (p->shape != SHAPE_STEADY || !p->whole)
			predict_none(p, headroom);
		return;
	}
	read_span(tr, in, &f, line, span, false, p);
}
