/*
 * ctl.h - the local control socket (after OpenBSD ntpd control.c): a unix
 * stream socket at control.socket speaking the line-oriented JSON protocol
 * of ctl_proto.h to thermwatchctl(8).
 *
 * Everything runs on the agent's loop and never blocks it: the listener
 * and the clients are non-blocking, requests and responses are buffered
 * per client, the number of clients is capped (CTL_MAX_CLIENTS) and idle
 * clients are dropped after CTL_IDLE_S.
 */
#ifndef THERMWATCH_CTL_H
#define THERMWATCH_CTL_H

#include "ctl_proto.h"

struct agent;
struct ctl;

#define CTL_MAX_CLIENTS 16
#define CTL_IDLE_S      60

/*
 * Create the socket at a->conf.control.socket (the parent directory is
 * created when missing, a stale socket is replaced, one that a running
 * daemon still answers on is left alone) and start serving. NULL, with
 * the reason logged, when it cannot: the daemon runs on without it.
 */
struct ctl *ctl_create(struct agent *a);
/* Close every client, close and unlink the socket. NULL is a no-op. */
void ctl_free(struct ctl *c);
/*
 * After a reload swapped a->conf: move the socket when control.socket
 * changed (or retry when there was none), apply a new control.mode.
 */
void ctl_reload(struct agent *a);

#endif
