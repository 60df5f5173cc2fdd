/*
 * action.h - what the agent does about the engine's decisions: the hooks
 * (notify, migrate, shutdown, on_boot_hold), the graceful shutdown
 * sequence with its BMC watchdog fallback, and the boot guard.
 *
 * notify	one run per state change (the engine's NOTIFY decisions and
 *		the boot guard's hold/clear), one at a time, in order.
 * migrate	on the engine's MIGRATE decision (entering hot) and when a
 *		zone alarm starts; never two at once; a failed run is retried
 *		with exponential backoff while the host is still hot (or the
 *		zone alarm lasts), up to actions.migrate_retries times.
 * shutdown	once per boot, on the engine's SHUTDOWN decision:
 *		  1. record the thermal shutdown in state_dir (first: the hook
 *		     may power the host off at once);
 *		  2. publish the "shutdown" event (QoS 1) and, at the same
 *		     time, arm the BMC watchdog (ipmi.watchdog.enabled) to
 *		     power the host down after shutdown.lead_s +
 *		     watchdog_margin_s;
 *		  3. run the shutdown hook once the broker acked the event
 *		     and the BMC confirmed the watchdog, or after
 *		     event_ack_wait_s / watchdog_wait_s at the latest; a
 *		     failed hook is retried shutdown_retries times.
 * boot guard	at start, when state_dir holds a thermal shutdown record,
 *		the agent is in "hold" (logged, an event, notify and
 *		on_boot_hold run) until every sensor has been at least
 *		resume_margin_c below its warn level, engine state ok,
 *		for resume_hold_s; or until an operator clears it
 *		(act_hold_clear, or removing the record file).
 *
 * Dry run (--dry-run or actions.dry_run): all of the above is decided,
 * logged and published ("would run ..."), but no hook is executed, the
 * BMC watchdog is not armed and state_dir is not written. With a
 * privileged part, a dry run goes there too: privd says what it would run
 * (and runs nothing when its own configuration says dry run either).
 *
 * Every run is reported as an "action" event: action, id (stable across
 * the retries of one action), attempt, result, exit code or signal,
 * duration. Hook output is logged line by line.
 *
 * The files: action.c (entry points), action_job.c (running a hook,
 * results, retries: the one place a process is started, through
 * action_hook.c, the part that needs root), notify.c, migrate.c,
 * shutdown.c, boot_guard.c.
 */
#ifndef THERMWATCH_ACTION_H
#define THERMWATCH_ACTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "conf.h"
#include "engine.h"
#include "loop.h"

struct act;
struct prv;

/* The thermal shutdown record, in agent.state_dir. */
#define ACT_RECORD_FILE  "thermal-shutdown"
#define ACT_CLEARED_FILE "thermal-shutdown.cleared"

/* A BMC watchdog request's end: ok is 1 when done; msg says what. */
typedef void (*act_wd_done_cb)(void *arg, int ok, const char *msg);

/* What the actions need from the rest of the daemon. */
struct act_env {
	struct loop *loop;
	const struct agent_conf *conf; /* read live: a reload updates it */
	const struct eng *eng;         /* sensor views: ids, classes, values */
	const struct eng_output *out;  /* the latest evaluation */
	bool dry_run;                  /* --dry-run (or actions.dry_run) */
	/* The privileged part that runs the hooks (priv_client.h), or NULL:
	 * they run here, as the agent's own user. */
	struct prv *priv;
	/* An event ("action", "shutdown", "watchdog", "hold",
	 * "hold_cleared"); fields is consumed. */
	void (*event)(void *arg, const char *type, cJSON *fields);
	/* The BMC watchdog: is there one now, and arm it (0, or -1 when
	 * busy; done comes later). NULL: no BMC. */
	bool (*watchdog_ready)(void *arg);
	int (*watchdog_arm)(
	    void *arg, int countdown_s, act_wd_done_cb done, void *done_arg);
	/* The broker's count of acknowledged events and of events still
	 * queued; false (or NULL) when there is no broker. */
	bool (*event_acks)(void *arg, uint64_t *acked, int *queued);
	/* The migrate hook's THERMWATCH_DESTINATIONS (thermwatchd(8)): a
	 * malloc'ed JSON array, or NULL when there is no view of the fleet
	 * (then it is not set). NULL: never set. */
	char *(*destinations)(void *arg);
	void *arg;
};

/*
 * Create the actions (env is copied). Runs the boot guard: may enter the
 * hold and start on_boot_hold. NULL on allocation failure (logged).
 */
struct act *act_create(const struct act_env *env);
/*
 * Stop: notify, migrate and on_boot_hold hooks still running are killed
 * (their process groups); a shutdown hook is left to finish. NULL is a
 * no-op.
 */
void act_free(struct act *act);

/* One decision of the current evaluation (env->out). */
void
act_decision(struct act *act, const struct eng_decision *d, int64_t now_ms);
/* Once per tick, after the decisions: zone alarm start (migrate, unless
 * eng_quiet()), end of the migrate retries when no longer hot, the boot
 * guard's cool-down. */
void act_tick(struct act *act, const struct eng_output *o, int64_t now_ms);

/* The boot guard: NULL when not holding, else why (for status/state). */
const char *act_hold_reason(const struct act *act);
/*
 * An operator clears the hold. who and reason go into the log and the
 * event. 0, or -1 with a message in err when there is no hold.
 */
int act_hold_clear(struct act *act, const char *who, const char *reason,
    char *err, size_t errlen);

struct act_stats {
	bool shutdown_started;
	bool migrate_running;
	bool migrate_retry_pending;
	int hooks_running;
	uint64_t runs;     /* hooks started */
	uint64_t failures; /* failed, timed out, killed, error */
};
void act_get_stats(const struct act *act, struct act_stats *st);

/*
 * --check-config: each hook's program exists and is executable (absolute,
 * or in ACT_HOOK_PATH). Errors go to err as "path:line: ..."; with
 * dry_run they are only said. Returns the number of errors.
 */
int act_check_hooks(
    const struct actions_conf *c, const char *path, bool dry_run, FILE *err);

#endif
