/*
 * priv_client.h - the agent's end of the channel to its privileged part
 * (thermwatch-privd, priv_proto.h): one connection to
 * thermwatch-priv.socket, made again (with backoff) whenever it is lost.
 * Hooks run there by kind, with the agent's THERMWATCH_* variables; the
 * BMC watchdog is armed there. Nothing here blocks the loop.
 */
#ifndef THERMWATCH_PRIV_CLIENT_H
#define THERMWATCH_PRIV_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "action_hook.h"
#include "conf_actions.h"
#include "loop.h"
#include "priv_proto.h"

struct prv;
struct prv_run;

/*
 * A run ended. r is as the local hook runner reports it (status error
 * with a reason in msg when privd refused the request, could not be
 * reached or hung up); st is privd's status, which adds PRV_DRY_RUN (not
 * run: a dry run here or in privd's configuration; msg is the argv it
 * would have run) and PRV_NONE (privd has no hook of that kind).
 */
typedef void (*prv_done_cb)(void *arg, const struct act_hook_result *r,
    enum prv_status st, const char *msg);

struct prv_run_spec {
	enum act_kind kind;
	const char *id;
	int attempt;
	bool dry_run;
	/* "NAME=value": the THERMWATCH_* ones are passed on (control
	 * characters made spaces, cut at the protocol's limit), others
	 * are dropped: privd sets PATH itself. */
	char *const *envp;
	act_hook_line_cb line; /* NULL: lines are dropped */
	prv_done_cb done;
	void *arg;
};

/* Connect to the socket at path (now and whenever the connection is
 * lost). NULL on allocation failure. */
struct prv *prv_create(struct loop *l, const char *path);
/* Pending runs and watchdog requests are dropped without their done. */
void prv_free(struct prv *p);
/* Connected, and privd said hello. */
bool prv_ready(const struct prv *p);

/*
 * Ask privd to run the hook of s->kind. NULL when the request cannot be
 * sent (not connected: err says why); else done comes exactly once,
 * unless the run is abandoned first.
 */
struct prv_run *prv_run_start(
    struct prv *p, const struct prv_run_spec *s, char *err, size_t errlen);
/* privd's pid of the hook, 0 until privd said it started. */
pid_t prv_run_pid(const struct prv_run *r);
/* Forget the run (done is not called); kill: privd SIGKILLs the hook. */
void prv_run_abandon(struct prv_run *r, bool kill);

/*
 * Arm the BMC watchdog through privd. 0 when sent (done comes later), -1
 * when not connected or a request is already waiting.
 */
int prv_watchdog_arm(struct prv *p, int countdown_s,
    void (*done)(void *arg, int ok, const char *msg), void *arg);
/* privd re-reads the configuration (after the agent's own reload). */
void prv_reload(struct prv *p);

#endif
