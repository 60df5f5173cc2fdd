/*
 * priv_proto.c - encode and check the messages between thermwatchd and its
 * privileged part (cJSON; every field checked against priv_proto.h).
 */
#include "priv_proto.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>

static const char *const req_names[] = { "hello", "run", "kill", "watchdog",
	"reload" };
static const char *const rep_names[] = { "hello", "started", "line", "done",
	"watchdog", "reloaded", "refused" };
static const char *const status_names[] = { "ok", "failed", "signaled",
	"timeout", "error", "dry_run", "none" };

#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

const char *
prv_req_name(enum prv_req_type t)
{
	return (int)t >= 0 && (int)t < N_OF(req_names) ? req_names[t] : "?";
}

const char *
prv_status_name(enum prv_status s)
{
	return (int)s >= 0 && (int)s < N_OF(status_names) ? status_names[s]
							  : "?";
}

static int
name_index(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static int
fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* Text without control characters (UTF-8 above 0x7f is fine). */
static bool
text_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max)
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static bool
id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > PRV_ID_MAX)
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("._:-", *s) == NULL)
			return false;
	return true;
}

bool
prv_env_ok(const char *name, const char *value)
{
	const char *p;
	size_t n = strlen(name);

	if (strncmp(name, "THERMWATCH_", 11) != 0 || n == 11 ||
	    n > PRV_ENV_NAME_MAX)
		return false;
	for (p = name; *p != '\0'; p++)
		if (!isupper((unsigned char)*p) &&
		    !isdigit((unsigned char)*p) && *p != '_')
			return false;
	return text_ok(value, PRV_ENV_VALUE_MAX);
}

/*
 * Every member of o must be one of the names in keys (NULL-terminated):
 * a message with anything more is refused, not half-understood.
 */
static int
only_keys(const cJSON *o, const char *const *keys, char *why, size_t len)
{
	const cJSON *m;
	int i;

	cJSON_ArrayForEach(m, o)
	{
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(m->string, keys[i]) == 0)
				break;
		if (keys[i] == NULL)
			return fail(
			    why, len, "unknown field \"%.40s\"", m->string);
	}
	return 0;
}

/* A string member: copied into buf (size len) if present and a string
 * that fits; -1 otherwise. */
static int
get_str(const cJSON *o, const char *key, char *buf, size_t len, char *why,
    size_t wlen)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsString(m))
		return fail(why, wlen, "\"%s\" must be a string", key);
	if (strlen(m->valuestring) >= len)
		return fail(why, wlen, "\"%s\" is too long", key);
	memcpy(buf, m->valuestring, strlen(m->valuestring) + 1);
	return 0;
}

/* An integer member within [lo, hi]. */
static int
get_int(const cJSON *o, const char *key, long lo, long hi, long *v, char *why,
    size_t wlen)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, key);
	double d;

	if (!cJSON_IsNumber(m))
		return fail(why, wlen, "\"%s\" must be a number", key);
	d = m->valuedouble;
	if (!(d == floor(d)) || d < (double)lo || d > (double)hi)
		return fail(why, wlen,
		    "\"%s\" must be an integer from %ld to %ld", key, lo, hi);
	*v = (long)d;
	return 0;
}

static int
get_bool(const cJSON *o, const char *key, bool *v, char *why, size_t wlen)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsBool(m))
		return fail(why, wlen, "\"%s\" must be true or false", key);
	*v = cJSON_IsTrue(m);
	return 0;
}

static cJSON *
parse_object(const char *msg, size_t n, char *why, size_t wlen)
{
	cJSON *o;

	if (n == 0 || n > PRV_MSG_MAX) {
		fail(why, wlen, "message of %zu bytes (1 to %d)", n,
		    PRV_MSG_MAX);
		return NULL;
	}
	o = cJSON_ParseWithLengthOpts(msg, n, NULL, false);
	if (o == NULL) {
		fail(why, wlen, "not JSON");
		return NULL;
	}
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		fail(why, wlen, "not a JSON object");
		return NULL;
	}
	return o;
}

static int
parse_env(const cJSON *env, struct prv_request *r, char *why, size_t wlen)
{
	const cJSON *m;

	if (!cJSON_IsObject(env))
		return fail(why, wlen, "\"env\" must be an object");
	r->n_env = 0;
	cJSON_ArrayForEach(m, env)
	{
		if (r->n_env == PRV_ENV_MAX)
			return fail(
			    why, wlen, "more than %d variables", PRV_ENV_MAX);
		if (!cJSON_IsString(m) ||
		    !prv_env_ok(m->string, m->valuestring))
			return fail(why, wlen,
			    "variable \"%.60s\" refused (only THERMWATCH_* "
			    "with a printable value of at most %d bytes)",
			    m->string, PRV_ENV_VALUE_MAX);
		snprintf(r->env[r->n_env].name, sizeof(r->env[0].name), "%s",
		    m->string);
		snprintf(r->env[r->n_env].value, sizeof(r->env[0].value), "%s",
		    m->valuestring);
		r->n_env++;
	}
	return 0;
}

static int
parse_request(const cJSON *o, struct prv_request *r, char *why, size_t wlen)
{
	static const char *const hello_keys[] = { "req", "version", NULL };
	static const char *const run_keys[] = { "req", "id", "kind", "attempt",
		"dry_run", "env", NULL };
	static const char *const kill_keys[] = { "req", "id", NULL };
	static const char *const wd_keys[] = { "req", "countdown_s", NULL };
	static const char *const reload_keys[] = { "req", NULL };
	char kind[16];
	long v = 0; /* set by get_int() before every use */
	int k;

	switch (r->type) {
	case PRV_REQ_HELLO:
		if (only_keys(o, hello_keys, why, wlen) < 0 ||
		    get_int(o, "version", 1, 1000, &v, why, wlen) < 0)
			return -1;
		r->version = (int)v;
		if (r->version != PRV_VERSION)
			return fail(why, wlen, "version %d (this is %d)",
			    r->version, PRV_VERSION);
		return 0;
	case PRV_REQ_RUN:
		if (only_keys(o, run_keys, why, wlen) < 0 ||
		    get_str(o, "id", r->id, sizeof(r->id), why, wlen) < 0 ||
		    get_str(o, "kind", kind, sizeof(kind), why, wlen) < 0 ||
		    get_int(o, "attempt", 1, PRV_ATTEMPT_MAX, &v, why, wlen) <
			0 ||
		    get_bool(o, "dry_run", &r->dry_run, why, wlen) < 0 ||
		    parse_env(cJSON_GetObjectItemCaseSensitive(o, "env"), r,
			why, wlen) < 0)
			return -1;
		r->attempt = (int)v;
		k = name_index(kind, act_kind_names, ACT_KIND_COUNT);
		if (k < 0)
			return fail(why, wlen, "no hook kind \"%s\"", kind);
		r->kind = (enum act_kind)k;
		break;
	case PRV_REQ_KILL:
		if (only_keys(o, kill_keys, why, wlen) < 0 ||
		    get_str(o, "id", r->id, sizeof(r->id), why, wlen) < 0)
			return -1;
		break;
	case PRV_REQ_WATCHDOG:
		if (only_keys(o, wd_keys, why, wlen) < 0 ||
		    get_int(o, "countdown_s", 1, PRV_COUNTDOWN_MAX, &v, why,
			wlen) < 0)
			return -1;
		r->countdown_s = (int)v;
		return 0;
	case PRV_REQ_RELOAD:
		return only_keys(o, reload_keys, why, wlen);
	}
	if (!id_ok(r->id))
		return fail(why, wlen, "bad id \"%.40s\"", r->id);
	return 0;
}

int
prv_request_parse(const char *msg, size_t n, struct prv_request *r, char *req,
    size_t reqlen, char *why, size_t whylen)
{
	const cJSON *t;
	cJSON *o;
	int k, rc;

	memset(r, 0, sizeof(*r));
	snprintf(req, reqlen, "?");
	if ((o = parse_object(msg, n, why, whylen)) == NULL)
		return -1;
	t = cJSON_GetObjectItemCaseSensitive(o, "req");
	k = cJSON_IsString(t)
	    ? name_index(t->valuestring, req_names, N_OF(req_names))
	    : -1;
	if (k < 0) {
		if (cJSON_IsString(t) && text_ok(t->valuestring, 15))
			snprintf(req, reqlen, "%s", t->valuestring);
		cJSON_Delete(o);
		return fail(why, whylen, "no such request");
	}
	snprintf(req, reqlen, "%s", req_names[k]);
	r->type = (enum prv_req_type)k;
	rc = parse_request(o, r, why, whylen);
	cJSON_Delete(o);
	return rc;
}

static int
parse_reply(const cJSON *o, struct prv_reply *r, char *why, size_t wlen)
{
	char st[16];
	long v = 0; /* set by get_int() before every use */
	int k;

	switch (r->type) {
	case PRV_REP_HELLO:
		if (get_int(o, "version", 1, 1000, &v, why, wlen) < 0)
			return -1;
		r->version = (int)v;
		if (get_int(o, "pid", 1, 1L << 22, &v, why, wlen) < 0)
			return -1;
		r->pid = (pid_t)v;
		return 0;
	case PRV_REP_STARTED:
		if (get_str(o, "id", r->id, sizeof(r->id), why, wlen) < 0 ||
		    get_int(o, "pid", 1, 1L << 22, &v, why, wlen) < 0)
			return -1;
		r->pid = (pid_t)v;
		return 0;
	case PRV_REP_LINE:
		if (get_str(o, "id", r->id, sizeof(r->id), why, wlen) < 0 ||
		    get_int(o, "stream", 1, 2, &v, why, wlen) < 0 ||
		    get_str(o, "text", r->text, sizeof(r->text), why, wlen) < 0)
			return -1;
		r->stream = (int)v;
		return 0;
	case PRV_REP_DONE:
		if (get_str(o, "id", r->id, sizeof(r->id), why, wlen) < 0 ||
		    get_str(o, "status", st, sizeof(st), why, wlen) < 0 ||
		    get_int(o, "exit", -1, 255, &v, why, wlen) < 0)
			return -1;
		r->exit_code = (int)v;
		if (get_int(o, "signal", 0, 64, &v, why, wlen) < 0)
			return -1;
		r->signo = (int)v;
		if (get_int(o, "output_dropped", 0, 1L << 30, &v, why, wlen) <
		    0)
			return -1;
		r->output_dropped = v;
		k = name_index(st, status_names, N_OF(status_names));
		if (k < 0)
			return fail(why, wlen, "no status \"%s\"", st);
		r->status = (enum prv_status)k;
		if (!cJSON_IsNumber(
			cJSON_GetObjectItemCaseSensitive(o, "duration_s")))
			return fail(
			    why, wlen, "\"duration_s\" must be a number");
		r->duration_s = cJSON_GetObjectItemCaseSensitive(
		    o, "duration_s")
				    ->valuedouble;
		if (get_str(o, "program", r->program, sizeof(r->program), why,
			wlen) < 0 ||
		    get_str(o, "would_run", r->text, sizeof(r->text), why,
			wlen) < 0)
			return -1;
		return 0;
	case PRV_REP_WATCHDOG:
	case PRV_REP_RELOADED:
		if (get_bool(o, "ok", &r->ok, why, wlen) < 0 ||
		    get_str(o, "msg", r->text, sizeof(r->text), why, wlen) < 0)
			return -1;
		return 0;
	case PRV_REP_REFUSED:
		if (get_str(o, "req", r->req, sizeof(r->req), why, wlen) < 0 ||
		    get_str(o, "id", r->id, sizeof(r->id), why, wlen) < 0 ||
		    get_str(o, "why", r->text, sizeof(r->text), why, wlen) < 0)
			return -1;
		if (r->id[0] != '\0' && !id_ok(r->id))
			return fail(why, wlen, "bad id");
		return 0;
	}
	return fail(why, wlen, "no such reply");
}

int
prv_reply_parse(
    const char *msg, size_t n, struct prv_reply *r, char *why, size_t whylen)
{
	const cJSON *t;
	cJSON *o;
	int k, rc;

	memset(r, 0, sizeof(*r));
	if ((o = parse_object(msg, n, why, whylen)) == NULL)
		return -1;
	t = cJSON_GetObjectItemCaseSensitive(o, "rep");
	k = cJSON_IsString(t)
	    ? name_index(t->valuestring, rep_names, N_OF(rep_names))
	    : -1;
	if (k < 0) {
		cJSON_Delete(o);
		return fail(why, whylen, "no such reply");
	}
	r->type = (enum prv_rep_type)k;
	rc = parse_reply(o, r, why, whylen);
	cJSON_Delete(o);
	if (rc == 0 && r->type >= PRV_REP_STARTED && r->type <= PRV_REP_DONE &&
	    !id_ok(r->id))
		rc = fail(why, whylen, "bad id");
	return rc;
}

/* Print o into buf; the length, or -1 when it does not fit. Frees o. */
static int
finish(cJSON *o, char *buf, size_t len)
{
	char *s = o != NULL ? cJSON_PrintUnformatted(o) : NULL;
	size_t n;

	cJSON_Delete(o);
	if (s == NULL)
		return -1;
	n = strlen(s);
	if (n > PRV_MSG_MAX || n >= len) {
		free(s);
		return -1;
	}
	memcpy(buf, s, n + 1);
	free(s);
	return (int)n;
}

int
prv_request_encode(const struct prv_request *r, char *buf, size_t len)
{
	cJSON *o = cJSON_CreateObject(), *env;
	char req[16], why[128];
	struct prv_request check;
	int i, n;

	cJSON_AddStringToObject(o, "req", prv_req_name(r->type));
	switch (r->type) {
	case PRV_REQ_HELLO:
		cJSON_AddNumberToObject(o, "version", r->version);
		break;
	case PRV_REQ_RUN:
		cJSON_AddStringToObject(o, "id", r->id);
		cJSON_AddStringToObject(o, "kind",
		    (unsigned)r->kind < ACT_KIND_COUNT ? act_kind_names[r->kind]
						       : "?");
		cJSON_AddNumberToObject(o, "attempt", r->attempt);
		cJSON_AddBoolToObject(o, "dry_run", r->dry_run);
		env = cJSON_AddObjectToObject(o, "env");
		for (i = 0; i < r->n_env; i++)
			cJSON_AddStringToObject(
			    env, r->env[i].name, r->env[i].value);
		break;
	case PRV_REQ_KILL:
		cJSON_AddStringToObject(o, "id", r->id);
		break;
	case PRV_REQ_WATCHDOG:
		cJSON_AddNumberToObject(o, "countdown_s", r->countdown_s);
		break;
	case PRV_REQ_RELOAD:
		break;
	}
	n = finish(o, buf, len);
	/* never send what the other side would refuse */
	if (n < 0 ||
	    prv_request_parse(
		buf, (size_t)n, &check, req, sizeof(req), why, sizeof(why)) < 0)
		return -1;
	return n;
}

int
prv_reply_encode(const struct prv_reply *r, char *buf, size_t len)
{
	cJSON *o = cJSON_CreateObject();
	static const char *const rep_key = "rep";

	cJSON_AddStringToObject(o, rep_key, rep_names[r->type]);
	switch (r->type) {
	case PRV_REP_HELLO:
		cJSON_AddNumberToObject(o, "version", r->version);
		cJSON_AddNumberToObject(o, "pid", r->pid);
		break;
	case PRV_REP_STARTED:
		cJSON_AddStringToObject(o, "id", r->id);
		cJSON_AddNumberToObject(o, "pid", r->pid);
		break;
	case PRV_REP_LINE:
		cJSON_AddStringToObject(o, "id", r->id);
		cJSON_AddNumberToObject(o, "stream", r->stream);
		cJSON_AddStringToObject(o, "text", r->text);
		break;
	case PRV_REP_DONE:
		cJSON_AddStringToObject(o, "id", r->id);
		cJSON_AddStringToObject(
		    o, "status", prv_status_name(r->status));
		cJSON_AddNumberToObject(o, "exit", r->exit_code);
		cJSON_AddNumberToObject(o, "signal", r->signo);
		cJSON_AddNumberToObject(o, "duration_s", r->duration_s);
		cJSON_AddNumberToObject(
		    o, "output_dropped", (double)r->output_dropped);
		cJSON_AddStringToObject(o, "program", r->program);
		cJSON_AddStringToObject(o, "would_run", r->text);
		break;
	case PRV_REP_WATCHDOG:
	case PRV_REP_RELOADED:
		cJSON_AddBoolToObject(o, "ok", r->ok);
		cJSON_AddStringToObject(o, "msg", r->text);
		break;
	case PRV_REP_REFUSED:
		cJSON_AddStringToObject(o, "req", r->req);
		cJSON_AddStringToObject(o, "id", r->id);
		cJSON_AddStringToObject(o, "why", r->text);
		break;
	}
	return finish(o, buf, len);
}

int
prv_outq_push(struct prv_outq *q, const char *msg, size_t len)
{
	int slot;

	if (q->n == PRV_OUTQ_MAX)
		return -1;
	slot = (q->head + q->n) % PRV_OUTQ_MAX;
	q->msg[slot] = malloc(len);
	if (q->msg[slot] == NULL)
		return -1;
	memcpy(q->msg[slot], msg, len);
	q->len[slot] = len;
	q->n++;
	return 0;
}

int
prv_outq_flush(struct prv_outq *q, int fd)
{
	ssize_t n;

	while (q->n > 0) {
		n = send(fd, q->msg[q->head], q->len[q->head],
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 1 : -1;
		free(q->msg[q->head]);
		q->msg[q->head] = NULL;
		q->head = (q->head + 1) % PRV_OUTQ_MAX;
		q->n--;
	}
	return 0;
}

void
prv_outq_clear(struct prv_outq *q)
{
	while (q->n > 0) {
		free(q->msg[q->head]);
		q->msg[q->head] = NULL;
		q->head = (q->head + 1) % PRV_OUTQ_MAX;
		q->n--;
	}
	q->head = 0;
}
