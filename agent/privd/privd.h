/*
 * privd.h - thermwatch-privd, the privileged part of thermwatchd: serves one
 * agent on one connected SOCK_SEQPACKET socket (priv_proto.h). It runs the
 * hooks of its own copy of the configuration by kind (never a program the
 * agent names), with the agent's THERMWATCH_* variables, and arms the BMC
 * watchdog. Everything else is refused and logged.
 *
 * When the agent hangs up, its notify, migrate and on_boot_hold hooks are
 * killed (as the agent does when it stops), a shutdown hook is left to
 * finish, and prvd_serve() returns once nothing runs.
 */
#ifndef THERMWATCH_PRIVD_H
#define THERMWATCH_PRIVD_H

#include <sys/types.h>

struct prvd_opts {
	const char *conf_path; /* thermwatch.conf */
	/* The agent must run as this uid (SO_PEERCRED); -1: any. */
	uid_t peer_uid;
};

/*
 * Serve the agent on fd until it hangs up and no hook runs. Returns 0,
 * or 1 when it could not start (the configuration has errors, fd is not a
 * SOCK_SEQPACKET socket, the peer is not the agent's user): logged.
 */
int prvd_serve(int fd, const struct prvd_opts *o);

#endif
