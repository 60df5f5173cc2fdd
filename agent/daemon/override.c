/*
 * override.c - overrides: apply, announce, persist, restore. See override.h.
 *
 * overrides.json:
 *
 *	{"v":1,"written":"2026-11-25T03:00:00Z","overrides":[
 *	  {"key":"cpu.shutdown.margin_c","value":8,
 *	   "expires_unix":1764043200.5,"expires":"2026-11-25T04:00:00Z",
 *	   "reason":"AC work","author":"alice"}]}
 *
 * Written to a temporary file, fsync'ed and renamed over the old one, so a
 * crash leaves either the old or the new set, never half of one.
 */
#include "override.h"

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

#include "agent.h"
#include "fileio.h"
#include "log.h"

#define OVR_SYNC_MS  1000
#define OVR_MAX_FILE (256 * 1024)

struct ovr_snap {
	char key[ENG_KEY_LEN];
	double value;
	int64_t expires_ms;
};

struct ovr {
	struct agent *a;
	char path[PATH_MAX + 32];
	int timer;
	int n;
	struct ovr_snap snap[ENG_MAX_OVERRIDES];
};

static double
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
iso_time(double unix_s, char *buf, size_t len)
{
	time_t t = (time_t)unix_s;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "?");
}

/* The wall-clock time at which a monotonic time comes (or came). */
static double
mono_to_wall(const struct agent *a, int64_t mono_ms)
{
	return wall_now() + (double)(mono_ms - loop_now_ms(a->loop)) / 1000.0;
}

static cJSON *
entry_json(const struct agent *a, const struct eng_override *o, int64_t now_ms)
{
	cJSON *j = cJSON_CreateObject();
	double at = mono_to_wall(a, o->expires_ms);
	char iso[32];

	iso_time(at, iso, sizeof(iso));
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
ovr_list_json(const struct agent *a, int64_t now_ms)
{
	cJSON *arr = cJSON_CreateArray();
	const struct eng_override *o;
	int i;

	for (i = 0; i < eng_override_count(a->eng); i++)
		if ((o = eng_override_get(a->eng, i)) != NULL)
			cJSON_AddItemToArray(arr, entry_json(a, o, now_ms));
	return arr;
}

/* Write the overrides in force; 0 or -errno (logged). */
static int
save(struct ovr *ov)
{
	struct agent *a = ov->a;
	char iso[32];
	cJSON *root;
	char *text;
	int rc;

	root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "v", OVR_FILE_VERSION);
	iso_time(wall_now(), iso, sizeof(iso));
	cJSON_AddStringToObject(root, "written", iso);
	cJSON_AddItemToObject(
	    root, "overrides", ovr_list_json(a, loop_now_ms(a->loop)));
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (text == NULL) {
		log_warnx("overrides: out of memory, not saved");
		return -ENOMEM;
	}
	if (mkdir(a->conf.agent.state_dir, 0750) != 0 && errno != EEXIST)
		log_warn("overrides: mkdir %s", a->conf.agent.state_dir);
	rc = fio_replace(ov->path, text, 0640);
	free(text);
	if (rc != 0) {
		log_warn("overrides: cannot save %s", ov->path);
		return rc;
	}
	return 0;
}

static void
snapshot(struct ovr *ov)
{
	const struct eng_override *o;
	int i;

	ov->n = 0;
	for (i = 0;
	     i < eng_override_count(ov->a->eng) && ov->n < ENG_MAX_OVERRIDES;
	     i++) {
		if ((o = eng_override_get(ov->a->eng, i)) == NULL)
			continue;
		snprintf(ov->snap[ov->n].key, ENG_KEY_LEN, "%s", o->key);
		ov->snap[ov->n].value = o->value;
		ov->snap[ov->n].expires_ms = o->expires_ms;
		ov->n++;
	}
}

static void
persist(struct agent *a)
{
	if (a->ovr == NULL)
		return;
	snapshot(a->ovr);
	(void)save(a->ovr);
}

void
ovr_save(struct agent *a)
{
	persist(a);
}

static void
event(struct agent *a, const char *type, const char *action, const char *key,
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
	agent_event(a, type, f);
}

static const struct eng_override *
find(const struct agent *a, const char *key)
{
	const struct eng_override *o;
	int i;

	for (i = 0; i < eng_override_count(a->eng); i++)
		if ((o = eng_override_get(a->eng, i)) != NULL &&
		    strcmp(o->key, key) == 0)
			return o;
	return NULL;
}

int
ovr_apply(struct agent *a, const char *key, double value, double ttl_s,
    const char *reason, const char *author, const char *via, char *msg,
    size_t len)
{
	const struct eng_override *o;
	char err[256];
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
	rc = eng_override_set(a->eng, key, value, ttl_s, reason, author,
	    loop_now_ms(a->loop), err, sizeof(err));
	snprintf(msg, len, "%s", err);
	if (rc < 0)
		goto refused;
	o = find(a, key);
	log_info("override %s = %g for %.0f s by %s via %s: %s%s%s", key,
	    o != NULL ? o->value : value, ttl_s, author, via, reason,
	    rc == 1 ? "; " : "", rc == 1 ? err : "");
	event(a, "override", "set", key, o != NULL ? o->value : value, ttl_s,
	    reason, author, via, rc == 1 ? err : NULL);
	persist(a);
	return rc;
refused:
	log_warnx("override %s by %s via %s refused: %s",
	    key != NULL ? key : "(none)", author != NULL ? author : "(nobody)",
	    via, msg);
	event(a, "override_rejected", "set", key != NULL ? key : "", value,
	    ttl_s, reason, author, via, msg);
	return -1;
}

int
ovr_check(struct agent *a, const char *key, double value, double ttl_s,
    char *msg, size_t len)
{
	const struct eng_override *o = find(a, key);
	int64_t now = loop_now_ms(a->loop);
	struct eng_override prior;
	bool had = o != NULL;
	char err[256];
	int rc;

	if (had)
		prior = *o;
	rc = eng_override_set(
	    a->eng, key, value, ttl_s, "check", "check", now, msg, len);
	if (rc < 0)
		return rc;
	/* put back what was there */
	/* (the half millisecond keeps the engine's ceil() on the same ms) */
	if (had && prior.expires_ms > now)
		(void)eng_override_set(a->eng, prior.key, prior.value,
		    ((double)(prior.expires_ms - now) - 0.5) / 1000.0,
		    prior.reason, prior.author, now, err, sizeof(err));
	else
		(void)eng_override_clear(a->eng, key);
	return rc;
}

int
ovr_clear(struct agent *a, const char *key, const char *author, const char *via,
    char *msg, size_t len)
{
	if (len > 0)
		msg[0] = '\0';
	if (via == NULL)
		via = "unknown";
	if (key == NULL || eng_override_clear(a->eng, key) != 0) {
		snprintf(msg, len, "no override \"%s\" in force",
		    key != NULL ? key : "");
		return -1;
	}
	log_info("override %s cleared by %s via %s", key,
	    author != NULL ? author : "?", via);
	event(a, "override", "clear", key, NAN, 0, NULL, author, via, NULL);
	persist(a);
	return 0;
}

void
ovr_sync(struct agent *a)
{
	struct ovr *ov = a->ovr;
	const struct eng_override *o;
	int64_t now = loop_now_ms(a->loop);
	bool changed = false;
	int i;

	if (ov == NULL)
		return;
	for (i = 0; i < ov->n; i++) {
		o = find(a, ov->snap[i].key);
		if (o != NULL) {
			if (o->value != ov->snap[i].value ||
			    o->expires_ms != ov->snap[i].expires_ms)
				changed = true;
			continue;
		}
		changed = true;
		if (ov->snap[i].expires_ms <= now) {
			log_info("override %s expired", ov->snap[i].key);
			event(a, "override", "expired", ov->snap[i].key, NAN, 0,
			    NULL, NULL, "engine", NULL);
		}
	}
	if (eng_override_count(a->eng) != ov->n)
		changed = true;
	if (changed)
		persist(a);
}

static int64_t
sync_cb(struct loop *l, int64_t now_ms, void *arg)
{
	(void)l;
	(void)now_ms;
	ovr_sync(arg);
	return OVR_SYNC_MS;
}

static void
set_aside(const struct ovr *ov, const char *why)
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

static char *
read_file(const char *path, size_t *lenp, const char **why)
{
	struct stat st;
	char *buf;
	ssize_t r;
	size_t n = 0;
	int fd;

	*why = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno != ENOENT)
			log_warn("overrides: cannot read %s", path);
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > OVR_MAX_FILE) {
		*why = "not a regular file of a sane size";
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return NULL;
	}
	while (n < (size_t)st.st_size) {
		r = read(fd, buf + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*lenp = n;
	return buf;
}

static void
restore_one(struct agent *a, const cJSON *e, double now_wall, int idx)
{
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(e, "key");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "value");
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(e, "expires_unix");
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(e, "reason");
	const cJSON *au = cJSON_GetObjectItemCaseSensitive(e, "author");
	double left, max = a->conf.engine.policy.max_override_ttl_s;
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
	rc = eng_override_set(a->eng, k->valuestring, v->valuedouble, left,
	    r->valuestring, au->valuestring, loop_now_ms(a->loop), err,
	    sizeof(err));
	if (rc < 0) {
		log_warnx(
		    "overrides: %s not restored: %s", k->valuestring, err);
		return;
	}
	log_info("override %s = %g restored (%.0f s left, by %s: %s)%s%s",
	    k->valuestring, v->valuedouble, left, au->valuestring,
	    r->valuestring, rc == 1 ? "; " : "", rc == 1 ? err : "");
	event(a, "override", "restore", k->valuestring, v->valuedouble, left,
	    r->valuestring, au->valuestring, "restart", rc == 1 ? err : NULL);
}

/* Returns true when a file was there (even a bad one). */
static bool
load(struct ovr *ov)
{
	const cJSON *ver, *list, *e;
	const char *why = NULL;
	cJSON *root;
	size_t len = 0;
	char *text;
	int i = 0;

	text = read_file(ov->path, &len, &why);
	if (text == NULL) {
		if (why != NULL)
			set_aside(ov, why);
		return why != NULL;
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
	cJSON_ArrayForEach(e, list) restore_one(ov->a, e, wall_now(), i++);
	cJSON_Delete(root);
	return true;
}

struct ovr *
ovr_create(struct agent *a)
{
	struct ovr *ov = calloc(1, sizeof(*ov));
	bool had_file;

	if (ov == NULL)
		return NULL;
	ov->a = a;
	snprintf(ov->path, sizeof(ov->path), "%s/%s", a->conf.agent.state_dir,
	    OVR_FILE);
	a->ovr = ov;
	had_file = load(ov);
	snapshot(ov);
	/* Rewrite at once: expired and refused entries are dropped. */
	if (had_file)
		(void)save(ov);
	ov->timer = loop_add_timer(a->loop, OVR_SYNC_MS, sync_cb, a);
	return ov;
}

void
ovr_free(struct ovr *ov)
{
	if (ov == NULL)
		return;
	if (ov->timer > 0)
		loop_del_timer(ov->a->loop, ov->timer);
	ovr_sync(ov->a);
	ov->a->ovr = NULL;
	free(ov);
}

void
ovr_reload(struct agent *a)
{
	struct ovr *ov = a->ovr;
	char path[sizeof(ov->path)];

	if (ov == NULL)
		return;
	snprintf(
	    path, sizeof(path), "%s/%s", a->conf.agent.state_dir, OVR_FILE);
	if (strcmp(path, ov->path) == 0)
		return;
	log_info("overrides: now kept in %s", path);
	snprintf(ov->path, sizeof(ov->path), "%s", path);
	persist(a);
}
