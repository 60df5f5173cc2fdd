/*
 * conf_actions.h - the "actions" group of thermwatch.conf: the hooks the
 * agent runs (argv arrays, never shell strings), their timeouts, the
 * migrate retries, the graceful shutdown sequence (event ack wait, BMC
 * watchdog margin) and the boot guard. See thermwatch.conf(5), actions.
 */
#ifndef THERMWATCH_CONF_ACTIONS_H
#define THERMWATCH_CONF_ACTIONS_H

#include "conf_util.h"

/* The hooks, in the order of the config keys. */
enum act_kind {
	ACT_NOTIFY,    /* every state change */
	ACT_MIGRATE,   /* entering hot or a zone alarm */
	ACT_SHUTDOWN,  /* the graceful shutdown */
	ACT_BOOT_HOLD, /* on_boot_hold: start in hold */
	ACT_KIND_COUNT
};

/* "notify", "migrate", "shutdown", "on_boot_hold". */
extern const char *const act_kind_names[ACT_KIND_COUNT];

struct actions_hook_conf {
	char **argv;      /* NULL-terminated; NULL or empty = none */
	double timeout_s; /* then SIGTERM, then SIGKILL */
	int line;         /* where the file sets it; 0: the default */
};

struct actions_conf {
	bool dry_run;
	struct actions_hook_conf hook[ACT_KIND_COUNT];
	double kill_after_s;      /* SIGTERM -> SIGKILL grace */
	int output_max_bytes;     /* hook output logged per run */
	int migrate_retries;      /* extra attempts while hot */
	double migrate_backoff_s; /* first retry delay, then doubled */
	double migrate_backoff_max_s;
	int shutdown_retries; /* extra attempts when failed */
	double shutdown_retry_s;
	double event_ack_wait_s;  /* bound: the broker's PUBACK */
	double watchdog_margin_s; /* BMC countdown: lead + this */
	double watchdog_wait_s;   /* bound: BMC confirms the arm */
	bool boot_guard;
	double resume_margin_c; /* cool: this far below warn */
	double resume_hold_s;   /* cool this long: hold clears */
};

void actions_conf_defaults(struct actions_conf *c);
/* group may be NULL (absent: defaults stay). */
void actions_conf_parse(
    struct cnf_ctx *ctx, const config_setting_t *group, struct actions_conf *c);
void actions_conf_emit(config_setting_t *root, const struct actions_conf *c);
void actions_conf_free(struct actions_conf *c);

#endif
