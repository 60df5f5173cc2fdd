/*
 * main.c - thermwatch-sim: rehearse a cooling failure through the real
 * policy engine.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "conf.h"
#include "publish.h"
#include "run.h"

enum {
	OPT_COMPARE = 256,
	OPT_CSV,
	OPT_PLOT,
	OPT_VERSION,
	OPT_LIST,
	OPT_MQTT,
	OPT_MQTT_INTERVAL,
	OPT_SEEDS,
	OPT_JOBS
};

static const struct option longopts[] = { { "config", required_argument, NULL,
					      'c' },
	{ "policy", required_argument, NULL, 'p' },
	{ "seed", required_argument, NULL, 's' },
	{ "json", no_argument, NULL, 'j' },
	{ "compare", no_argument, NULL, OPT_COMPARE },
	{ "csv", required_argument, NULL, OPT_CSV },
	{ "plot", required_argument, NULL, OPT_PLOT },
	{ "duration", required_argument, NULL, 'd' },
	{ "quiet", no_argument, NULL, 'q' }, { "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "mqtt", required_argument, NULL, OPT_MQTT },
	{ "mqtt-interval", required_argument, NULL, OPT_MQTT_INTERVAL },
	{ "seeds", required_argument, NULL, OPT_SEEDS },
	{ "jobs", required_argument, NULL, OPT_JOBS }, { NULL, 0, NULL, 0 } };

static const char *arg_config;
static const char *arg_csv;
static const char *arg_plot;
static const char *arg_scenario;
static int arg_policy = ENG_POLICY_THERMWATCH;
static bool arg_json;
static bool arg_compare;
static bool arg_quiet;
static bool arg_seed_set;
static uint64_t arg_seed;
static double arg_duration = -1;
static const char *arg_mqtt;
static double arg_mqtt_interval = 300.0;
static const char *arg_seeds;
static uint64_t *arg_seed_list;
static int arg_n_seeds;
static int arg_jobs = 1;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: thermwatch-sim [SCENARIO] [--config FILE] "
	    "[--policy thermwatch|static|none]\n"
	    "                      [--seed N] [--duration D] [--json] "
	    "[--compare] [--csv FILE]\n"
	    "                      [--plot FILE.svg] [--quiet] "
	    "[--mqtt HOST:PORT [--mqtt-interval D]]\n"
	    "                      [--seeds SEEDS] [--jobs N]\n"
	    "       thermwatch-sim --list\n"
	    "SCENARIO is a file or a name (ac-failure, normal-week, ...); "
	    "without one the\nbuilt-in ac-failure scenario runs. "
	    "D is seconds or 90m, 6h, 7d.\n");
}

static int
bad(const char *fmt, const char *a)
{
	fprintf(stderr, "thermwatch-sim: ");
	fprintf(stderr, fmt, a);
	fprintf(stderr, "\n");
	usage(stderr);
	return 2;
}

static bool
has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

static int
parse_args(int argc, char **argv)
{
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "c:p:s:jd:qh", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'c':
			arg_config = optarg;
			break;
		case 'p':
			arg_policy = eng_policy_from_name(optarg);
			if (arg_policy < 0)
				return bad("--policy: \"%s\" is not one of "
					   "thermwatch, static, none",
				    optarg);
			break;
		case 's':
			errno = 0;
			arg_seed = strtoull(optarg, &end, 0);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    optarg[0] == '-')
				return bad("--seed: \"%s\" is not a "
					   "non-negative integer",
				    optarg);
			arg_seed_set = true;
			break;
		case 'j':
			arg_json = true;
			break;
		case OPT_COMPARE:
			arg_compare = true;
			break;
		case OPT_CSV:
			arg_csv = optarg;
			break;
		case OPT_PLOT:
			if (!has_suffix(optarg, ".svg"))
				return bad("--plot: \"%s\": the plot is SVG; "
					   "name it FILE.svg",
				    optarg);
			arg_plot = optarg;
			break;
		case 'd':
			arg_duration = scn_parse_duration(optarg);
			if (arg_duration <= 0 || arg_duration > 366 * 86400.0)
				return bad(
				    "--duration: \"%s\" is not a "
				    "duration like 3600, 90m, 6h or 7d (max "
				    "366d)",
				    optarg);
			break;
		case 'q':
			arg_quiet = true;
			break;
		case OPT_MQTT:
			arg_mqtt = optarg;
			break;
		case OPT_SEEDS:
			free(arg_seed_list);
			arg_seed_list = NULL;
			if (seeds_parse(optarg, &arg_seed_list, &arg_n_seeds) <
			    0)
				return bad(
				    "--seeds: \"%s\" is not like 1-10 or "
				    "1,4,7-9 (at most 100000 seeds)",
				    optarg);
			arg_seeds = optarg;
			break;
		case OPT_JOBS:
			errno = 0;
			arg_jobs = (int)strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    arg_jobs < 1 || arg_jobs > SIM_MAX_JOBS)
				return bad("--jobs: \"%s\" is not a number of "
					   "threads from 1 to 64",
				    optarg);
			break;
		case OPT_MQTT_INTERVAL:
			arg_mqtt_interval = scn_parse_duration(optarg);
			if (arg_mqtt_interval < 1 || arg_mqtt_interval > 86400)
				return bad("--mqtt-interval: \"%s\" is not a "
					   "duration from 1 s to 1 d",
				    optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case OPT_VERSION:
			printf("thermwatch-sim %s\n", TW_VERSION);
			exit(0);
		case OPT_LIST:
			printf("%-32s %s\n", "(no argument)",
			    "the built-in ac-failure scenario");
			scn_list(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		arg_scenario = argv[optind++];
	if (optind < argc)
		return bad("unexpected argument \"%s\" (one scenario at most)",
		    argv[optind]);
	if (arg_seeds != NULL &&
	    (arg_seed_set || arg_csv || arg_plot || arg_mqtt))
		return bad(
		    "--seeds %s: runs many seeds; not with --seed, --csv, "
		    "--plot or --mqtt",
		    arg_seeds);
	return 0;
}

static int
load_scenario(struct sim_scenario *s)
{
	char path[PATH_MAX];
	int n;

	if (arg_scenario == NULL)
		return scn_parse_string(
		    sim_builtin_name, sim_builtin_text, s, stderr);
	if (scn_resolve(arg_scenario, path, sizeof(path)) < 0) {
		fprintf(stderr,
		    "thermwatch-sim: scenario \"%s\": no such file, "
		    "and no %s.conf in %s/thermwatch/scenarios or the source "
		    "tree\n",
		    arg_scenario, arg_scenario, TW_DATADIR);
		return -1;
	}
	n = scn_parse_file(path, s, stderr);
	if (n > 0)
		fprintf(stderr, "thermwatch-sim: %s: %d error%s\n", path, n,
		    n == 1 ? "" : "s");
	return n;
}

/* The operator's thermwatch.conf: the engine's part, and what the sim
 * models of the rest of the agent. Without one: the defaults. */
static int
load_config(struct eng_conf *ec, struct sim_agent_conf *sa)
{
	struct agent_conf *ac;
	char err[256];
	int n;

	if (arg_config == NULL) {
		eng_conf_defaults(ec);
		return sim_agent_conf_defaults(sa);
	}
	ac = calloc(1, sizeof(*ac));
	if (ac == NULL)
		return -1;
	n = cnf_load(arg_config, ac, stderr);
	if (n == 0) {
		*ec = ac->engine;
		sim_agent_conf_from(ac, sa);
	} else
		fprintf(stderr, "thermwatch-sim: %s: %d error%s\n", arg_config,
		    n, n == 1 ? "" : "s");
	cnf_free(ac);
	free(ac);
	if (n != 0)
		return -1;
	if (eng_conf_validate(ec, err, sizeof(err)) != 0) {
		fprintf(stderr, "thermwatch-sim: %s: %s\n", arg_config, err);
		return -1;
	}
	return 0;
}

static void
print_setup(const struct sim_scenario *s)
{
	const struct sim_actions *a = &s->actions;

	printf("  %d hosts in %d zones, %.0f s simulated at %.1f s\n",
	    scn_total_hosts(s), s->n_zones,
	    arg_duration > 0 ? arg_duration : s->duration_s, s->tick_s);
	if (a->fixed_migrate_s > 0)
		printf("  an evacuation takes %.0f s", a->fixed_migrate_s);
	else
		printf("  live migrations over %.0f Gbit/s, %.0f s setup, "
		       "pre-copy x%.2f, spread %.2f",
		    a->link_gbps, a->migrate_setup_s, a->dirty_factor,
		    a->migrate_spread);
	if (a->fixed_shutdown_s > 0)
		printf("; a clean shutdown %.0f s\n\n", a->fixed_shutdown_s);
	else
		printf("; clean shutdowns %.0f s (median), %.0f%% hang %.0f s "
		       "more\n\n",
		    a->shutdown_median_s, a->shutdown_hang_p * 100,
		    a->shutdown_hang_s);
}

/* What the runs cost: wall and CPU time, peak memory, and the wall time
 * per host and simulated tick of the first run; then the first run's
 * own figures: its set-up, and the CPU time of its ticks alone per
 * host-tick (the thread's clock: the better figure on a shared machine,
 * and without the oracle's run), and the share of its ticks stepped in
 * blocks (block.c). */
static void
print_cost(const struct sim_run *runs, int n)
{
	const struct sim_run *r = &runs[0];
	double ticks = (double)r->end_ms / (double)r->tick_ms + 1;
	double ht = r->n_hosts > 0 ? r->n_hosts * ticks : 1;
	struct rusage ru;

	(void)n;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		memset(&ru, 0, sizeof(ru));
	printf("wall time %.2f s, CPU %.2f s, peak memory %.0f MB, "
	       "%.3f us per host-tick\n",
	    r->res.wall_s,
	    ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
	    ru.ru_maxrss / 1024.0, r->res.wall_s * 1e6 / ht);
	printf("run: set-up %.2f s wall, ticks %.2f s wall %.2f s CPU, "
	       "%.3f us CPU per host-tick, %.0f %% of ticks in blocks\n",
	    r->res.init_s, r->res.wall_s - r->res.init_s, r->res.tick_cpu_s,
	    r->res.tick_cpu_s * 1e6 / ht,
	    100.0 * (double)r->res.block_ticks / ticks);
}

static double
clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* The runs of one invocation: the policies, then the oracle. */
struct batch {
	const struct sim_scenario *scn;
	struct sim_opts opt[4];
	struct sim_run run[4];
	int rc[4];
};

static void
one_run(void *arg, int i)
{
	struct batch *b = arg;
	double t0 = now_s(), t1, c1;

	b->rc[i] = run_init(&b->run[i], b->scn, &b->opt[i]);
	if (b->rc[i] != 0)
		return;
	t1 = now_s();
	c1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	run_all(&b->run[i]);
	b->run[i].res.wall_s = now_s() - t0;
	b->run[i].res.init_s = t1 - t0;
	b->run[i].res.tick_cpu_s = clock_s(CLOCK_THREAD_CPUTIME_ID) - c1;
}

static void
header(const struct sim_scenario *scn, uint64_t seed)
{
	if (arg_seeds != NULL)
		printf(
		    "thermwatch-sim: scenario %s (%s), seeds %s, config %s\n",
		    scn->name, scn->file[0] ? scn->file : "built-in", arg_seeds,
		    arg_config ? arg_config : "engine defaults");
	else
		printf("thermwatch-sim: scenario %s (%s), seed %" PRIu64
		       ", config %s\n",
		    scn->name, scn->file[0] ? scn->file : "built-in", seed,
		    arg_config ? arg_config : "engine defaults");
	if (scn->description[0])
		printf("  %s\n", scn->description);
	print_setup(scn);
}

static int
report(struct batch *b, int n)
{
	struct sim_run *rp[3];
	int i, rc = 0;

	for (i = 0; i < n; i++)
		rp[i] = &b->run[i];
	if (arg_json) {
		if (rpt_json(rp, n, stdout) != 0)
			rc = 1;
	} else {
		if (!arg_quiet) {
			rpt_timeline(&b->run[0], stdout);
			printf("\n");
		}
		for (i = 0; i < n; i++)
			rpt_summary(&b->run[i], stdout);
		if (arg_compare) {
			printf("\n");
			rpt_compare(rp, n, stdout);
		}
		print_cost(b->run, n);
	}
	if (arg_csv != NULL && rpt_csv(&b->run[0], arg_csv, stderr) != 0)
		rc = 1;
	if (arg_plot != NULL && svg_plot(&b->run[0], arg_plot, stderr) != 0)
		rc = 1;
	return rc;
}

int
main(int argc, char **argv)
{
	static struct sim_scenario scn;
	static struct batch b;
	struct simpub *pub = NULL;
	struct sim_oracle oracle;
	struct sim_opts o;
	char err[256];
	int rc, i, n = 1, order[3];

	rc = parse_args(argc, argv);
	if (rc != 0)
		return rc;
	memset(&o, 0, sizeof(o));
	if (load_scenario(&scn) != 0 || load_config(&o.conf, &o.agent) != 0) {
		scn_free(&scn);
		return 1;
	}
	o.seed = arg_seed_set ? arg_seed : scn.seed;
	o.duration_s = arg_duration;
	order[0] = arg_policy;
	if (arg_compare) {
		int p;

		for (p = ENG_POLICY_THERMWATCH; p <= ENG_POLICY_NONE; p++)
			if (p != arg_policy)
				order[n++] = p;
	}
	if (!arg_json)
		header(&scn, o.seed);
	if (arg_seeds != NULL) {
		rc = seeds_run(&scn, &o, order, n, arg_seed_list, arg_n_seeds,
		    arg_jobs, arg_json, stdout);
		if (rc != 0)
			fprintf(stderr,
			    "thermwatch-sim: cannot set up a run (out of "
			    "memory or engine refused)\n");
		free(arg_seed_list);
		scn_free(&scn);
		return rc != 0;
	}
	if (arg_mqtt != NULL) {
		pub = simpub_create(
		    arg_mqtt, scn.name, arg_mqtt_interval, err, sizeof(err));
		if (pub == NULL) {
			fprintf(stderr, "thermwatch-sim: %s\n", err);
			scn_free(&scn);
			return 1;
		}
	}
	b.scn = &scn;
	for (i = 0; i <= n; i++) {
		b.opt[i] = o;
		b.opt[i].policy = i < n ? (enum eng_policy_kind)order[i]
					: ENG_POLICY_NONE;
		b.opt[i].oracle = i == n;
		/* only the first policy's run is published and recorded */
		b.opt[i].host_cb = i == 0 && pub != NULL ? simpub_host : NULL;
		b.opt[i].host_cb_arg = pub;
		b.opt[i].record = i == 0 &&
		    (arg_csv != NULL || arg_plot != NULL);
	}
	par_for(n + 1, arg_jobs, one_run, &b);
	simpub_free(pub, arg_json ? stderr : stdout);
	for (i = 0; i <= n; i++)
		if (b.rc[i] != 0)
			rc = 1;
	if (rc != 0)
		fprintf(stderr,
		    "thermwatch-sim: cannot set up the run (out of "
		    "memory or engine refused)\n");
	else {
		metrics_oracle(&b.run[n], &oracle);
		for (i = 0; i < n; i++)
			metrics_finish(&b.run[i], &oracle);
		rc = report(&b, n);
	}
	for (i = 0; i <= n; i++)
		run_done(&b.run[i]);
	scn_free(&scn);
	return rc;
}
