/*
 * thermwatch-ipmi.c - the IPMI reader: one exchange with a BMC per run,
 * its reply on stdout in the protocol of bmc_reply.h. thermwatchd runs it
 * for every exchange (agent/sources/bmc*.c), so that the daemon never
 * maps FreeIPMI and a host without a BMC never loads it; the daemon kills
 * it at ipmi.deadline_s.
 *
 *	thermwatch-ipmi [-c FILE] [-d SECONDS] read [--thresholds] CACHE_DIR
 *	thermwatch-ipmi [-c FILE] [-d SECONDS] watchdog-arm TENTHS
 *	thermwatch-ipmi [-c FILE] [-d SECONDS] watchdog-disarm|watchdog-get
 *
 * The settings are the ipmi group of FILE (by hand), else of the text in
 * $THERMWATCH_IPMI_CONF (from the daemon). -d: exit on its own a second
 * after SECONDS, should nobody kill it. Exit 0 when the reply says
 * "done", 1 on an error reply, 2 on a usage error.
 */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "bmc_reply.h"
#include "conf.h"
#include "ipmi_child.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: thermwatch-ipmi [-c FILE] [-d SECONDS] read "
	    "[--thresholds] CACHE_DIR\n"
	    "       thermwatch-ipmi [-c FILE] [-d SECONDS] watchdog-arm "
	    "TENTHS\n"
	    "       thermwatch-ipmi [-c FILE] [-d SECONDS] "
	    "watchdog-disarm|watchdog-get\n"
	    "The ipmi settings come from FILE, else from $%s.\n",
	    BMC_CONF_ENV);
}

/* The ipmi group, from a file or from the environment. Errors are
 * replied (the daemon logs them) and on stderr. */
static int
load_settings(const char *file, struct agent_conf *c)
{
	const char *text = getenv(BMC_CONF_ENV);
	char *msgs = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&msgs, &len);
	int n;

	if (err == NULL)
		return -1;
	if (file != NULL)
		n = cnf_load(file, c, err);
	else if (text != NULL)
		n = cnf_load_string(BMC_CONF_ENV, text, c, err);
	else
		n = fprintf(err, "no settings: give -c FILE or set %s",
			BMC_CONF_ENV) > 0;
	fclose(err);
	if (n != 0) {
		bmc_reply_error(stdout, BMC_E_OTHER, "IPMI reader settings: %s",
		    msgs != NULL ? msgs : "?");
		fprintf(stderr, "thermwatch-ipmi: %s\n", msgs);
	}
	free(msgs);
	return n != 0 ? -1 : 0;
}

static int
job_kind(const char *name)
{
	for (int i = 0; bmc_job_names[i] != NULL; i++)
		if (strcmp(name, bmc_job_names[i]) == 0)
			return i;
	return -1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "deadline", required_argument, NULL, 'd' },
		{ "thresholds", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bmc_job_req req;
	struct agent_conf c;
	const char *file = NULL, *cache_dir = NULL;
	double deadline = 0;
	int ch, kind, rc;

	memset(&req, 0, sizeof(req));
	while ((ch = getopt_long(argc, argv, "c:d:th", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			file = optarg;
			break;
		case 'd':
			deadline = atof(optarg);
			break;
		case 't':
			req.want_thresholds = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc || (kind = job_kind(argv[optind])) < 0) {
		usage(stderr);
		return 2;
	}
	req.kind = (enum bmc_job_kind)kind;
	if (req.kind == BMC_JOB_READ || req.kind == BMC_JOB_WD_ARM) {
		if (optind + 2 != argc) {
			usage(stderr);
			return 2;
		}
		if (req.kind == BMC_JOB_READ)
			cache_dir = argv[optind + 1];
		else
			req.countdown_ds = atoi(argv[optind + 1]);
	} else if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	/* Die with the daemon, and on our own after the deadline should the
	 * daemon be unable to kill us. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1 && file == NULL)
		return 1;
	if (deadline > 0)
		alarm((unsigned int)ceil(deadline) + 1);
	if (load_settings(file, &c) != 0) {
		fflush(stdout);
		return 1;
	}
	if (req.kind == BMC_JOB_READ)
		rc = bmc_child_read(
		    &c.ipmi, cache_dir, req.want_thresholds, stdout);
	else
		rc = bmc_child_watchdog(&c.ipmi, &req, stdout);
	fflush(stdout);
	cnf_free(&c);
	/* _exit: the FreeIPMI libraries keep state they never free, and
	 * nothing is left to flush. */
	_exit(rc);
}
