/*
 * top_draw.h - thermwatchctl top on the terminal (ncurses): a title
 * line, the zones in a cooling alarm on top, the count of hosts per
 * state, one row per host coloured by its state, the key line. Columns
 * that do not fit are left out, least useful first, so the table stays
 * readable from 80x24 down to 30 columns.
 */
#ifndef THERMWATCH_TOP_DRAW_H
#define THERMWATCH_TOP_DRAW_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "top_model.h"

struct top_view {
	const char *source;   /* where the data comes from */
	char problem[512];    /* shown in the title when not empty */
	int scroll;           /* first host row shown (clamped by top_draw) */
	const cJSON *sensors; /* one host (the local socket): its sensors */
	int64_t now_ms;       /* wall clock */
};

/* After initscr(): colours when the terminal has them. */
void top_draw_init(void);
/* Draw the whole screen (m sorted already). */
void top_draw(const struct top_model *m, struct top_view *v);
/* How many host rows the last top_draw() showed at most (for paging). */
int top_draw_page(void);

/* "42s", "12m05s", "3h07m", "2d04h"; "-" when not finite. */
void top_fmt_eta(double s, char *buf, int len);

#endif
