/*
 * top_draw.c - thermwatchctl top's screen (ncurses). See top_draw.h.
 *
 * Every line is written whole, padded to the width, in one attribute, so
 * a row's colour is its host's state across the screen, and the screen
 * reads the same without colours (the state is always spelled out).
 */
#include "top_draw.h"

#include <curses.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "jsonutil.h"

#define MIN_COLS  30
#define MIN_LINES 6
#define LINE_MAX_ 1024
#define MAX_ZONES 64

enum { P_OK = 1, P_WARN, P_HOT, P_CRIT, P_DEGRADED, P_HOLD };

enum col {
	C_HOST,
	C_ZONE,
	C_TIER,
	C_STATE,
	C_ETA,
	C_INLET,
	C_CPU,
	C_LOAD,
	C_SEEN,
	C_REASON,
	C_COUNT
};

struct col_spec {
	const char *title;
	int width;  /* 0: from the data */
	int drop;   /* left out first when the width is short: lowest */
	bool right; /* aligned right */
};

static const struct col_spec cols[C_COUNT] = {
	[C_HOST] = { "HOST", 0, 99, false },
	[C_ZONE] = { "ZONE", 0, 4, false },
	[C_TIER] = { "T", 1, 3, true },
	[C_STATE] = { "STATE", 8, 99, false },
	[C_ETA] = { "ETA", 6, 6, true },
	[C_INLET] = { "INLET", 5, 5, true },
	[C_CPU] = { "CPU", 5, 2, true },
	[C_LOAD] = { "LOAD", 4, 1, false },
	[C_SEEN] = { "SEEN", 4, 0, true },
	[C_REASON] = { "REASON", 0, 98, false },
};

static bool colours;
static int page;

void
top_draw_init(void)
{
	if (!has_colors() || start_color() == ERR)
		return;
	if (use_default_colors() == ERR)
		assume_default_colors(COLOR_WHITE, COLOR_BLACK);
	init_pair(P_OK, COLOR_GREEN, -1);
	init_pair(P_WARN, COLOR_YELLOW, -1);
	init_pair(P_HOT, COLOR_MAGENTA, -1);
	init_pair(P_CRIT, COLOR_WHITE, COLOR_RED);
	init_pair(P_DEGRADED, COLOR_CYAN, -1);
	init_pair(P_HOLD, COLOR_BLUE, -1);
	colours = true;
}

int
top_draw_page(void)
{
	return page;
}

/* The attribute of a state (top_severity). */
static attr_t
state_attr(int severity)
{
	static const short pair[8] = { 0, P_OK, P_DEGRADED, P_WARN, P_HOLD, 0,
		P_HOT, P_CRIT };
	attr_t a = severity >= 6 ? A_BOLD : A_NORMAL;

	if (severity == 5)
		return A_DIM; /* offline: greyed */
	if (!colours)
		return severity == 7 ? a | A_REVERSE : a;
	return a |
	    (severity >= 0 && severity < 8 ? COLOR_PAIR(pair[severity]) : 0);
}

/* Line y: text padded to the width, in attribute a. */
static void
put_line(int y, attr_t a, const char *text)
{
	char buf[LINE_MAX_];
	int w = COLS < LINE_MAX_ - 1 ? COLS : LINE_MAX_ - 1;

	snprintf(buf, sizeof(buf), "%-*.*s", w, w, text);
	attrset(a);
	mvaddnstr(y, 0, buf, w);
	attrset(A_NORMAL);
}

/* Longer than this, a time to trip is no figure to act on. */
#define TOP_ETA_MAX_S (100L * 86400)

void
top_fmt_eta(double s, char *buf, int len)
{
	long t;

	if (isnan(s)) {
		snprintf(buf, (size_t)len, "?");
		return;
	}
	if (!isfinite(s) || s < 0) {
		snprintf(buf, (size_t)len, "-");
		return;
	}
	if (s >= TOP_ETA_MAX_S) { /* lround() of a larger one may not fit */
		snprintf(buf, (size_t)len, ">99d");
		return;
	}
	t = lround(s);
	if (t < 0 || t >= TOP_ETA_MAX_S) /* not reached; tells the compiler */
		t = TOP_ETA_MAX_S - 1;
	if (t < 60)
		snprintf(buf, (size_t)len, "%lds", t);
	else if (t < 3600)
		snprintf(buf, (size_t)len, "%ldm%02lds", t / 60, t % 60);
	else if (t < 86400)
		snprintf(
		    buf, (size_t)len, "%ldh%02ldm", t / 3600, t % 3600 / 60);
	else
		snprintf(buf, (size_t)len, "%ldd%02ldh", t / 86400,
		    t % 86400 / 3600);
}

static void
fmt_age(int64_t ms, char *buf, int len)
{
	long s = ms < 0 ? 0 : (long)(ms / 1000);

	if (s < 60)
		snprintf(buf, (size_t)len, "%lds", s);
	else if (s < 3600)
		snprintf(buf, (size_t)len, "%ldm", s / 60);
	else if (s < 86400)
		snprintf(buf, (size_t)len, "%ldh", s / 3600);
	else
		snprintf(buf, (size_t)len, "%ldd", s / 86400);
}

static void
fmt_temp(double v, char *buf, int len)
{
	if (isnan(v))
		snprintf(buf, (size_t)len, "-");
	else
		snprintf(buf, (size_t)len, "%.1f", v);
}

/* Which columns show, and how wide: width[c] 0 when left out. */
static void
layout(const struct top_model *m, int width[C_COUNT])
{
	int c, i, used, host_w = 4, zone_w = 4, n, drop;

	for (i = 0; i < m->n; i++) {
		n = (int)strlen(m->h[i].host);
		host_w = n > host_w ? n : host_w;
		n = (int)strlen(m->h[i].zone);
		zone_w = n > zone_w ? n : zone_w;
	}
	for (c = 0; c < C_COUNT; c++)
		width[c] = cols[c].width;
	width[C_HOST] = host_w > 20 ? 20 : host_w;
	width[C_ZONE] = zone_w > 12 ? 12 : zone_w;
	width[C_REASON] = 0;
	for (;;) {
		used = -1;
		for (c = 0; c < C_COUNT; c++)
			used += width[c] > 0 ? width[c] + 1 : 0;
		if (used <= COLS)
			break;
		/* leave out the least useful column that is still shown */
		drop = -1;
		for (c = 0; c < C_COUNT; c++)
			if (width[c] > 0 && cols[c].drop < 98 &&
			    (drop < 0 || cols[c].drop < cols[drop].drop))
				drop = c;
		if (drop < 0) {
			/* only HOST and STATE: shorten the host */
			width[C_HOST] -= used - COLS;
			break;
		}
		width[drop] = 0;
	}
	if (COLS - used - 1 >= 8)
		width[C_REASON] = COLS - used - 1;
}

/* The cells of one row (or the header when h is NULL) into line. */
static void
format_row(const struct top_host *h, const int width[C_COUNT], int64_t now_ms,
    char *line, size_t len)
{
	char cell[C_COUNT][TOP_REASON_LEN + 64];
	size_t off = 0;
	int c;

	for (c = 0; c < C_COUNT; c++)
		snprintf(cell[c], sizeof(cell[c]), "%s",
		    h == NULL ? cols[c].title : "");
	if (h != NULL) {
		snprintf(cell[C_HOST], sizeof(cell[C_HOST]), "%s", h->host);
		snprintf(cell[C_ZONE], sizeof(cell[C_ZONE]), "%s", h->zone);
		if (h->tier >= 0)
			snprintf(
			    cell[C_TIER], sizeof(cell[C_TIER]), "%d", h->tier);
		snprintf(cell[C_STATE], sizeof(cell[C_STATE]), "%s",
		    top_state_word(h));
		top_fmt_eta(h->offline ? NAN : h->eta_s, cell[C_ETA],
		    (int)sizeof(cell[C_ETA]));
		fmt_temp(h->inlet_c, cell[C_INLET], (int)sizeof(cell[C_INLET]));
		fmt_temp(h->cpu_c, cell[C_CPU], (int)sizeof(cell[C_CPU]));
		snprintf(cell[C_LOAD], sizeof(cell[C_LOAD]), "%s",
		    h->state[0] == '\0'     ? "-"
			: h->accepting_load ? "yes"
					    : "no");
		fmt_age(now_ms - h->seen_ms, cell[C_SEEN],
		    (int)sizeof(cell[C_SEEN]));
		if (h->offline)
			snprintf(cell[C_REASON], sizeof(cell[C_REASON]),
			    "agent gone (%s), was %s",
			    h->offline_why[0] != '\0' ? h->offline_why
						      : "last will",
			    h->state[0] != '\0' ? h->state : "?");
		else if (h->engine[0] != '\0')
			snprintf(cell[C_REASON], sizeof(cell[C_REASON]),
			    "engine %s; %s", h->engine, h->reason);
		else
			snprintf(cell[C_REASON], sizeof(cell[C_REASON]), "%s",
			    h->reason);
	}
	line[0] = '\0';
	for (c = 0; c < C_COUNT && off < len; c++) {
		if (width[c] <= 0)
			continue;
		off += (size_t)snprintf(line + off, len - off,
		    cols[c].right ? "%s%*.*s" : "%s%-*.*s", off > 0 ? " " : "",
		    width[c], width[c], cell[c]);
	}
}

static void
draw_title(const struct top_model *m, const struct top_view *v)
{
	char line[LINE_MAX_], clock[16];
	time_t t = (time_t)(v->now_ms / 1000);
	struct tm tm;
	int n;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(clock, sizeof(clock), "%H:%M:%S", &tm) == 0)
		clock[0] = '\0';
	n = snprintf(line, sizeof(line),
	    " thermwatch top  %s  %d host%s  sort %s%s",
	    v->problem[0] != '\0' ? v->problem : v->source, m->n,
	    m->n == 1 ? "" : "s", top_sort_name(m->sort),
	    m->reverse ? " (reversed)" : "");
	if (n > 0 && n < COLS - (int)strlen(clock) - 1)
		snprintf(line + n, sizeof(line) - (size_t)n, "%*s ",
		    COLS - n - 1, clock);
	put_line(0, A_REVERSE | (v->problem[0] != '\0' ? A_BOLD : 0), line);
}

/* The zones in a cooling alarm, on top; returns the next free line. */
static int
draw_zones(const struct top_model *m, int y)
{
	struct top_zone z[MAX_ZONES];
	int n = top_model_zones(m, z, MAX_ZONES), i, alarmed = 0, shown;
	int most = LINES >= 20 ? 3 : 1;
	char line[LINE_MAX_], eta[16], inlet[16];

	for (i = 0; i < n && i < MAX_ZONES; i++)
		alarmed += z[i].alarm > 0;
	if (alarmed == 0) {
		snprintf(line, sizeof(line),
		    " no zone in a cooling alarm (%d zone%s)", n,
		    n == 1 ? "" : "s");
		put_line(y, A_NORMAL, line);
		return y + 1;
	}
	shown = alarmed > most ? most - 1 : alarmed;
	for (i = 0; i < shown; i++) {
		top_fmt_eta(z[i].worst_eta_s, eta, sizeof(eta));
		fmt_temp(z[i].inlet_max_c, inlet, sizeof(inlet));
		snprintf(line, sizeof(line),
		    " COOLING ALARM  zone %.63s: %d of %d hosts, worst eta "
		    "%s, inlet max %s C, site %.63s",
		    z[i].zone, z[i].alarm, z[i].hosts, eta, inlet, z[i].site);
		put_line(y++, state_attr(7), line);
	}
	if (shown < alarmed) {
		snprintf(line, sizeof(line),
		    " COOLING ALARM  and %d more zones", alarmed - shown);
		put_line(y++, state_attr(7), line);
	}
	return y;
}

/* How many hosts per state, each in its colour. */
static void
draw_counts(const struct top_model *m, int y)
{
	static const char *const words[8] = { "unknown", "ok", "degraded",
		"warn", "hold", "offline", "hot", "critical" };
	int count[8] = { 0 }, i, x = 1;
	char part[64];

	for (i = 0; i < m->n; i++)
		count[top_severity(&m->h[i])]++;
	put_line(y, A_NORMAL, "");
	for (i = 7; i >= 0 && x < COLS; i--) {
		if (count[i] == 0)
			continue;
		snprintf(part, sizeof(part), "%d %s", count[i], words[i]);
		attrset(state_attr(i));
		mvaddnstr(y, x, part, COLS - x);
		attrset(A_NORMAL);
		x += (int)strlen(part) + 2;
	}
}

/* The local host's sensors under its row, from line y to bottom. */
static void
draw_sensors(const cJSON *sensors, int y, int bottom)
{
	static const char *const levels[] = { "-", "warn", "migrate",
		"shutdown" };
	/* a sensor at a level is coloured as the state it leads to */
	static const int level_severity[] = { 1, 3, 6, 7 };
	const cJSON *s;
	char line[LINE_MAX_], val[16], used[16], eta[16];
	int w = COLS - 47 > 8 ? COLS - 47 : 8;
	double lv;

	if (y >= bottom || !cJSON_IsArray(sensors))
		return;
	snprintf(line, sizeof(line), "%-*s %-7s %6s %7s %-8s %6s %-7s", w,
	    "SENSOR", "CLASS", "VALUE", "USED", "LEVEL", "ETA", "STATUS");
	put_line(y++, A_BOLD, line);
	cJSON_ArrayForEach(s, sensors)
	{
		if (y >= bottom)
			break;
		fmt_temp(json_num(s, "value_c"), val, sizeof(val));
		fmt_temp(json_num(s, "used_c"), used, sizeof(used));
		if (json_true(s, "assumed"))
			strncat(used, "*", sizeof(used) - strlen(used) - 1);
		top_fmt_eta(json_num(s, "eta_s"), eta, sizeof(eta));
		lv = json_num(s, "level");
		snprintf(line, sizeof(line),
		    "%-*.*s %-7s %6s %7s %-8s %6s %-7s", w, w,
		    json_str(s, "id", "?"), json_str(s, "class", "?"), val,
		    used, lv >= 0 && lv <= 3 ? levels[(int)lv] : "-", eta,
		    json_str(s, "status", "?"));
		put_line(y++,
		    lv >= 1 && lv <= 3 ? state_attr(level_severity[(int)lv])
				       : A_NORMAL,
		    line);
	}
}

static void
draw_footer(const struct top_model *m, const struct top_view *v)
{
	char line[LINE_MAX_], where[48];
	int n;

	snprintf(where, sizeof(where), "%d-%d/%d", m->n > 0 ? v->scroll + 1 : 0,
	    v->scroll + page < m->n ? v->scroll + page : m->n, m->n);
	n = snprintf(line, sizeof(line), "%s",
	    COLS >= 80 ? " q quit  sort: e eta s state h host z zone t tier "
			 "i inlet c cpu  r rev"
		       : " q quit  e s h z t i c: sort  r rev");
	if (n > 0 && n + (int)strlen(where) + 2 <= COLS)
		snprintf(line + n, sizeof(line) - (size_t)n, "%*s ",
		    COLS - n - 1, where);
	put_line(LINES - 1, A_REVERSE, line);
}

void
top_draw(const struct top_model *m, struct top_view *v)
{
	char line[LINE_MAX_];
	int width[C_COUNT], y, i, bottom = LINES - 1, rows;

	erase();
	if (COLS < MIN_COLS || LINES < MIN_LINES) {
		/* short lines: some of it shows even in a sliver */
		snprintf(line, sizeof(line), "(%dx%d at least)", MIN_COLS,
		    MIN_LINES);
		mvaddnstr(0, 0, "too small", COLS);
		mvaddnstr(1, 0, line, COLS);
		mvaddnstr(2, 0, "q quits", COLS);
		page = 0;
		refresh();
		return;
	}
	draw_title(m, v);
	y = draw_zones(m, 1);
	draw_counts(m, y++);
	layout(m, width);
	format_row(NULL, width, v->now_ms, line, sizeof(line));
	put_line(y++, A_BOLD, line);
	rows = bottom - y;
	if (v->sensors != NULL && rows > m->n)
		rows = m->n; /* the rest is for the sensors */
	page = rows > 0 ? rows : 0;
	if (v->scroll > m->n - page)
		v->scroll = m->n - page;
	if (v->scroll < 0)
		v->scroll = 0;
	for (i = 0; i < page && v->scroll + i < m->n; i++) {
		const struct top_host *h = &m->h[v->scroll + i];

		format_row(h, width, v->now_ms, line, sizeof(line));
		put_line(y++, state_attr(top_severity(h)), line);
	}
	if (v->sensors != NULL)
		draw_sensors(v->sensors, y + 1, bottom);
	draw_footer(m, v);
	refresh();
}
