/*
 * action_int.h - internals shared by the files of the actions module
 * (action.c, action_job.c, notify.c, migrate.c, shutdown.c, boot_guard.c).
 * Not for other modules.
 */
#ifndef THERMWATCH_ACTION_INT_H
#define THERMWATCH_ACTION_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "action.h"
#include "action_hook.h"
#include "conf_actions.h"
#include "engine.h"

#define ACT_ID_LEN       96
#define ACT_NOTIFY_QUEUE 8
#define ACT_HOLD_LEN     320

/* Everything a hook run is told about, fixed when the action is decided. */
struct act_ctx {
	enum act_kind kind;
	char id[ACT_ID_LEN];
	int attempt;
	char state[16];
	char prev_state[16];
	char code[48];
	char reason[ACT_HOLD_LEN];
	char sensor[ENG_ID_LEN];
	double value_c;
	double trip_c;
	double eta_s;
};

/* One hook kind's current run. */
struct act_job {
	struct act *act;
	struct act_ctx ctx;
	struct act_hook *h; /* running, else NULL */
	int retry_timer;    /* waiting to retry, else 0 */
	bool active;        /* running or waiting to retry */
};

enum act_sd_phase {
	ACT_SD_IDLE,
	ACT_SD_WAIT, /* for the ack and the watchdog */
	ACT_SD_HOOK, /* hook running or retrying */
	ACT_SD_DONE
};

/* The BMC may answer after act_free(): it then finds dead set. */
struct act_wd_token {
	struct act *act;
	bool dead;
};

struct act {
	struct act_env env;
	int64_t t0_wall_s; /* for action ids */
	unsigned seq;

	struct act_job notify;
	struct act_ctx notify_q[ACT_NOTIFY_QUEUE];
	int nq_head;
	int nq_len;

	struct act_job migrate;
	bool zone_alarm; /* as of the last tick */

	struct act_job shutdown;
	enum act_sd_phase sd_phase;
	int64_t sd_t0_ms;
	bool ack_wait;
	uint64_t ack_target;
	int64_t ack_deadline_ms;
	bool wd_wait;
	int64_t wd_deadline_ms;
	int wd_countdown_s;
	struct act_wd_token *wd_token;
	int sd_poll_timer;

	struct act_job boot_hold;
	bool hold;
	char hold_reason[ACT_HOLD_LEN];
	int64_t cool_since_ms; /* -1 = not cool */

	uint64_t runs;
	uint64_t failures;
};

/* action.c */
bool act_dry_run(const struct act *act);
/* Hand an event to env.event (fields consumed). */
void act_event(struct act *act, const char *type, cJSON *fields);
/* A fresh id for a new action ("<host>-<start>-<n>"). */
void act_new_id(struct act *act, char *buf, size_t len);
/* Fill ctx from the current engine output and a decision (d may be NULL). */
void act_ctx_fill(struct act *act, struct act_ctx *ctx, enum act_kind kind,
    const struct eng_decision *d);

/* action_job.c */
/* Start a job's run now (dry run: report it). */
void act_job_run(struct act_job *job);
/* Drop a pending retry (a running hook goes on). */
void act_job_cancel_retry(struct act *act, struct act_job *job);

/* notify.c */
/* Start a notify run (queued behind a running one). */
void act_notify(struct act *act, const struct act_ctx *ctx);
/* The running notify ended: start the next one waiting. */
void act_notify_next(struct act *act);

/* migrate.c */
/* Hot, or in a zone alarm short of critical: migrating still helps. */
bool act_still_hot(const struct act *act);
void act_migrate_start(struct act *act, const struct eng_decision *d);
/* A zone alarm began: migrate load away (unless quiet). */
void act_migrate_zone(struct act *act, const struct eng_output *o);

/* shutdown.c */
void act_shutdown_start(
    struct act *act, const struct eng_decision *d, int64_t now_ms);
/* At create: warn when the watchdog margin eats the safety spare. */
void act_shutdown_check_conf(const struct act *act);
/* At free: stop waiting; a watchdog answer still to come is dropped. */
void act_shutdown_stop(struct act *act);

/* boot_guard.c */
/* Write the record (atomically); 0 or -1 (logged). */
int act_record_write(struct act *act, const struct act_ctx *ctx);
/* At start: enter the hold when a record is there. */
void act_guard_start(struct act *act);
void
act_guard_tick(struct act *act, const struct eng_output *o, int64_t now_ms);

#endif
