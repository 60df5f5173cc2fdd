/*
 * ctl_cmd.h - the control socket's commands: one request line in, one
 * response object out. The request is checked here (protocol version,
 * command, each member's type, size and range; the override key and ttl);
 * what it acts on is reached through struct ctl_ops, which the daemon
 * fills in (and a test can fill in with stand-ins). Kept apart from the
 * socket handling in ctl.c so that the commands can be tested without a
 * socket.
 */
#ifndef THERMWATCH_CTL_CMD_H
#define THERMWATCH_CTL_CMD_H

#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "log.h"

/* Who is asking (SO_PEERCRED). */
struct ctl_peer {
	uid_t uid;
	pid_t pid;
	const char *user; /* user name, or "uid N" */
};

/*
 * What the commands act on. Each gets the arg of ctl_handle(). The
 * override calls return 0 applied, 1 applied but clamped, -1 refused,
 * with msg saying how or why (override_check changes nothing).
 */
struct ctl_ops {
	cJSON *(*status)(void *arg);    /* the "status" result */
	cJSON *(*sensors)(void *arg);   /* the "sensors" result */
	cJSON *(*overrides)(void *arg); /* the overrides in force */
	double (*max_ttl_s)(void *arg); /* policy.max_override_ttl_s */
	int (*override_check)(void *arg, const char *key, double value,
	    double ttl_s, char *msg, size_t len);
	int (*override_set)(void *arg, const char *key, double value,
	    double ttl_s, const char *reason, const char *author,
	    const char *via, char *msg, size_t len);
	int (*override_clear)(void *arg, const char *key, const char *author,
	    const char *via, char *msg, size_t len);
	/* Clear the boot guard's hold; its reason goes into was. 0, or -1
	 * with err (no hold, no actions module). */
	int (*hold_clear)(void *arg, const char *who, const char *reason,
	    char *was, size_t wlen, char *err, size_t errlen);
	/* Rescan the sensors; returns how many the engine has now. */
	int (*rescan)(void *arg);
};

/*
 * Parse, validate and run one request (len bytes, no newline). Always
 * returns a response object: {"v":1,"ok":true,"cmd":...,"result":...}
 * or {"v":1,"ok":false,"error":"..."}; never NULL except out of memory.
 */
cJSON *ctl_handle(const struct ctl_ops *ops, void *arg,
    const struct ctl_peer *peer, const char *line, size_t len);

/* {"v":1,"ok":false,"cmd":cmd,"id":id,"error":...}; cmd, id may be NULL. */
cJSON *ctl_error_response(
    const char *cmd, const cJSON *id, const char *fmt, ...) LOG_FMT(3, 4);

#endif
