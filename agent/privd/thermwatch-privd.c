/*
 * thermwatch-privd - the privileged part of thermwatchd: runs the
 * configured hooks and arms the BMC watchdog for the agent, which runs as
 * an unprivileged user. Started by systemd for each connection to
 * thermwatch-priv.socket (Accept=yes), the connection passed as fd 3
 * ($LISTEN_FDS) or else on stdin. See thermwatchd(8), section PRIVILEGES.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "conf.h"
#include "log.h"
#include "privd.h"

#ifndef TW_VERSION
#define TW_VERSION "0"
#endif

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: thermwatch-privd [-f] [-v] [-c file] [-u user]\n"
	    "\n"
	    "Serves thermwatchd on the SOCK_SEQPACKET connection systemd\n"
	    "passes ($LISTEN_FDS), or else on stdin.\n"
	    "  -c, --config FILE   configuration (default %s)\n"
	    "  -u, --peer-user U   only an agent running as U may connect\n"
	    "  -f, --foreground    log to stderr instead of the journal\n"
	    "  -v, --verbose       more logging\n"
	    "  -V, --version       print the version and exit\n",
	    CNF_DEFAULT_PATH);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = { { "config", required_argument,
						      NULL, 'c' },
		{ "peer-user", required_argument, NULL, 'u' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	struct prvd_opts o = { CNF_DEFAULT_PATH, (uid_t)-1 };
	const char *user = NULL;
	bool foreground = false;
	struct passwd *pw;
	int ch, verbose = 0;

	while (
	    (ch = getopt_long(argc, argv, "c:u:fvVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.conf_path = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			printf("thermwatch-privd %s\n", TW_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	log_init("thermwatch-privd", foreground, verbose);
	if (user != NULL) {
		pw = getpwnam(user);
		if (pw == NULL) {
			log_warnx("no user \"%s\"", user);
			return 1;
		}
		o.peer_uid = pw->pw_uid;
	}
	/* socket activation (Accept=yes): the connection is fd 3 */
	return prvd_serve(sd_listen_fds(1) == 1 ? SD_LISTEN_FDS_START : 0, &o);
}
