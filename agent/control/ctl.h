/*
 * ctl.h - the local control socket (after OpenBSD ntpd control.c): a unix
 * stream socket at control.socket speaking the line-oriented JSON protocol
 * of ctl_proto.h to thermwatchctl(8).
 *
 * Everything runs on the agent's loop and never blocks it: the listener
 * and the clients are non-blocking, requests and responses are buffered
 * per client, the number of clients is capped (CTL_MAX_CLIENTS) and idle
 * clients are dropped after CTL_IDLE_S.
 *
 * Fair to its clients: one user (other than root) holds at most
 * CTL_MAX_PER_UID connections, and when every slot is taken a newcomer
 * takes the slot of the client idle longest (at least CTL_EVICT_IDLE_MS),
 * so idle connections from local users never lock the operator out.
 */
#ifndef THERMWATCH_CTL_H
#define THERMWATCH_CTL_H

#include "ctl_cmd.h"
#include "ctl_proto.h"
#include "loop.h"

struct ctl;

/* Where the socket runs and what its commands act on (copied). */
struct ctl_env {
	struct loop *loop;
	const struct ctl_ops *ops;
	void *arg;
};

#define CTL_MAX_CLIENTS   16
#define CTL_MAX_PER_UID   4    /* connections per user; root: no limit */
#define CTL_IDLE_S        10   /* without a byte from the client */
#define CTL_EVICT_IDLE_MS 1000 /* idle at least this to make room */

/*
 * Create the socket at path with mode (control.socket, control.mode; the
 * parent directory is created when missing, a stale socket is replaced,
 * one that a running daemon still answers on is left alone) and start
 * serving. NULL, with the reason logged, when it cannot: the daemon runs
 * on without it.
 */
struct ctl *ctl_create(const struct ctl_env *env, const char *path, int mode);
/* Close every client, close and unlink the socket. NULL is a no-op. */
void ctl_free(struct ctl *c);
/*
 * After a reload: move the socket when the path changed (or retry when c
 * is NULL), else apply the mode. Returns the control socket in use now
 * (c, or a new one that replaced it, or NULL).
 */
struct ctl *ctl_reload(
    struct ctl *c, const struct ctl_env *env, const char *path, int mode);

#endif
