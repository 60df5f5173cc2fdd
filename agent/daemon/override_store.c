/*
 * override_store.c - overrides: check, apply, announce, persist, restore.
 * See override_store.h.
 *
 * overrides.json:
 *
 *	{"v":1,"written":"2026-11-25T03:00:00Z","overrides":[
 *	  {"key":"cpu.shutdown.margin_c","value":8,
 *	   "expires_unix":1764043200.5,"expires":"2026-11-25T04:00:00Z",
 *	   "reason":"AC work","author":"alice"}]}
 *
 * Written to a temporary file, fsync'ed and renamed over the old one, so a
 * crash leaves either the old or the new set, never half of one. A set or
 * clear is written before the engine takes it, and refused when it cannot
 * be written (a full disk): what was acknowledged survives a restart.
 */
#include "override_store.h"

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

#include "fileio.h"
#include "log.h"
#include "override.h"
#include "walltime.h"

#define OVR_SYNC_MS  1000
#define OVR_MAX_FILE (256 * 1024)

struct ovs_snap {
	char key[ENG_KEY_LEN];
	double value;
	int64_t expires_ms;
};

struct ovs {
	struct ovs_env env;
	char id[64]; /* of the request being handled, "" none */
	char path[PATH_MAX + 32];
	int timer;
	int n;
	struct ovs_snap snap[ENG_MAX_OVERRIDES];
};

static cJSON *
entry_json(const struct eng_override *o, int64_t now_ms)
{
	cJSON *j = cJSON_CreateObject();
	double at = wt_of_mono(o->expires_ms, now_ms);
	char iso[32];

	wt_iso(at, iso, sizeof(iso));
	cJSON_AddStringToObject(j, "key", o->key);
	cJSON_AddNumberToObject(j, "value", o->value);
	cJSON_AddNumberToObject(
	    j, "expires_in_s", (double)(o->expires_ms - now_ms) / 1000.0);
	cJSON_AddStringToObject(j, "expires", iso);
	cJSON_AddNumberToObject(j, "expires_unix", floor(at * 1000.0) / 1000.0);
	cJSON_AddStringToObject(j, "reason", o->reason);
	cJSON_AddStringToObject(j, "author", o->author);
	return j;
}

cJSON *
ovs_list_json(const struct ovs *s, int64_t now_ms)
{
	cJSON *arr = cJSON_CreateArray();
	const struct eng_override *o;
	int i;

	for (i = 0; i < eng_override_count(s->env.eng); i++)
		if ((o = eng_override_get(s->env.eng, i)) != NULL)
			cJSON_AddItemToArray(arr, entry_json(o, now_ms));
	return arr;
}

/* Write the overrides in list (consumed); 0 or -errno (logged). */
static int
save_list(struct ovs *ov, cJSON *list)
{
	const char *dir = ov->env.conf->agent.state_dir;
	char iso[32];
	cJSON *root;
	char *text;
	int rc;

	root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "v", OVR_FILE_VERSION);
	wt_iso(wt_now(), iso, sizeof(iso));
	cJSON_AddStringToObject(root, "written", iso);
	cJSON_AddItemToObject(root, "overrides", list);
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (text == NULL) {
		log_warnx("overrides: out of memory, not saved");
		errno = ENOMEM;
		return -ENOMEM;
	}
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		log_warn("overrides: mkdir %s", dir);
	rc = fio_replace(ov->path, text, 0640);
	free(text);
	if (rc != 0) {
		log_warn("overrides: cannot save %s", ov->path);
		errno = -rc;
		return rc;
	}
	return 0;
}

/* Write the overrides in force; 0 or -errno (logged). */
static int
save(struct ovs *ov)
{
	return save_list(ov, ovs_list_json(ov, loop_now_ms(ov->env.loop)));
}

/*
 * Write the overrides as they will be once key is set to o (or removed,
 * when o is NULL), before the engine takes the change: an override that
 * cannot be kept over a restart is not taken. 0, or -1 with msg.
 */
static int
save_first(struct ovs *ov, const char *key, const struct eng_override *o,
    char *msg, size_t len)
{
	int64_t now = loop_now_ms(ov->env.loop);
	cJSON *list = ovs_list_json(ov, now), *e, *next;
	const cJSON *k;

	for (e = list->child; e != NULL; e = next) {
		next = e->next;
		k = cJSON_GetObjectItemCaseSensitive(e, "key");
		if (cJSON_IsString(k) && strcmp(k->valuestring, key) == 0)
			cJSON_Delete(cJSON_DetachItemViaPointer(list, e));
	}
	if (o != NULL)
		cJSON_AddItemToArray(list, entry_json(o, now));
	if (save_list(ov, list) == 0)
		return 0;
	snprintf(msg, len, "%s: cannot save %s: %s; not %s", key, ov->path,
	    strerror(errno), o != NULL ? "applied" : "cleared");
	return -1;
}

static void
snapshot(struct ovs *ov)
{
	const struct eng_override *o;
	int i;

	ov->n = 0;
	for (i = 0;
	     i < eng_override_count(ov->env.eng) && ov->n < ENG_MAX_OVERRIDES;
	     i++) {
		if ((o = eng_override_get(ov->env.eng, i)) == NULL)
			continue;
		snprintf(ov->snap[ov->n].key, ENG_KEY_LEN, "%s", o->key);
		ov->snap[ov->n].value = o->value;
		ov->snap[ov->n].expires_ms = o->expires_ms;
		ov->n++;
	}
}

static void
persist(struct ovs *ov)
{
	snapshot(ov);
	(void)save(ov);
}

static void
event(struct ovs *ov, const char *type, const char *action, const char *key,
    double value, double ttl_s, const char *reason, const char *author,
    const char *via, const char *msg)
{
	cJSON *f = cJSON_CreateObject();

	cJSON_AddStringToObject(f, "action", action);
	cJSON_AddStringToObject(f, "key", key);
	if (isfinite(value))
		cJSON_AddNumberToObject(f, "value", value);
	if (ttl_s > 0)
		cJSON_AddNumberToObject(f, "ttl_s", ttl_s);
	if (reason != NULL && reason[0] != '\0')
		cJSON_AddStringToObject(f, "reason", reason);
	if (author != NULL && author[0] != '\0')
		cJSON_AddStringToObject(f, "author", author);
	if (via != NULL)
		cJSON_AddStringToObject(f, "via", via);
	if (msg != NULL && msg[0] != '\0')
		cJSON_AddStringToObject(f, "message", msg);
	if (ov->id[0] != '\0' && strcmp(via, "engine") != 0 &&
	    strcmp(via, "restart") != 0)
		cJSON_AddStringToObject(f, "id", ov->id);
	if (ov->env.event != NULL)
		ov->env.event(ov->env.arg, type, f);
	else
		cJSON_Delete(f);
}

static const struct eng_override *
find(const struct ovs *ov, const char *key)
{
	const struct eng_override *o;
	int i;

	for (i = 0; i < eng_override_count(ov->env.eng); i++)
		if ((o = eng_override_get(ov->env.eng, i)) != NULL &&
		    strcmp(o->key, key) == 0)
			return o;
	return NULL;
}

int
ovs_apply(struct ovs *ov, const char *key, double value, double ttl_s,
    const char *reason, const char *author, const char *via, char *msg,
    size_t len)
{
	const struct eng_override *o;
	struct eng_override next;
	int64_t now = loop_now_ms(ov->env.loop);
	char err[256];
	double v;
	int rc;

	if (len > 0)
		msg[0] = '\0';
	if (via == NULL)
		via = "unknown";
	if (key == NULL || reason == NULL || reason[0] == '\0' ||
	    author == NULL || author[0] == '\0') {
		snprintf(msg, len, "%s: a reason and an author are required",
		    key != NULL ? key : "override");
		rc = -1;
		goto refused;
	}
	rc = eng_override_check_scope(ov->env.eng, key, value, ttl_s,
	    ENG_SCOPE_HOST, &v, err, sizeof(err));
	snprintf(msg, len, "%s", err);
	if (rc < 0)
		goto refused;
	/* Persist before acknowledging: what eng_override_set() will keep. */
	memset(&next, 0, sizeof(next));
	snprintf(next.key, sizeof(next.key), "%s", key);
	next.value = v;
	next.expires_ms = now + (int64_t)ceil(ttl_s * 1000.0);
	snprintf(next.reason, sizeof(next.reason), "%s", reason);
	snprintf(next.author, sizeof(next.author), "%s", author);
	if (save_first(ov, key, &next, msg, len) < 0) {
		rc = -1;
		goto refused;
	}
	rc = eng_override_set(ov->env.eng, key, value, ttl_s, reason, author,
	    now, err, sizeof(err));
	snprintf(msg, len, "%s", err);
	if (rc < 0) /* cannot happen: checked above, nothing ran since */
		goto refused;
	o = find(ov, key);
	log_info("override %s = %g for %.0f s by %s via %s: %s%s%s", key,
	    o != NULL ? o->value : value, ttl_s, author, via, reason,
	    rc == 1 ? "; " : "", rc == 1 ? err : "");
	event(ov, "override", "set", key, o != NULL ? o->value : value, ttl_s,
	    reason, author, via, rc == 1 ? err : NULL);
	snapshot(ov);
	return rc;
refused:
	log_warnx("override %s by %s via %s refused: %s",
	    key != NULL ? key : "(none)", author != NULL ? author : "(nobody)",
	    via, msg);
	event(ov, "override_rejected", "set", key != NULL ? key : "", value,
	    ttl_s, reason, author, via, msg);
	return -1;
}

void
ovs_set_id(struct ovs *ov, const char *id)
{
	if (ov != NULL)
		snprintf(ov->id, sizeof(ov->id), "%s", id != NULL ? id : "");
}

int
ovs_clear(struct ovs *ov, const char *key, const char *author, const char *via,
    char *msg, size_t len)
{
	if (len > 0)
		msg[0] = '\0';
	if (via == NULL)
		via = "unknown";
	if (key == NULL || find(ov, key) == NULL) {
		snprintf(msg, len, "no override \"%s\" in force",
		    key != NULL ? key : "");
		return -1;
	}
	if (save_first(ov, key, NULL, msg, len) < 0) {
		log_warnx("override %s clear by %s via %s refused: %s", key,
		    author != NULL ? author : "?", via, msg);
		event(ov, "override_rejected", "clear", key, NAN, 0, NULL,
		    author, via, msg);
		return -1;
	}
	eng_override_clear(ov->env.eng, key);
	log_info("override %s cleared by %s via %s", key,
	    author != NULL ? author : "?", via);
	event(ov, "override", "clear", key, NAN, 0, NULL, author, via, NULL);
	snapshot(ov);
	return 0;
}

void
ovs_sync(struct ovs *ov)
{
	const struct eng_override *o;
	bool changed = false;
	int64_t now;
	int i;

	if (ov == NULL)
		return;
	now = loop_now_ms(ov->env.loop);
	for (i = 0; i < ov->n; i++) {
		o = find(ov, ov->snap[i].key);
		if (o != NULL) {
			if (o->value != ov->snap[i].value ||
			    o->expires_ms != ov->snap[i].expires_ms)
				changed = true;
			continue;
		}
		changed = true;
		if (ov->snap[i].expires_ms <= now) {
			log_info("override %s expired", ov->snap[i].key);
			event(ov, "override", "expired", ov->snap[i].key, NAN,
			    0, NULL, NULL, "engine", NULL);
		}
	}
	if (eng_override_count(ov->env.eng) != ov->n)
		changed = true;
	if (changed)
		persist(ov);
}

static int64_t
sync_cb(struct loop *l, int64_t now_ms, void *arg)
{
	(void)l;
	(void)now_ms;
	ovs_sync(arg);
	return OVR_SYNC_MS;
}

static void
set_aside(const struct ovs *ov, const char *why)
{
	char bad[PATH_MAX + 48];

	snprintf(bad, sizeof(bad), "%s.corrupt", ov->path);
	if (rename(ov->path, bad) == 0)
		log_warnx("overrides: %s: %s; moved aside to %s, starting "
			  "without persisted overrides",
		    ov->path, why, bad);
	else
		log_warn(
		    "overrides: %s: %s; cannot move it aside", ov->path, why);
}

static void
restore_one(struct ovs *ov, const cJSON *e, double now_wall, int idx)
{
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(e, "key");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "value");
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(e, "expires_unix");
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(e, "reason");
	const cJSON *au = cJSON_GetObjectItemCaseSensitive(e, "author");
	double left, max = ov->env.conf->engine.policy.max_override_ttl_s;
	char err[256];
	int rc;

	if (!cJSON_IsString(k) || !cJSON_IsNumber(v) || !cJSON_IsNumber(x) ||
	    !cJSON_IsString(r) || !cJSON_IsString(au)) {
		log_warnx("overrides: entry %d is malformed, ignoring", idx);
		return;
	}
	left = x->valuedouble - now_wall;
	if (!(left > 0)) {
		log_info("overrides: %s expired while the daemon was down",
		    k->valuestring);
		return;
	}
	if (left > max) {
		/* A clock set back, or a lower maximum since: never keep an
		 * override longer than the config allows. */
		log_warnx("overrides: %s has %.0f s left, more than the "
			  "maximum of %.0f s; shortened",
		    k->valuestring, left, max);
		left = max;
	}
	rc = eng_override_set(ov->env.eng, k->valuestring, v->valuedouble, left,
	    r->valuestring, au->valuestring, loop_now_ms(ov->env.loop), err,
	    sizeof(err));
	if (rc < 0) {
		log_warnx(
		    "overrides: %s not restored: %s", k->valuestring, err);
		return;
	}
	log_info("override %s = %g restored (%.0f s left, by %s: %s)%s%s",
	    k->valuestring, v->valuedouble, left, au->valuestring,
	    r->valuestring, rc == 1 ? "; " : "", rc == 1 ? err : "");
	event(ov, "override", "restore", k->valuestring, v->valuedouble, left,
	    r->valuestring, au->valuestring, "restart", rc == 1 ? err : NULL);
}

/* Returns true when a file was there (even a bad one). */
static bool
load(struct ovs *ov)
{
	const cJSON *ver, *list, *e;
	cJSON *root;
	size_t len = 0;
	char *text;
	int i = 0;

	text = fio_read_bounded(ov->path, OVR_MAX_FILE, &len);
	if (text == NULL) {
		bool bad = errno == EINVAL || errno == EFBIG;

		if (bad)
			set_aside(ov, "not a regular file of a sane size");
		else if (errno != ENOENT)
			log_warn("overrides: cannot read %s", ov->path);
		return bad;
	}
	root = cJSON_ParseWithLength(text, len);
	free(text);
	if (root == NULL) {
		set_aside(ov, "not valid JSON");
		return true;
	}
	ver = cJSON_GetObjectItemCaseSensitive(root, "v");
	list = cJSON_GetObjectItemCaseSensitive(root, "overrides");
	if (!cJSON_IsObject(root) || !cJSON_IsNumber(ver) ||
	    ver->valuedouble != OVR_FILE_VERSION || !cJSON_IsArray(list)) {
		cJSON_Delete(root);
		set_aside(ov, "not a version 1 overrides file");
		return true;
	}
	cJSON_ArrayForEach(e, list) restore_one(ov, e, wt_now(), i++);
	cJSON_Delete(root);
	return true;
}

static void
set_path(struct ovs *ov, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", ov->env.conf->agent.state_dir, OVR_FILE);
}

struct ovs *
ovs_create(const struct ovs_env *env)
{
	struct ovs *ov = calloc(1, sizeof(*ov));
	bool had_file;

	if (ov == NULL)
		return NULL;
	ov->env = *env;
	set_path(ov, ov->path, sizeof(ov->path));
	had_file = load(ov);
	snapshot(ov);
	/* Rewrite at once: expired and refused entries are dropped. */
	if (had_file)
		(void)save(ov);
	ov->timer = loop_add_timer(ov->env.loop, OVR_SYNC_MS, sync_cb, ov);
	loop_set_timer_slack(ov->env.loop, ov->timer, OVR_SYNC_MS);
	return ov;
}

void
ovs_free(struct ovs *ov)
{
	if (ov == NULL)
		return;
	if (ov->timer > 0)
		loop_del_timer(ov->env.loop, ov->timer);
	ovs_sync(ov);
	free(ov);
}

void
ovs_reload(struct ovs *ov)
{
	char path[sizeof(ov->path)];

	if (ov == NULL)
		return;
	set_path(ov, path, sizeof(path));
	if (strcmp(path, ov->path) == 0)
		return;
	log_info("overrides: now kept in %s", path);
	snprintf(ov->path, sizeof(ov->path), "%s", path);
	persist(ov);
}
