/*
 * boot_guard.c - the thermal shutdown record in state_dir and the boot
 * guard that reads it at the next start. See action.h.
 *
 * The record is one JSON object (written atomically: temp file, fsync,
 * rename, fsync of the directory) in state_dir/thermal-shutdown. While it
 * is there the agent holds; when the hold clears it is renamed to
 * thermal-shutdown.cleared, so the last one stays for the post-mortem.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "action_int.h"
#include "fileio.h"
#include "jsonutil.h"
#include "log.h"

#define RECORD_MAX 8192

static int
record_path(const struct act *act, const char *name, char *buf, size_t len)
{
	int n = snprintf(
	    buf, len, "%s/%s", act->env.conf->agent.state_dir, name);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static void
boot_id(char *buf, size_t len)
{
	fio_read_line("/proc/sys/kernel/random/boot_id", buf, len);
}

int
act_record_write(struct act *act, const struct act_ctx *ctx)
{
	const char *dir = act->env.conf->agent.state_dir;
	char path[PATH_MAX], bid[64], when[32];
	time_t now = time(NULL);
	struct tm tm;
	cJSON *o;
	char *s;
	int rc = -1;

	if (record_path(act, ACT_RECORD_FILE, path, sizeof(path)) < 0) {
		log_warnx("thermal shutdown record: state_dir too long");
		return -1;
	}
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		log_warn("thermal shutdown record: mkdir %s", dir);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	boot_id(bid, sizeof(bid));
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "v", 1);
	cJSON_AddNumberToObject(o, "time", (double)now);
	cJSON_AddStringToObject(o, "time_utc", when);
	cJSON_AddStringToObject(o, "boot_id", bid);
	cJSON_AddStringToObject(o, "host", act->env.conf->agent.host);
	cJSON_AddStringToObject(o, "id", ctx->id);
	cJSON_AddStringToObject(o, "code", ctx->code);
	cJSON_AddStringToObject(o, "reason", ctx->reason);
	cJSON_AddStringToObject(o, "sensor", ctx->sensor);
	json_add_num(o, "value_c", ctx->value_c);
	json_add_num(o, "trip_c", ctx->trip_c);
	json_add_num(o, "eta_s", ctx->eta_s);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL) {
		log_warnx("thermal shutdown record: out of memory");
		return -1;
	}
	if (fio_replace(path, s, 0640) != 0) {
		log_warn("thermal shutdown record: %s", path);
		goto out;
	}
	log_info("thermal shutdown recorded in %s", path);
	rc = 0;
out:
	free(s);
	return rc;
}

/* The record's JSON, or NULL (errno ENOENT when there is none). */
static cJSON *
record_read(const struct act *act, bool *exists)
{
	char path[PATH_MAX], buf[RECORD_MAX];
	size_t n;
	FILE *f;

	*exists = false;
	if (record_path(act, ACT_RECORD_FILE, path, sizeof(path)) < 0)
		return NULL;
	f = fopen(path, "re");
	if (f == NULL) {
		if (errno != ENOENT) {
			log_warn("boot guard: %s", path);
			*exists = true; /* unreadable: hold */
		}
		return NULL;
	}
	*exists = true;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return cJSON_Parse(buf);
}

static const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(m) ? m->valuestring : NULL;
}

static void
enter_hold(struct act *act, const char *why)
{
	const struct actions_conf *c = &act->env.conf->actions;
	struct act_ctx ctx;
	cJSON *f;

	act->hold = true;
	act->cool_since_ms = -1;
	snprintf(act->hold_reason, sizeof(act->hold_reason), "%s", why);
	f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "state", "hold");
	cJSON_AddStringToObject(f, "reason", why);
	cJSON_AddNumberToObject(f, "resume_margin_c", c->resume_margin_c);
	cJSON_AddNumberToObject(f, "resume_hold_s", c->resume_hold_s);
	log_json(LOG_WARNING, "hold", f,
	    "hold: %s; the hold clears once every sensor is %.1f C "
	    "below its warn level for %.0f s, or when an operator clears it",
	    why, c->resume_margin_c, c->resume_hold_s);
	act_event(act, "hold", f);

	act_ctx_fill(act, &ctx, ACT_NOTIFY, NULL);
	snprintf(ctx.state, sizeof(ctx.state), "hold");
	snprintf(ctx.prev_state, sizeof(ctx.prev_state), "start");
	snprintf(ctx.code, sizeof(ctx.code), "hold.boot");
	snprintf(ctx.reason, sizeof(ctx.reason), "%s", why);
	act_notify(act, &ctx);

	ctx.kind = ACT_BOOT_HOLD;
	act_new_id(act, ctx.id, sizeof(ctx.id));
	act->boot_hold.ctx = ctx;
	act_job_run(&act->boot_hold);
}

static void
clear_hold(struct act *act, const char *by, const char *who, const char *why)
{
	char path[PATH_MAX], done[PATH_MAX];
	struct act_ctx ctx;
	cJSON *f;

	if (act_dry_run(act))
		log_info("dry run: would rename %s to %s", ACT_RECORD_FILE,
		    ACT_CLEARED_FILE);
	else if (record_path(act, ACT_RECORD_FILE, path, sizeof(path)) == 0 &&
	    record_path(act, ACT_CLEARED_FILE, done, sizeof(done)) == 0 &&
	    rename(path, done) < 0 && errno != ENOENT)
		log_warn("hold: rename %s", path);
	act->hold = false;
	act->cool_since_ms = -1;
	f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "by", by);
	if (who != NULL)
		cJSON_AddStringToObject(f, "who", who);
	cJSON_AddStringToObject(f, "reason", why);
	cJSON_AddStringToObject(f, "was", act->hold_reason);
	log_json(LOG_INFO, "hold_cleared", f, "hold cleared (%s%s%s): %s", by,
	    who != NULL ? " " : "", who != NULL ? who : "", why);
	act_event(act, "hold_cleared", f);
	act->hold_reason[0] = '\0';

	act_ctx_fill(act, &ctx, ACT_NOTIFY, NULL);
	snprintf(ctx.prev_state, sizeof(ctx.prev_state), "hold");
	snprintf(ctx.code, sizeof(ctx.code), "hold.cleared");
	snprintf(
	    ctx.reason, sizeof(ctx.reason), "hold cleared (%s): %s", by, why);
	act_notify(act, &ctx);
}

void
act_guard_start(struct act *act)
{
	char why[ACT_HOLD_LEN], path[PATH_MAX];
	const char *r, *t;
	bool exists;
	cJSON *rec;

	rec = record_read(act, &exists);
	if (!exists)
		return;
	if (record_path(act, ACT_RECORD_FILE, path, sizeof(path)) < 0)
		path[0] = '\0';
	if (!act->env.conf->actions.boot_guard) {
		log_info("boot guard off: not holding for %s", path);
		cJSON_Delete(rec);
		return;
	}
	r = jstr(rec, "reason");
	t = jstr(rec, "time_utc");
	if (rec == NULL)
		snprintf(why, sizeof(why),
		    "last shutdown was thermal "
		    "(%.200s, unreadable)",
		    path);
	else
		snprintf(why, sizeof(why),
		    "last shutdown was thermal (%s): "
		    "%.200s",
		    t != NULL ? t : "time unknown",
		    r != NULL ? r : "no reason recorded");
	cJSON_Delete(rec);
	enter_hold(act, why);
}

/* Cool: the engine says ok and every live sensor is resume_margin_c
 * below its warn level. why says what is not cool. */
static bool
is_cool(
    const struct act *act, const struct eng_output *o, char *why, size_t len)
{
	const struct agent_conf *c = act->env.conf;
	struct eng_sensor_view v;
	int i, n = eng_sensor_count(act->env.eng), valid = 0;
	double level;

	if (o->state != ENG_STATE_OK) {
		snprintf(why, len, "state %s", eng_state_name(o->state));
		return false;
	}
	for (i = 0; i < n; i++) {
		eng_sensor_view(act->env.eng, i, &v);
		if (v.status == ENG_SENSOR_REMOVED)
			continue;
		if (v.status != ENG_SENSOR_VALID) {
			snprintf(why, len, "%s has no valid reading", v.id);
			return false;
		}
		level = v.trip_c - c->engine.cls[v.cls].warn.margin_c -
		    c->actions.resume_margin_c;
		if (!(v.filtered_c <= level)) {
			snprintf(why, len, "%s at %.1f C, resume level %.1f C",
			    v.id, v.filtered_c, level);
			return false;
		}
		valid++;
	}
	if (valid == 0) {
		snprintf(why, len, "no sensor readings");
		return false;
	}
	snprintf(why, len, "%d sensor%s below the resume level", valid,
	    valid == 1 ? "" : "s");
	return true;
}

void
act_guard_tick(struct act *act, const struct eng_output *o, int64_t now_ms)
{
	const struct actions_conf *c = &act->env.conf->actions;
	char path[PATH_MAX], why[256];

	if (!act->hold)
		return;
	if (record_path(act, ACT_RECORD_FILE, path, sizeof(path)) == 0 &&
	    access(path, F_OK) < 0 && errno == ENOENT) {
		clear_hold(act, "operator", NULL, "the record was removed");
		return;
	}
	if (!is_cool(act, o, why, sizeof(why))) {
		if (act->cool_since_ms >= 0)
			log_info("hold: not cool any more (%s)", why);
		act->cool_since_ms = -1;
		return;
	}
	if (act->cool_since_ms < 0) {
		act->cool_since_ms = now_ms;
		log_info("hold: cool (%s); clearing in %.0f s if it stays so",
		    why, c->resume_hold_s);
	}
	if ((double)(now_ms - act->cool_since_ms) >= c->resume_hold_s * 1000.0)
		clear_hold(act, "cool", NULL, why);
}

const char *
act_hold_reason(const struct act *act)
{
	return act != NULL && act->hold ? act->hold_reason : NULL;
}

int
act_hold_clear(struct act *act, const char *who, const char *reason, char *err,
    size_t errlen)
{
	if (act == NULL || !act->hold) {
		snprintf(err, errlen, "not in hold");
		return -1;
	}
	clear_hold(act, "operator", who,
	    reason != NULL && reason[0] != '\0' ? reason : "cleared by hand");
	return 0;
}
