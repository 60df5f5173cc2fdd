/*
 * thermwatchd.c - main() of the thermal watchdog agent: options, the
 * config, --check-config and --once, then the agent on the event loop
 * until a signal stops it. See thermwatchd(8).
 */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "agent.h"
#include "bmc.h"
#include "conf.h"
#include "log.h"
#include "loop.h"
#include "sdnotify.h"

#ifndef TW_VERSION
#define TW_VERSION "0"
#endif

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: thermwatchd [-f] [-v] [-c file] [--dry-run] "
	    "[--priv-socket path]\n"
	    "       thermwatchd --check-config [-c file]\n"
	    "       thermwatchd --once --json [-c file]\n"
	    "       thermwatchd --version\n"
	    "\n"
	    "  -c, --config FILE   configuration (default %s)\n"
	    "  -n, --check-config  check the configuration, print the\n"
	    "                      effective one, exit 0 or 1\n"
	    "      --once          sample every source once and exit\n"
	    "      --json          with --once: print a JSON array\n"
	    "      --dry-run       decide and report, execute nothing\n"
	    "      --priv-socket PATH  run the hooks and arm the BMC\n"
	    "                      watchdog in the privileged part there\n"
	    "  -f, --foreground    log to stderr instead of the journal\n"
	    "  -v, --verbose       more logging (repeat for more)\n"
	    "  -V, --version       print the version and exit\n",
	    CNF_DEFAULT_PATH);
}

static void
on_stop(struct loop *l, int signo, void *arg)
{
	(void)arg;
	log_info("signal %d (%s), stopping", signo, strsignal(signo));
	loop_stop(l);
}

static void
on_hup(struct loop *l, int signo, void *arg)
{
	(void)l;
	(void)signo;
	agent_reload(arg);
}

static void
on_usr1(struct loop *l, int signo, void *arg)
{
	(void)l;
	(void)signo;
	agent_dump(arg);
}

static void
on_usr2(struct loop *l, int signo, void *arg)
{
	(void)l;
	(void)signo;
	agent_rescan(arg);
}

int
main(int argc, char **argv)
{
	enum { OPT_ONCE = 256, OPT_JSON, OPT_DRY_RUN, OPT_PRIV };
	static const struct option longopts[] = { { "config", required_argument,
						      NULL, 'c' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "priv-socket", required_argument, NULL, OPT_PRIV },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	const char *path = CNF_DEFAULT_PATH, *priv_socket = NULL;
	bool check = false, once = false, json = false, dry_run = false;
	bool foreground = false;
	const struct agent_conf *c;
	/* on the heap: 70 kB that the stack would keep resident for good */
	struct agent_conf *conf;
	struct agent *agent;
	struct loop *l;
	int ch, verbose = 0, n, rc;

	while (
	    (ch = getopt_long(argc, argv, "c:nfvVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = true;
			break;
		case OPT_ONCE:
			once = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_DRY_RUN:
			dry_run = true;
			break;
		case OPT_PRIV:
			priv_socket = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			printf("thermwatchd %s\n", TW_VERSION);
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
		fprintf(stderr, "thermwatchd: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		return 2;
	}
	if (json && !once) {
		fprintf(stderr, "thermwatchd: --json needs --once\n");
		return 2;
	}
	if (once && !json) {
		fprintf(stderr, "thermwatchd: --once needs --json\n");
		return 2;
	}
	/* --check-config and --once are interactive: always stderr */
	log_init("thermwatchd", foreground || check || once, verbose);

	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		fatal("configuration");
	n = cnf_load(path, conf, stderr);
	if (n > 0) {
		fprintf(stderr, "%s: %d error%s\n", path, n, n == 1 ? "" : "s");
		cnf_free(conf);
		free(conf);
		return 1;
	}
	if (check) {
		char err[512];

		/* the password file is read at run time; say now if it
		 * will not work (the daemon would run without the BMC) */
		if (conf->ipmi.enabled &&
		    bmc_conf_check(&conf->ipmi, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s: %s\n", path, err);
			cnf_free(conf);
			free(conf);
			return 1;
		}
		/* a hook that cannot run fails the night it is needed */
		n = act_check_hooks(&conf->actions, path,
		    dry_run || conf->actions.dry_run, stderr);
		if (n > 0) {
			fprintf(stderr, "%s: %d error%s\n", path, n,
			    n == 1 ? "" : "s");
			cnf_free(conf);
			free(conf);
			return 1;
		}
		cnf_print(conf, stdout);
		fprintf(stderr, "%s: configuration OK\n", path);
		cnf_free(conf);
		free(conf);
		return 0;
	}
	if (once) {
		rc = agent_once_json(conf, stdout);
		cnf_free(conf);
		free(conf);
		return rc;
	}

	l = loop_create();
	if (l == NULL)
		fatal("event loop");
	agent = agent_create(conf, l, dry_run, priv_socket);
	free(conf); /* its parts are the agent's now */
	if (agent == NULL)
		fatalx("cannot start");
	loop_on_signal(l, SIGTERM, on_stop, agent);
	loop_on_signal(l, SIGINT, on_stop, agent);
	loop_on_signal(l, SIGHUP, on_hup, agent);
	loop_on_signal(l, SIGUSR1, on_usr1, agent);
	loop_on_signal(l, SIGUSR2, on_usr2, agent);
	c = agent_conf(agent);
	log_info("thermwatchd %s started: host %s, zone %s/%s, tier %d%s",
	    TW_VERSION, c->agent.host, c->agent.site, c->agent.zone,
	    c->agent.tier, agent_dry_run(agent) ? ", dry run" : "");
	sdn_notify("READY=1");
	rc = loop_run(l);
	sdn_notify("STOPPING=1");
	agent_free(agent);
	loop_free(l);
	log_info("stopped");
	return rc == 0 ? 0 : 1;
}
