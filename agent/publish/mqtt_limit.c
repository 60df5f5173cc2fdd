/*
 * mqtt_limit.c - rejected requests, rate-limited and coalesced, so that a
 * flood of bad requests costs a counter each, not an event each.
 *
 * Rejections are counted per source (the channel they came by, "mqtt
 * zone", "control"..., and the author they name, or "(unreadable)") in
 * windows of MQL_WINDOW_MS: the first MQL_BURST of a window are logged
 * and published as "override_rejected" events; the rest are counted, and
 * when the window ends one "rejections" event says how many there were
 * ("1000 rejected requests via mqtt zone naming author x in 10 s").
 * MQL_SOURCES sources are told apart; more share one "(others)" entry.
 *
 * The broker does not tell a subscriber who published a message: the
 * author is what the request claims (a signed request's is checked).
 */
#include "mqtt_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char *
str_or(const cJSON *o, const char *key, const char *dflt)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(s) && s->valuestring[0] != '\0' ? s->valuestring
							      : dflt;
}

static struct mq_src *
source(struct mq *mq, const char *via, const char *who, int64_t now_ms)
{
	struct mq_src *s, *free_slot = NULL;
	int i;

	for (i = 0; i < MQL_SOURCES; i++) {
		s = &mq->lim[i];
		if (!s->used) {
			if (free_slot == NULL)
				free_slot = s;
			continue;
		}
		if (strcmp(s->via, via) == 0 && strcmp(s->who, who) == 0)
			return s;
	}
	s = free_slot != NULL ? free_slot : &mq->lim[MQL_SOURCES];
	if (!s->used) {
		memset(s, 0, sizeof(*s));
		s->used = true;
		snprintf(s->via, sizeof(s->via), "%s", via);
		snprintf(s->who, sizeof(s->who), "%s",
		    free_slot != NULL ? who : "(others)");
		s->start_ms = now_ms;
		s->start_wall = mq_wall_ms();
	}
	return s;
}

/* The window of s is over: say what it held beyond its burst. */
static void
summarize(struct mq *mq, struct mq_src *s, int64_t now_ms)
{
	double win = (double)(now_ms - s->start_ms) / 1000.0;
	char text[ENG_REASON_LEN + 192];
	cJSON *f;

	if (s->suppressed > 0) {
		snprintf(text, sizeof(text),
		    "%" PRIu64 " rejected requests via %s naming author %s "
		    "in %.0f s; the first %d were reported one by one; "
		    "the last: %s",
		    s->n, s->via, s->who, win, MQL_BURST, s->last);
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "via", s->via);
		cJSON_AddStringToObject(f, "author", s->who);
		cJSON_AddNumberToObject(f, "count", (double)s->n);
		cJSON_AddNumberToObject(f, "coalesced", (double)s->suppressed);
		cJSON_AddNumberToObject(f, "window_s", win);
		cJSON_AddNumberToObject(f, "since", (double)s->start_wall);
		cJSON_AddStringToObject(f, "last_message", s->last);
		cJSON_AddStringToObject(f, "message", text);
		log_warnx("mqtt: %s", text);
		if (mq_queue_event(mq, "rejections", f, true) == 0)
			return; /* the noise budget is spent: try later */
	}
	s->used = false;
}

bool
mq_limit_admit(struct mq *mq, const cJSON *fields, int64_t now_ms)
{
	const char *via = str_or(fields, "via", "unknown");
	const char *who = str_or(fields, "author", "(unreadable)");
	struct mq_src *s;

	if (mq->lim == NULL &&
	    (mq->lim = calloc(MQL_SOURCES + 1, sizeof(*mq->lim))) == NULL) {
		mq->st.rejections++;
		return true; /* out of memory: each one in full */
	}
	s = source(mq, via, who, now_ms);
	if (now_ms - s->start_ms >= MQL_WINDOW_MS) {
		summarize(mq, s, now_ms);
		s = source(mq, via, who, now_ms);
	}
	s->n++;
	s->last_ms = now_ms;
	mq->st.rejections++;
	if (s->n <= MQL_BURST)
		return true;
	s->suppressed++;
	mq->st.rejections_coalesced++;
	snprintf(s->last, sizeof(s->last), "%s",
	    str_or(fields, "message", "(no reason)"));
	return false;
}

void
mq_limit_tick(struct mq *mq, int64_t now_ms)
{
	int i;

	for (i = 0; mq->lim != NULL && i <= MQL_SOURCES; i++)
		if (mq->lim[i].used &&
		    now_ms - mq->lim[i].start_ms >= MQL_WINDOW_MS)
			summarize(mq, &mq->lim[i], now_ms);
}
