/*
 * ctl_cmd.c - control socket commands. See ctl_cmd.h and ctl_proto.h.
 *
 * Every request is checked before anything runs: the protocol version,
 * the command, and each member's type, size and range. Members a command
 * does not know are refused, so a typo never goes unnoticed.
 */
#include "ctl_cmd.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "action.h"
#include "agent.h"
#include "ctl_proto.h"
#include "jsonutil.h"
#include "mqtt.h"
#include "override.h"

#define REASON_MAX 127 /* struct eng_override.reason */
#define BY_MAX     24  /* "by (user)" fits eng_override.author */

struct cmd {
	const char *name;
	const char *const *fields; /* members besides v, cmd and id */
	int (*run)(struct agent *a, const struct ctl_peer *p, const cJSON *req,
	    cJSON **result, char *err, size_t errlen);
	const char *help;
};

static cJSON *
response(const char *cmd, const cJSON *id, bool ok)
{
	cJSON *r = cJSON_CreateObject();

	if (r == NULL)
		return NULL;
	cJSON_AddNumberToObject(r, "v", CTL_PROTO_VERSION);
	cJSON_AddBoolToObject(r, "ok", ok);
	if (cmd != NULL)
		cJSON_AddStringToObject(r, "cmd", cmd);
	if (id != NULL)
		cJSON_AddItemToObject(r, "id", cJSON_Duplicate(id, true));
	return r;
}

cJSON *
ctl_error_response(const char *cmd, const cJSON *id, const char *fmt, ...)
{
	cJSON *r = response(cmd, id, false);
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r != NULL)
		cJSON_AddStringToObject(r, "error", msg);
	return r;
}

static double
mono_to_wall(const struct agent *a, int64_t mono_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 +
	    (double)(mono_ms - loop_now_ms(a->loop)) / 1000.0;
}

static void
add_time(cJSON *o, const char *name, double unix_s)
{
	time_t t = (time_t)unix_s;
	char buf[32];
	struct tm tm;

	if (gmtime_r(&t, &tm) != NULL &&
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
		cJSON_AddStringToObject(o, name, buf);
}

/* A string member: required or not, 1..max bytes, no control chars. */
static int
get_string(const cJSON *req, const char *name, bool required, size_t max,
    const char **out, char *err, size_t errlen)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(req, name);
	const unsigned char *s;

	*out = NULL;
	if (m == NULL) {
		if (required)
			snprintf(err, errlen, "missing \"%s\"", name);
		return required ? -1 : 0;
	}
	if (!cJSON_IsString(m) || m->valuestring == NULL) {
		snprintf(err, errlen, "\"%s\" must be a string", name);
		return -1;
	}
	if (m->valuestring[0] == '\0') {
		snprintf(err, errlen, "\"%s\" must not be empty", name);
		return -1;
	}
	if (strlen(m->valuestring) > max) {
		snprintf(err, errlen, "\"%s\" is too long (max %zu bytes)",
		    name, max);
		return -1;
	}
	for (s = (const unsigned char *)m->valuestring; *s != '\0'; s++)
		if (*s < 0x20 || *s == 0x7f) {
			snprintf(err, errlen,
			    "\"%s\" contains control "
			    "characters",
			    name);
			return -1;
		}
	*out = m->valuestring;
	return 0;
}

static int
get_number(
    const cJSON *req, const char *name, double *out, char *err, size_t errlen)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(req, name);

	if (m == NULL) {
		snprintf(err, errlen, "missing \"%s\"", name);
		return -1;
	}
	if (!cJSON_IsNumber(m) || !isfinite(m->valuedouble)) {
		snprintf(err, errlen, "\"%s\" must be a finite number", name);
		return -1;
	}
	*out = m->valuedouble;
	return 0;
}

/* The boot guard's hold (actions module): why, or NULL. */
static const char *
hold_state(const struct agent *a)
{
	return a->act != NULL ? act_hold_reason(a->act) : NULL;
}

static int
cmd_status(struct agent *a, const struct ctl_peer *p, const cJSON *req,
    cJSON **result, char *err, size_t errlen)
{
	const struct eng_output *o = &a->out;
	int64_t now = loop_now_ms(a->loop);
	const char *hold = hold_state(a);
	cJSON *r = cJSON_CreateObject();

	(void)p;
	(void)req;
	(void)err;
	(void)errlen;
	cJSON_AddStringToObject(r, "version", TW_VERSION);
	cJSON_AddStringToObject(r, "host", a->conf.agent.host);
	cJSON_AddStringToObject(r, "site", a->conf.agent.site);
	cJSON_AddStringToObject(r, "zone", a->conf.agent.zone);
	cJSON_AddNumberToObject(r, "tier", a->conf.agent.tier);
	cJSON_AddStringToObject(r, "state", eng_state_name(o->state));
	cJSON_AddStringToObject(r, "reason", o->reason);
	add_time(r, "since", mono_to_wall(a, o->since_ms));
	cJSON_AddNumberToObject(
	    r, "in_state_s", (double)(now - o->since_ms) / 1000.0);
	json_add_num(r, "eta_s", o->eta_s);
	cJSON_AddBoolToObject(r, "zone_alarm", o->zone_alarm);
	cJSON_AddNumberToObject(r, "zone_members", o->zone_members);
	cJSON_AddNumberToObject(r, "zone_signals", o->zone_signals);
	cJSON_AddBoolToObject(r, "accepting_load", o->accepting_load);
	cJSON_AddBoolToObject(r, "dry_run", agent_dry_run(a));
	if (hold != NULL)
		cJSON_AddStringToObject(r, "hold", hold);
	else
		cJSON_AddNullToObject(r, "hold");
	cJSON_AddNumberToObject(
	    r, "uptime_s", (double)(now - a->started_ms) / 1000.0);
	cJSON_AddNumberToObject(r, "sensors", eng_sensor_count(a->eng));
	cJSON_AddNumberToObject(r, "overrides", eng_override_count(a->eng));
	cJSON_AddStringToObject(r, "mqtt",
	    a->mq == NULL             ? "disabled"
		: mq_connected(a->mq) ? "connected"
				      : "disconnected");
	*result = r;
	return 0;
}

static const char *const status_names[] = { "new", "valid", "stale",
	"removed" };

static cJSON *
sensor_json(const struct agent *a, const struct agent_sensor *s)
{
	cJSON *j = cJSON_CreateObject();
	struct eng_sensor_view v;

	cJSON_AddStringToObject(j, "id", s->id);
	cJSON_AddStringToObject(
	    j, "source", s->last.source != NULL ? s->last.source : "?");
	if (s->eng_idx < 0) {
		cJSON_AddStringToObject(
		    j, "class", eng_class_name(s->last.cls));
		json_add_num(j, "value_c", s->last.value_c);
		cJSON_AddStringToObject(
		    j, "status", s->ignored ? "ignored" : "removed");
		return j;
	}
	eng_sensor_view(a->eng, s->eng_idx, &v);
	cJSON_AddStringToObject(j, "class", eng_class_name(v.cls));
	json_add_num(j, "value_c", v.value_c);
	json_add_num(j, "filtered_c", v.filtered_c);
	json_add_num(j, "slope_c_per_s", v.slope_c_per_s);
	json_add_num(j, "eta_s", v.eta_s);
	json_add_num(j, "headroom_c", v.headroom_c);
	json_add_num(j, "trip_c", v.trip_c);
	cJSON_AddStringToObject(j, "trip_from",
	    s->trip_from != NULL ? s->trip_from
				 : eng_trip_src_name(v.trip_src));
	cJSON_AddStringToObject(
	    j, "status", (unsigned)v.status < 4 ? status_names[v.status] : "?");
	cJSON_AddStringToObject(j, "level", eng_level_name(v.level));
	cJSON_AddBoolToObject(j, "extrapolated", v.extrapolated);
	cJSON_AddNumberToObject(j, "accepted", (double)v.accepted);
	cJSON_AddNumberToObject(j, "rejected", (double)v.rejected);
	if (v.last_reject != NULL)
		cJSON_AddStringToObject(j, "last_reject", v.last_reject);
	else
		cJSON_AddNullToObject(j, "last_reject");
	return j;
}

static int
cmd_sensors(struct agent *a, const struct ctl_peer *p, const cJSON *req,
    cJSON **result, char *err, size_t errlen)
{
	cJSON *arr = cJSON_CreateArray();
	int i;

	(void)p;
	(void)req;
	(void)err;
	(void)errlen;
	for (i = 0; i < a->n_sensors; i++)
		cJSON_AddItemToArray(arr, sensor_json(a, &a->sensors[i]));
	*result = arr;
	return 0;
}

static int
cmd_overrides(struct agent *a, const struct ctl_peer *p, const cJSON *req,
    cJSON **result, char *err, size_t errlen)
{
	(void)p;
	(void)req;
	(void)err;
	(void)errlen;
	*result = ovr_list_json(a, loop_now_ms(a->loop));
	return 0;
}

static const char key_help[] =
    "keys: quiet, <class>.trip_c, "
    "<class>.<level>.margin_c, <class>.<level>.lead_s; class cpu, inlet, "
    "exhaust or other; level warn, migrate or shutdown";

static int
cmd_override_set(struct agent *a, const struct ctl_peer *p, const cJSON *req,
    cJSON **result, char *err, size_t errlen)
{
	const char *key, *reason, *by;
	double value, ttl, min, max, maxttl;
	char author[64], msg[256];
	cJSON *r, *list, *e;
	const cJSON *k, *clamp;
	int rc;

	if (get_string(req, "key", true, ENG_KEY_LEN - 1, &key, err, errlen) <
		0 ||
	    get_number(req, "value", &value, err, errlen) < 0 ||
	    get_number(req, "ttl_s", &ttl, err, errlen) < 0 ||
	    get_string(req, "reason", true, REASON_MAX, &reason, err, errlen) <
		0 ||
	    get_string(req, "by", false, BY_MAX, &by, err, errlen) < 0)
		return -1;
	if (!eng_override_key_valid(key, &min, &max)) {
		snprintf(err, errlen, "unknown override key \"%s\" (%s)", key,
		    key_help);
		return -1;
	}
	maxttl = a->conf.engine.policy.max_override_ttl_s;
	if (!(ttl > 0) || ttl > maxttl) {
		snprintf(err, errlen,
		    "%s: ttl %.0f s is out of range (more "
		    "than 0, at most %.0f s = policy.max_override_ttl_s)",
		    key, ttl, maxttl);
		return -1;
	}
	clamp = cJSON_GetObjectItemCaseSensitive(req, "clamp");
	if (clamp != NULL && !cJSON_IsBool(clamp)) {
		snprintf(err, errlen, "\"clamp\" must be true or false");
		return -1;
	}
	/* An operator gets what was asked or an error, unless clamping was
	 * asked for: a typo must not silently become another value. */
	if (!cJSON_IsTrue(clamp) &&
	    ovr_check(a, key, value, ttl, msg, sizeof(msg)) == 1) {
		snprintf(err, errlen,
		    "%s; not applied (--clamp applies the "
		    "clamped value)",
		    msg);
		return -1;
	}
	if (by != NULL && strcmp(by, p->user) != 0)
		snprintf(author, sizeof(author), "%s (%s)", by, p->user);
	else
		snprintf(author, sizeof(author), "%s", p->user);
	rc = ovr_apply(
	    a, key, value, ttl, reason, author, "control", msg, sizeof(msg));
	if (rc < 0) {
		snprintf(err, errlen, "%s", msg);
		return -1;
	}
	/* answer with the override as it is now in force */
	r = NULL;
	list = ovr_list_json(a, loop_now_ms(a->loop));
	cJSON_ArrayForEach(e, list)
	{
		k = cJSON_GetObjectItemCaseSensitive(e, "key");
		if (cJSON_IsString(k) && strcmp(k->valuestring, key) == 0) {
			r = cJSON_DetachItemViaPointer(list, e);
			break;
		}
	}
	cJSON_Delete(list);
	if (r == NULL)
		r = cJSON_CreateObject();
	cJSON_AddBoolToObject(r, "clamped", rc == 1);
	if (rc == 1)
		cJSON_AddStringToObject(r, "warning", msg);
	*result = r;
	return 0;
}

static int
cmd_override_clear(struct agent *a, const struct ctl_peer *p, const cJSON *req,
    cJSON **result, char *err, size_t errlen)
{
	const char *key;
	cJSON *r;

	if (get_string(req, "key", true, ENG_KEY_LEN - 1, &key, err, errlen) <
	    0)
		return -1;
	if (ovr_clear(a, key, p->user, "control", err, errlen) < 0)
		return -1;
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "key", key);
	cJSON_AddBoolToObject(r, "cleared", true);
	*result = r;
	return 0;
}

static int
cmd_hold_clear(struct agent *a, const struct ctl_peer *p, const cJSON *req,
    cJSON **result, char *err, size_t errlen)
{
	const char *reason, *was;
	char why[256];
	cJSON *r;

	if (get_string(req, "reason", false, REASON_MAX, &reason, err, errlen) <
	    0)
		return -1;
	if (a->act == NULL) {
		snprintf(err, errlen,
		    "no boot guard: the actions module is "
		    "not running");
		return -1;
	}
	was = act_hold_reason(a->act);
	snprintf(why, sizeof(why), "%s", was != NULL ? was : "");
	if (act_hold_clear(a->act, p->user, reason, err, errlen) < 0)
		return -1;
	r = cJSON_CreateObject();
	cJSON_AddBoolToObject(r, "cleared", true);
	cJSON_AddStringToObject(r, "was", why);
	cJSON_AddStringToObject(r, "by", p->user);
	*result = r;
	return 0;
}

static int
cmd_rescan(struct agent *a, const struct ctl_peer *p, const cJSON *req,
    cJSON **result, char *err, size_t errlen)
{
	cJSON *r;

	(void)req;
	(void)err;
	(void)errlen;
	log_info("control: rescan requested by %s", p->user);
	agent_rescan(a);
	r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "sensors", eng_sensor_count(a->eng));
	*result = r;
	return 0;
}

static const char *const no_fields[] = { NULL };
static const char *const set_fields[] = { "key", "value", "ttl_s", "reason",
	"by", "clamp", NULL };
static const char *const clear_fields[] = { "key", NULL };
static const char *const hold_fields[] = { "reason", NULL };

static const struct cmd cmds[] = {
	{ CTL_CMD_STATUS, no_fields, cmd_status, "host state" },
	{ CTL_CMD_SENSORS, no_fields, cmd_sensors, "sensor table" },
	{ CTL_CMD_OVERRIDES, no_fields, cmd_overrides, "overrides in force" },
	{ CTL_CMD_OVERRIDE_SET, set_fields, cmd_override_set, NULL },
	{ CTL_CMD_OVERRIDE_CLEAR, clear_fields, cmd_override_clear, NULL },
	{ CTL_CMD_HOLD_CLEAR, hold_fields, cmd_hold_clear, NULL },
	{ CTL_CMD_RESCAN, no_fields, cmd_rescan, NULL },
};

static bool
known_field(const struct cmd *c, const char *name)
{
	int i;

	if (strcmp(name, "v") == 0 || strcmp(name, "cmd") == 0 ||
	    strcmp(name, "id") == 0)
		return true;
	for (i = 0; c->fields[i] != NULL; i++)
		if (strcmp(name, c->fields[i]) == 0)
			return true;
	return false;
}

cJSON *
ctl_handle(
    struct agent *a, const struct ctl_peer *peer, const char *line, size_t len)
{
	const cJSON *v, *cmd, *id, *m;
	const struct cmd *c = NULL;
	cJSON *req, *resp, *result = NULL;
	char err[512];
	size_t i;

	req = cJSON_ParseWithLength(line, len);
	if (req == NULL)
		return ctl_error_response(NULL, NULL,
		    "malformed request: not valid JSON (one JSON object per "
		    "line)");
	if (!cJSON_IsObject(req)) {
		cJSON_Delete(req);
		return ctl_error_response(
		    NULL, NULL, "malformed request: not a JSON object");
	}
	id = cJSON_GetObjectItemCaseSensitive(req, "id");
	if (id != NULL && !cJSON_IsString(id) && !cJSON_IsNumber(id))
		id = NULL;
	v = cJSON_GetObjectItemCaseSensitive(req, "v");
	cmd = cJSON_GetObjectItemCaseSensitive(req, "cmd");
	if (v == NULL) {
		resp = ctl_error_response(NULL, id,
		    "missing protocol version "
		    "\"v\" (this daemon speaks %d)",
		    CTL_PROTO_VERSION);
		goto out;
	}
	if (!cJSON_IsNumber(v) || v->valuedouble != CTL_PROTO_VERSION) {
		resp = ctl_error_response(NULL, id,
		    "unsupported protocol "
		    "version (this daemon speaks %d)",
		    CTL_PROTO_VERSION);
		goto out;
	}
	if (!cJSON_IsString(cmd) || cmd->valuestring == NULL) {
		resp = ctl_error_response(NULL, id,
		    "missing \"cmd\" (a "
		    "string)");
		goto out;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, cmd->valuestring) == 0)
			c = &cmds[i];
	if (c == NULL) {
		resp = ctl_error_response(NULL, id,
		    "unknown command \"%.64s\" "
		    "(known: status, sensors, overrides, override-set, "
		    "override-clear, hold-clear, rescan)",
		    cmd->valuestring);
		goto out;
	}
	cJSON_ArrayForEach(
	    m, req) if (m->string == NULL || !known_field(c, m->string))
	{
		resp = ctl_error_response(c->name, id,
		    "unknown field "
		    "\"%.64s\" for %s",
		    m->string != NULL ? m->string : "", c->name);
		goto out;
	}
	err[0] = '\0';
	if (c->run(a, peer, req, &result, err, sizeof(err)) < 0) {
		resp = ctl_error_response(
		    c->name, id, "%s", err[0] != '\0' ? err : "failed");
		goto out;
	}
	resp = response(c->name, id, true);
	if (resp != NULL)
		cJSON_AddItemToObject(resp, "result", result);
	else
		cJSON_Delete(result);
out:
	cJSON_Delete(req);
	return resp;
}
