/*
 * override_store.h - the one way operator overrides enter the daemon
 * (control socket, MQTT): checked and applied to the engine, announced as
 * an "override" event, and persisted in <state_dir>/overrides.json so that
 * a restart keeps them.
 *
 * The file stores each expiry as wall-clock time (monotonic clocks start
 * again at boot); on start the overrides still in force are re-applied
 * with the time they have left. Expiry itself is the engine's, on the
 * monotonic clock: a 1 s timer here notices expired (or otherwise
 * changed) overrides, announces them and rewrites the file.
 */
#ifndef THERMWATCH_OVERRIDE_STORE_H
#define THERMWATCH_OVERRIDE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "conf.h"
#include "engine.h"
#include "loop.h"

#define OVR_FILE         "overrides.json"
#define OVR_FILE_VERSION 1

struct ovs;

/* What the store works with (copied by ovs_create). */
struct ovs_env {
	struct loop *loop;             /* the time, the expiry timer */
	struct eng *eng;               /* where overrides take effect */
	const struct agent_conf *conf; /* agent.state_dir, the ttl limit;
					  read live (a reload updates it) */
	/* "override" and "override_rejected" events; fields consumed. */
	void (*event)(void *arg, const char *type, cJSON *fields);
	void *arg;
};

/*
 * Load <state_dir>/overrides.json into the engine and start watching for
 * expiry. A missing file is normal; a corrupt one is logged and renamed
 * to overrides.json.corrupt. NULL only when out of memory.
 */
struct ovs *ovs_create(const struct ovs_env *env);
/* Write the file one last time and stop. NULL is a no-op. */
void ovs_free(struct ovs *s);
/* After a reload: follow a new agent.state_dir (the overrides in force
 * are written there; the engine keeps them across the reload). */
void ovs_reload(struct ovs *s);

/*
 * Set (or replace) an override. reason and author are required, via says
 * where it came from ("control", "mqtt host", ...). Returns what
 * eng_override_set() returns: 0 applied, 1 applied but clamped, -1
 * refused; msg then says how or why (it is "" when applied as asked).
 * The file is written first: when it cannot be (a full disk), the
 * override is refused with the reason and the engine does not take it.
 * Emits an "override" (or "override_rejected") event.
 * eng_override_check() says beforehand what this would do.
 */
int ovs_apply(struct ovs *s, const char *key, double value, double ttl_s,
    const char *reason, const char *author, const char *via, char *msg,
    size_t len);
/* The id of the request the next ovs_apply/ovs_clear handle (a remote
 * request's "id"), echoed as "id" in the events they emit; NULL or ""
 * for none. It stays until set again. */
void ovs_set_id(struct ovs *s, const char *id);
/* Remove an override. 0, or -1 (msg says why) when none has that key or
 * the file cannot be written (then it stays in force). */
int ovs_clear(struct ovs *s, const char *key, const char *author,
    const char *via, char *msg, size_t len);

/*
 * Notice overrides that changed in the engine behind our back (expired):
 * announce expiries and rewrite the file. Called by the timer; cheap when
 * nothing changed.
 */
void ovs_sync(struct ovs *s);

/*
 * The overrides in force as a JSON array of objects: key, value,
 * expires_in_s, expires (ISO 8601 UTC), expires_unix, reason, author.
 */
cJSON *ovs_list_json(const struct ovs *s, int64_t now_ms);

#endif
