/*
 * ctl_cmd.h - the control socket's commands: one request line in, one
 * response object out. Kept apart from the socket handling in ctl.c so
 * that the commands can be tested without a socket.
 */
#ifndef THERMWATCH_CTL_CMD_H
#define THERMWATCH_CTL_CMD_H

#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "log.h"

struct agent;

/* Who is asking (SO_PEERCRED). */
struct ctl_peer {
	uid_t uid;
	pid_t pid;
	const char *user; /* user name, or "uid N" */
};

/*
 * Parse, validate and run one request (len bytes, no newline). Always
 * returns a response object: {"v":1,"ok":true,"cmd":...,"result":...}
 * or {"v":1,"ok":false,"error":"..."}; never NULL except out of memory.
 */
cJSON *ctl_handle(
    struct agent *a, const struct ctl_peer *peer, const char *line, size_t len);

/* {"v":1,"ok":false,"cmd":cmd,"id":id,"error":...}; cmd, id may be NULL. */
cJSON *ctl_error_response(
    const char *cmd, const cJSON *id, const char *fmt, ...) LOG_FMT(3, 4);

#endif
