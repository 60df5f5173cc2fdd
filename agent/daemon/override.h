/*
 * override.h - the one way overrides enter the daemon (control socket,
 * MQTT): applied to the engine, announced as an "override" event, and
 * persisted in <state_dir>/overrides.json so that a restart keeps them.
 *
 * The file stores each expiry as wall-clock time (monotonic clocks start
 * again at boot); on start the overrides still in force are re-applied
 * with the time they have left. Expiry itself is the engine's, on the
 * monotonic clock: a 1 s timer here notices expired (or otherwise
 * changed) overrides, announces them and rewrites the file.
 */
#ifndef THERMWATCH_OVERRIDE_H
#define THERMWATCH_OVERRIDE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct agent;
struct ovr;

#define OVR_FILE         "overrides.json"
#define OVR_FILE_VERSION 1

/*
 * Load <state_dir>/overrides.json into a->eng (which must exist) and start
 * watching for expiry. A missing file is normal; a corrupt one is logged
 * and renamed to overrides.json.corrupt. NULL only when out of memory.
 */
struct ovr *ovr_create(struct agent *a);
/* Write the file one last time and stop. NULL is a no-op. */
void ovr_free(struct ovr *o);
/* After a reload: follow a new agent.state_dir (the overrides in force
 * are written there; the engine keeps them across the reload). */
void ovr_reload(struct agent *a);

/*
 * Set (or replace) an override. reason and author are required, via says
 * where it came from ("control", "mqtt", ...). Returns what
 * eng_override_set() returns: 0 applied, 1 applied but clamped, -1 refused;
 * msg then says how or why (it is "" when applied as asked). Emits an
 * "override" (or "override_rejected") event and persists the overrides.
 * Usable before ovr_create() and when a->ovr is NULL (not persisted then).
 */
int ovr_apply(struct agent *a, const char *key, double value, double ttl_s,
    const char *reason, const char *author, const char *via, char *msg,
    size_t len);
/*
 * What ovr_apply() would do, without doing it: 0 accepted as is, 1 it
 * would be clamped, -1 refused; msg says how or why. The engine is left
 * as it was (an override already in force with that key is kept).
 */
int ovr_check(struct agent *a, const char *key, double value, double ttl_s,
    char *msg, size_t len);
/* Remove an override. 0, or -1 (msg says why) when none has that key. */
int ovr_clear(struct agent *a, const char *key, const char *author,
    const char *via, char *msg, size_t len);

/*
 * Write the overrides in force now. For code that changes them straight
 * through eng_override_set()/eng_override_clear() and announces them
 * itself (without it, ovr_sync() writes them within a second).
 */
void ovr_save(struct agent *a);

/*
 * Notice overrides that changed in the engine behind our back (expired, or
 * set straight through eng_override_set()): announce expiries and rewrite
 * the file. Called by the timer; cheap when nothing changed.
 */
void ovr_sync(struct agent *a);

/*
 * The overrides in force as a JSON array of objects: key, value,
 * expires_in_s, expires (ISO 8601 UTC), expires_unix, reason, author.
 */
cJSON *ovr_list_json(const struct agent *a, int64_t now_ms);

#endif
