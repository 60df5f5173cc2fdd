/*
 * svg.c - one plot of a run, readable at a glance: zone air temperature
 * against the inlet trip, every host's state over time, and cooling
 * capacity against heat load. Plain SVG 1.1 text (not JSON).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "run.h"

#define W     1200
#define X0    150
#define X1    (W - 30)
#define ROW_H 6

static const char *const zone_color[] = { "#d62728", "#1f77b4", "#2ca02c",
	"#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22" };
static const char *const state_color[SIM_H_COUNT] = {
	"#8fd18f", /* ok */
	"#f2d45c", /* warn */
	"#f28e2b", /* hot */
	"#b07cc6", /* degraded */
	"#4e9be6", /* migrating */
	"#e15759", /* shutting down */
	"#c8c8c8", /* off, clean */
	"#000000"  /* tripped */
};
static const char *const state_label[SIM_H_COUNT] = { "ok", "warn", "hot",
	"degraded", "migrating", "shutting down", "off (clean)", "HARD TRIP" };

struct plot {
	FILE *f;
	const struct sim_run *r;
	const struct sim_rec *c; /* the series drawn */
	double t0;               /* the time span drawn */
	double t1;
	const char *what; /* appended to panel titles */
	bool labels;      /* time labels under the host panel */
};

static double
px(const struct plot *p, double t)
{
	return X0 + (X1 - X0) * (t - p->t0) / (p->t1 - p->t0);
}

static void
time_axis(const struct plot *p, int y0, int y1, bool labels)
{
	static const double steps[] = { 60, 300, 600, 900, 1800, 3600, 7200,
		10800, 21600, 43200, 86400, 172800, 604800 };
	const struct sim_scenario *s = p->r->scn;
	double step = steps[0], off, t;
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		step = steps[i];
		if ((p->t1 - p->t0) / step <= 12)
			break;
	}
	off = s->start_wday >= 0 ? s->start_tod_s : 0;
	for (t = ceil((off + p->t0) / step) * step - off; t <= p->t1 + 1e-9;
	     t += step) {
		double x = px(p, t);

		fprintf(p->f,
		    "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' "
		    "stroke='#e6e6e6'/>\n",
		    x, y0, x, y1);
		if (!labels)
			continue;
		scn_clock_label(s, t, buf, sizeof(buf));
		if (s->start_wday >= 0)
			buf[9] = '\0'; /* "Fri 19:00" */
		fprintf(p->f,
		    "<text x='%.1f' y='%d' font-size='11' "
		    "text-anchor='middle' fill='#444'>%s</text>\n",
		    x, y1 + 14, buf);
	}
}

/* Text content: the five characters XML reserves, escaped. */
static void
xml_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

/* The scenario's events, as the run applied them (repeats included);
 * only the first few dozen in the span get a label. */
static void
event_marks(const struct plot *p, int y0, int y1)
{
	int i, n = 0;

	for (i = 0; i < p->r->n_log; i++) {
		const struct sim_log *l = &p->r->log[i];
		double t = l->t_ms / 1000.0, x;

		if (l->kind != SIM_L_EVENT || t > p->t1 || t < p->t0)
			continue;
		x = px(p, t);
		fprintf(p->f,
		    "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' "
		    "stroke='#555' stroke-dasharray='4,3'/>\n",
		    x, y0, x, y1);
		if (n >= 40)
			continue;
		/* labels right of the line, or left of it near the edge */
		fprintf(p->f,
		    "<text x='%.1f' y='%d' font-size='10' "
		    "fill='#333' text-anchor='%s'>",
		    x > X1 - 250 ? x - 3 : x + 3, y0 + 10 + 11 * (n % 3),
		    x > X1 - 250 ? "end" : "start");
		xml_text(p->f, l->text);
		fputs("</text>\n", p->f);
		n++;
	}
}

static void
polyline(const struct plot *p, const double *v, int stride, int col, double lo,
    double hi, int y0, int y1, const char *color, const char *dash,
    double width)
{
	const struct sim_rec *c = p->c;
	int k;

	fprintf(p->f,
	    "<polyline fill='none' stroke='%s' stroke-width='%.1f'"
	    "%s%s%s points='",
	    color, width, dash ? " stroke-dasharray='" : "", dash ? dash : "",
	    dash ? "'" : "");
	for (k = 0; k < c->n; k++) {
		double y = y1 -
		    (y1 - y0) * (v[k * stride + col] - lo) / (hi - lo);

		fprintf(p->f, "%.1f,%.1f ", px(p, c->t_s[k]), y);
	}
	fprintf(p->f, "'/>\n");
}

static void
y_axis(const struct plot *p, double lo, double hi, double step, int y0, int y1,
    const char *unit)
{
	double v;

	for (v = lo; v <= hi + 1e-9; v += step) {
		double y = y1 - (y1 - y0) * (v - lo) / (hi - lo);

		fprintf(p->f,
		    "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' "
		    "stroke='#eee'/>\n<text x='%d' y='%.1f' font-size='11' "
		    "text-anchor='end' fill='#444'>%g%s</text>\n",
		    X0, y, X1, y, X0 - 6, y + 4, v, unit);
	}
	fprintf(p->f,
	    "<rect x='%d' y='%d' width='%d' height='%d' "
	    "fill='none' stroke='#999'/>\n",
	    X0, y0, X1 - X0, y1 - y0);
}

static void
temp_panel(const struct plot *p, int y0, int y1)
{
	const struct sim_run *r = p->r;
	const struct sim_rec *c = p->c;
	double lo = 1e9, hi = -1e9, trip = 1e9;
	int k, z, g, ly = y0 + 14;

	for (z = 0; z < r->n_zones; z++) {
		for (g = 0; g < r->scn->zones[z].n_groups; g++)
			if (r->scn->zones[z].groups[g].trip_c[SIM_S_INLET] <
			    trip)
				trip = r->scn->zones[z]
					   .groups[g]
					   .trip_c[SIM_S_INLET];
		for (k = 0; k < c->n; k++) {
			double v = c->air_c[k * r->n_zones + z];

			lo = fmin(lo, v);
			hi = fmax(hi, v);
		}
	}
	for (k = 0; k < c->n; k++) {
		lo = fmin(lo, c->building_c[k]);
		hi = fmax(hi, c->building_c[k]);
	}
	hi = fmax(hi, trip);
	lo = 5 * floor((lo - 1) / 5);
	hi = 5 * ceil((hi + 1) / 5);
	fprintf(p->f,
	    "<text x='%d' y='%d' font-size='13' font-weight='bold'>"
	    "Zone air temperature%s</text>\n",
	    10, y0 - 8, p->what);
	y_axis(p, lo, hi, hi - lo > 40 ? 10 : 5, y0, y1, " °C");
	time_axis(p, y0, y1, false);
	{
		double y = y1 - (y1 - y0) * (trip - lo) / (hi - lo);

		fprintf(p->f,
		    "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' "
		    "stroke='#d62728' stroke-width='1.5' "
		    "stroke-dasharray='8,4'/>\n<text x='%d' y='%.1f' "
		    "font-size='11' fill='#d62728' text-anchor='end'>inlet "
		    "hardware trip %g °C</text>\n",
		    X0, y, X1, y, X1 - 4, y - 4, trip);
	}
	polyline(p, c->building_c, 1, 0, lo, hi, y0, y1, "#999", "2,3", 1);
	for (z = 0; z < r->n_zones; z++) {
		polyline(p, c->air_c, r->n_zones, z, lo, hi, y0, y1,
		    zone_color[z % 8], NULL, 2);
		fprintf(p->f,
		    "<text x='%d' y='%d' font-size='12' fill='%s'>"
		    "zone %s</text>\n",
		    12, ly, zone_color[z % 8], r->scn->zones[z].name);
		ly += 15;
	}
	fprintf(p->f,
	    "<text x='12' y='%d' font-size='12' fill='#999'>"
	    "building</text>\n",
	    ly);
	event_marks(p, y0, y1);
}

static void
host_panel(const struct plot *p, int y0)
{
	const struct sim_run *r = p->r;
	const struct sim_rec *c = p->c;
	int i, k, st, y, prev_group = -1, prev_zone = -1;

	fprintf(p->f,
	    "<text x='10' y='%d' font-size='13' font-weight='bold'>"
	    "Host states, one row per host%s</text>\n",
	    y0 - 8, p->what);
	for (i = 0; i < r->n_hosts; i++) {
		const struct sim_host *h = &r->host[i];

		y = y0 + i * ROW_H;
		if (h->group != prev_group || h->zone != prev_zone) {
			fprintf(p->f,
			    "<line x1='%d' y1='%d' x2='%d' y2='%d' "
			    "stroke='#fff' stroke-width='1'/>\n",
			    X0, y, X1, y);
			fprintf(p->f,
			    "<text x='%d' y='%d' font-size='10' "
			    "text-anchor='end' fill='#333'>%s %s* tier %d"
			    "</text>\n",
			    X0 - 6, y + 9, r->scn->zones[h->zone].name,
			    r->scn->zones[h->zone].groups[h->group].prefix,
			    h->tier);
			prev_group = h->group;
			prev_zone = h->zone;
		}
		for (k = 0; k < c->n;) {
			int k2 = k;

			st = c->hstate[(size_t)k * (size_t)r->n_hosts +
			    (size_t)i];
			while (k2 + 1 < c->n &&
			    c->hstate[(size_t)(k2 + 1) * (size_t)r->n_hosts +
				(size_t)i] == st)
				k2++;
			{
				double xa = px(p, c->t_s[k]);
				double xb = k2 + 1 < c->n
				    ? px(p, c->t_s[k2 + 1])
				    : X1;

				fprintf(p->f,
				    "<rect x='%.1f' y='%d' "
				    "width='%.1f' height='%d' fill='%s'/>\n",
				    xa, y, xb - xa, ROW_H - 1, state_color[st]);
			}
			k = k2 + 1;
		}
	}
	y = y0 + r->n_hosts * ROW_H;
	time_axis(p, y0, y, p->labels);
	event_marks(p, y0, y);
	y += p->labels ? 26 : 10;
	for (st = 0; st < SIM_H_COUNT; st++) {
		int x = X0 + st * 125;

		fprintf(p->f,
		    "<rect x='%d' y='%d' width='12' height='10' "
		    "fill='%s' stroke='#666' stroke-width='0.5'/><text x='%d' "
		    "y='%d' font-size='11'>%s</text>\n",
		    x, y, state_color[st], x + 16, y + 9, state_label[st]);
	}
}

static void
cooling_panel(const struct plot *p, int y0, int y1)
{
	const struct sim_run *r = p->r;
	const struct sim_rec *c = p->c;
	double hi = 1;
	int k, z, ly = y0 + 14;

	for (k = 0; k < c->n * r->n_zones; k++)
		hi = fmax(hi, fmax(c->cap_kw[k], c->heat_kw[k]));
	hi = 5 * ceil(hi * 1.1 / 5);
	fprintf(p->f,
	    "<text x='10' y='%d' font-size='13' font-weight='bold'>"
	    "Cooling capacity (solid) and heat load (dashed), kW</text>\n",
	    y0 - 8);
	y_axis(p, 0, hi, hi > 40 ? 10 : 5, y0, y1, "");
	time_axis(p, y0, y1, true);
	for (z = 0; z < r->n_zones; z++) {
		polyline(p, c->cap_kw, r->n_zones, z, 0, hi, y0, y1,
		    zone_color[z % 8], NULL, 2);
		polyline(p, c->heat_kw, r->n_zones, z, 0, hi, y0, y1,
		    zone_color[z % 8], "5,3", 1.5);
		fprintf(p->f,
		    "<text x='12' y='%d' font-size='12' fill='%s'>"
		    "zone %s</text>\n",
		    ly, zone_color[z % 8], r->scn->zones[z].name);
		ly += 15;
	}
	event_marks(p, y0, y1);
}

int
svg_plot(const struct sim_run *r, const char *path, FILE *err)
{
	struct plot p = { .r = r, .c = &r->rec, .t0 = 0, .what = "" };
	const struct sim_result *res = &r->res;
	int hosts_h = r->n_hosts * ROW_H, y, h;
	bool zoom = r->zoom_from_ms >= 0 && r->zoom.n > 1;
	char what[96], a[32], b[32];

	p.t1 = r->end_ms > 0 ? r->end_ms / 1000.0 : 1;
	p.f = fopen(path, "we");
	if (p.f == NULL) {
		fprintf(err, "thermwatch-sim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	h = 70 + 240 + 45 + hosts_h + 30 + 55 + 170 + 40;
	if (zoom)
		h += 60 + 200 + 45 + hosts_h + 50;
	fprintf(p.f,
	    "<?xml version='1.0' encoding='UTF-8'?>\n<svg "
	    "xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
	    "viewBox='0 0 %d %d' font-family='DejaVu Sans, Helvetica, "
	    "Arial, sans-serif'>\n<rect width='100%%' height='100%%' "
	    "fill='white'/>\n",
	    W, h, W, h);
	fprintf(p.f,
	    "<text x='10' y='22' font-size='16' font-weight='bold'>"
	    "thermwatch-sim: %s, policy %s, seed %llu</text>\n",
	    r->scn->name, run_policy_name(r->opt.policy),
	    (unsigned long long)r->opt.seed);
	fprintf(p.f,
	    "<text x='10' y='42' font-size='13'>%d hosts: %d hard "
	    "trips, %d graceful shutdowns, %d VMs migrated (%d to another "
	    "zone), service retained %.1f%%, %d false actions</text>\n",
	    res->hosts, res->hard_trips, res->graceful_shutdowns,
	    res->migrations, res->migrations_cross_zone,
	    res->service_retained_pct, res->false_actions);
	y = 70;
	temp_panel(&p, y, y + 240);
	y += 240 + 45;
	host_panel(&p, y);
	y += hosts_h + 30 + 55;
	cooling_panel(&p, y, y + 170);
	y += 170 + 40;
	if (zoom) {
		p.c = &r->zoom;
		p.t0 = r->zoom.t0_s;
		p.t1 = r->zoom.t1_s;
		p.labels = true;
		scn_clock_label(r->scn, p.t0, a, sizeof(a));
		scn_clock_label(r->scn, p.t1, b, sizeof(b));
		snprintf(what, sizeof(what), ": close-up, %s to %s", a, b);
		p.what = what;
		y += 60;
		fprintf(p.f,
		    "<line x1='0' y1='%d' x2='%d' y2='%d' "
		    "stroke='#999'/>\n",
		    y - 45, W, y - 45);
		temp_panel(&p, y, y + 200);
		y += 200 + 45;
		host_panel(&p, y);
	}
	fprintf(p.f, "</svg>\n");
	if (fclose(p.f) != 0) {
		fprintf(err, "thermwatch-sim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}
