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

#include "ctl_proto.h"
#include "engine.h"
#include "json_strict.h"

#define REASON_MAX 127 /* struct eng_override.reason */
#define BY_MAX     24  /* "by (user)" fits eng_override.author */

/* What a command runs with. */
struct ctx {
	const struct ctl_ops *ops;
	void *arg;
	const struct ctl_peer *p;
	const char *cmd;
};

struct cmd {
	const char *name;
	const char *const *fields; /* members besides v, cmd and id */
	int (*run)(const struct ctx *x, const cJSON *req, cJSON **result,
	    char *err, size_t errlen);
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

/* status, sensors, overrides: a view of the daemon, as it is now. */
static int
cmd_view(const struct ctx *x, const cJSON *req, cJSON **result, char *err,
    size_t errlen)
{
	(void)req;
	(void)err;
	(void)errlen;
	if (strcmp(x->cmd, CTL_CMD_STATUS) == 0)
		*result = x->ops->status(x->arg);
	else if (strcmp(x->cmd, CTL_CMD_SENSORS) == 0)
		*result = x->ops->sensors(x->arg);
	else
		*result = x->ops->overrides(x->arg);
	return 0;
}

static const char key_help[] =
    "keys: quiet, <class>.trip_c, "
    "<class>.<level>.margin_c, <class>.<level>.lead_s; class cpu, inlet, "
    "exhaust or other; level warn, migrate or shutdown";

static int
cmd_override_set(const struct ctx *x, const cJSON *req, cJSON **result,
    char *err, size_t errlen)
{
	const struct ctl_peer *p = x->p;
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
	maxttl = x->ops->max_ttl_s(x->arg);
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
	    x->ops->override_check(x->arg, key, value, ttl, msg, sizeof(msg)) ==
		1) {
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
	rc = x->ops->override_set(x->arg, key, value, ttl, reason, author,
	    "control", msg, sizeof(msg));
	if (rc < 0) {
		snprintf(err, errlen, "%s", msg);
		return -1;
	}
	/* answer with the override as it is now in force */
	r = NULL;
	list = x->ops->overrides(x->arg);
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
cmd_override_clear(const struct ctx *x, const cJSON *req, cJSON **result,
    char *err, size_t errlen)
{
	const char *key;
	cJSON *r;

	if (get_string(req, "key", true, ENG_KEY_LEN - 1, &key, err, errlen) <
	    0)
		return -1;
	if (x->ops->override_clear(
		x->arg, key, x->p->user, "control", err, errlen) < 0)
		return -1;
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "key", key);
	cJSON_AddBoolToObject(r, "cleared", true);
	*result = r;
	return 0;
}

static int
cmd_hold_clear(const struct ctx *x, const cJSON *req, cJSON **result, char *err,
    size_t errlen)
{
	const char *reason;
	char was[256];
	cJSON *r;

	if (get_string(req, "reason", false, REASON_MAX, &reason, err, errlen) <
	    0)
		return -1;
	if (x->ops->hold_clear(
		x->arg, x->p->user, reason, was, sizeof(was), err, errlen) < 0)
		return -1;
	r = cJSON_CreateObject();
	cJSON_AddBoolToObject(r, "cleared", true);
	cJSON_AddStringToObject(r, "was", was);
	cJSON_AddStringToObject(r, "by", x->p->user);
	*result = r;
	return 0;
}

static int
cmd_rescan(const struct ctx *x, const cJSON *req, cJSON **result, char *err,
    size_t errlen)
{
	cJSON *r;

	(void)req;
	(void)err;
	(void)errlen;
	log_info("control: rescan requested by %s", x->p->user);
	r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "sensors", x->ops->rescan(x->arg));
	*result = r;
	return 0;
}

static const char *const no_fields[] = { NULL };
static const char *const set_fields[] = { "key", "value", "ttl_s", "reason",
	"by", "clamp", NULL };
static const char *const clear_fields[] = { "key", NULL };
static const char *const hold_fields[] = { "reason", NULL };

static const struct cmd cmds[] = {
	{ CTL_CMD_STATUS, no_fields, cmd_view, "host state" },
	{ CTL_CMD_SENSORS, no_fields, cmd_view, "sensor table" },
	{ CTL_CMD_OVERRIDES, no_fields, cmd_view, "overrides in force" },
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
ctl_handle(const struct ctl_ops *ops, void *arg, const struct ctl_peer *peer,
    const char *line, size_t len)
{
	struct ctx x = { ops, arg, peer, NULL };
	const cJSON *v, *cmd, *id, *m;
	const struct cmd *c = NULL;
	cJSON *req, *resp, *result = NULL;
	char err[512];
	size_t i;

	req = json_parse_strict(line, len, err, sizeof(err));
	if (req == NULL)
		return ctl_error_response(NULL, NULL,
		    "malformed request: %s (one JSON object per line)", err);
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
	x.cmd = c->name;
	if (c->run(&x, req, &result, err, sizeof(err)) < 0) {
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
