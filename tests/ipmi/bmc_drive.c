/*
 * bmc_drive.c - test driver of the IPMI source (agent/sources/bmc.c) on a
 * real event loop, without the rest of the agent.
 *
 *	bmc_drive -c FILE -s STATEDIR once
 *	bmc_drive -c FILE -s STATEDIR run SECONDS TICK_MS
 *	bmc_drive -c FILE -s STATEDIR bench CYCLES
 *	bmc_drive -c FILE wd-arm SECONDS | wd-disarm | wd-get
 *	bmc_drive -c FILE -s STATEDIR wd-async SECONDS
 *
 * FILE is a thermwatch.conf; only its "ipmi" group is read. Readings are
 * printed one per line, tab-separated key=value fields:
 *	R	t=<ms>	id=...	class=...	value=...	quality=...
 *state=... unc=...	uc=...	unr=...	trip=...	from=... "run" also
 *prints every tick with its lateness and, at the end, the largest lateness, so
 *that tests can check that a hung BMC never delays the loop. SIGUSR1 ends a
 *"run" at its next tick, as its time running out does: a test whose own
 *steps are slowed by a loaded machine gives it a generous SECONDS and ends
 *it when its steps are done.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bmc.h"
#include "conf_ipmi.h"
#include "log.h"
#include "loop.h"

static const char *cls_names[] = { "cpu", "inlet", "exhaust", "other" };
static int64_t t0;
static int n_readings;

static void
emit(void *arg, const struct src_reading *r)
{
	(void)arg;
	n_readings++;
	if (getenv("BMC_DRIVE_QUIET") != NULL)
		return;
	printf("R\tt=%lld\tid=%s\tsource=%s\tclass=%s\tvalue=%.2f\t"
	       "quality=%s\tstate=%s\tunc=%.2f\tuc=%.2f\tunr=%.2f\ttrip=%.2f\t"
	       "from=%s\n",
	    (long long)(r->t_ms - t0), r->id, r->source, cls_names[r->cls],
	    r->value_c,
	    r->quality == ENG_Q_OK          ? "ok"
		: r->quality == ENG_Q_FAULT ? "fault"
					    : "unavailable",
	    r->hw_state ? r->hw_state : "-", r->max_c, r->crit_c,
	    r->emergency_c, r->trip_c, r->trip_from ? r->trip_from : "-");
	fflush(stdout);
}

static int
load(const char *path, struct ipmi_conf *c)
{
	struct cnf_ctx ctx = { path, stderr, 0 };
	config_t cfg;

	config_init(&cfg);
	ipmi_conf_defaults(c);
	if (!config_read_file(&cfg, path)) {
		fprintf(stderr, "%s:%d: %s\n", path, config_error_line(&cfg),
		    config_error_text(&cfg));
		config_destroy(&cfg);
		return -1;
	}
	ipmi_conf_parse(
	    &ctx, cnf_group(&ctx, config_root_setting(&cfg), "ipmi"), c);
	config_destroy(&cfg);
	return ctx.errors == 0 ? 0 : -1;
}

struct run {
	struct bmc *b;
	int64_t tick_ms;
	int64_t due;
	int64_t max_late;
	int64_t end;
	int ticks;
};

static bool end_asked;

static void
on_usr1(struct loop *l, int signo, void *arg)
{
	(void)l;
	(void)signo;
	(void)arg;
	end_asked = true;
}

static int64_t
on_tick(struct loop *l, int64_t now, void *arg)
{
	struct run *r = arg;
	struct bmc_stats st;
	int64_t late = now - r->due;

	if (late > r->max_late)
		r->max_late = late;
	r->ticks++;
	bmc_get_stats(r->b, &st);
	printf("TICK\tt=%lld\tlate=%lld\tbusy=%d\tfail=%d\tkilled=%llu\n",
	    (long long)(now - t0), (long long)late, bmc_busy(r->b), st.failures,
	    (unsigned long long)st.reads_killed);
	fflush(stdout);
	bmc_poll(r->b, now);
	if (now >= r->end || end_asked) {
		loop_stop(l);
		return LOOP_NOMORE;
	}
	r->due += r->tick_ms;
	return r->due - now > 0 ? r->due - now : 0;
}

static void
print_stats(struct bmc *b)
{
	struct bmc_stats st;

	bmc_get_stats(b, &st);
	printf("STATS\tok=%llu\tfailed=%llu\tkilled=%llu\tskipped=%llu\t"
	       "sensors=%d\tlast_ms=%lld\terror=%s\n",
	    (unsigned long long)st.reads_ok,
	    (unsigned long long)st.reads_failed,
	    (unsigned long long)st.reads_killed,
	    (unsigned long long)st.polls_skipped, st.n_sensors,
	    (long long)st.last_duration_ms, st.last_error);
}

static int
do_run(struct ipmi_conf *c, const char *state, double secs, int tick)
{
	struct loop *l = loop_create();
	struct run r;

	if (l == NULL)
		return 1;
	memset(&r, 0, sizeof(r));
	loop_on_signal(l, SIGUSR1, on_usr1, NULL);
	r.b = bmc_create(l, c, state, NULL, emit, NULL);
	r.tick_ms = tick;
	r.due = loop_clock_ms();
	r.end = r.due + (int64_t)(secs * 1000);
	loop_add_timer(l, 0, on_tick, &r);
	loop_run(l);
	print_stats(r.b);
	printf("CADENCE\tticks=%d\tmax_late_ms=%lld\n", r.ticks,
	    (long long)r.max_late);
	bmc_free(r.b);
	loop_free(l);
	return 0;
}

static int
do_bench(struct ipmi_conf *c, const char *state, int cycles)
{
	struct loop *l = loop_create();
	struct bmc *b;
	int64_t t, sum = 0, best = INT64_MAX, worst = 0, *v;
	int i, j;

	if (l == NULL)
		return 1;
	v = calloc((size_t)cycles, sizeof(*v));
	b = bmc_create(l, c, state, NULL, emit, NULL);
	/* Warm up: the SDR cache (cold when STATEDIR is fresh) and the
	 * thresholds (always fetched on the first read). */
	t = loop_clock_ms();
	bmc_poll(b, t);
	while (bmc_busy(b))
		loop_run_once(l, 1000);
	printf("FIRST\tms=%lld\n", (long long)(loop_clock_ms() - t));
	for (i = 0; i < cycles; i++) {
		t = loop_clock_ms();
		n_readings = 0;
		{
			struct timespec a, z;

			clock_gettime(CLOCK_MONOTONIC, &a);
			bmc_poll(b, t);
			while (bmc_busy(b))
				loop_run_once(l, 1000);
			clock_gettime(CLOCK_MONOTONIC, &z);
			v[i] = (z.tv_sec - a.tv_sec) * 1000000 +
			    (z.tv_nsec - a.tv_nsec) / 1000;
		}
		if (n_readings == 0) {
			fprintf(
			    stderr, "bench: cycle %d gave no readings\n", i);
			return 1;
		}
		sum += v[i];
		if (v[i] < best)
			best = v[i];
		if (v[i] > worst)
			worst = v[i];
	}
	/* median by insertion sort: cycles is small */
	for (i = 1; i < cycles; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	printf("BENCH\tcycles=%d\tmean_us=%lld\tmedian_us=%lld\tmin_us=%lld\t"
	       "max_us=%lld\n",
	    cycles, (long long)(sum / cycles), (long long)v[cycles / 2],
	    (long long)best, (long long)worst);
	free(v);
	bmc_free(b);
	loop_free(l);
	return 0;
}

static int wd_result = -1;

static void
wd_done(void *arg, int ok, const char *msg)
{
	(void)arg;
	printf("WD\tok=%d\tmsg=%s\n", ok, msg);
	fflush(stdout);
	wd_result = ok;
}

/* Arm while a read is running: the read is preempted, the arm goes on. */
static int
do_wd_async(struct ipmi_conf *c, const char *state, int secs)
{
	struct loop *l = loop_create();
	struct bmc *b;
	int64_t end;

	if (l == NULL)
		return 1;
	b = bmc_create(l, c, state, NULL, emit, NULL);
	bmc_poll(b, loop_clock_ms());
	printf("BUSY\t%d\n", bmc_busy(b));
	if (bmc_watchdog_arm(b, secs, wd_done, NULL) != 0)
		printf("ARM\trefused: %s\n", strerror(errno));
	end = loop_clock_ms() + (int64_t)(c->deadline_s * 2000);
	while (wd_result < 0 && loop_clock_ms() < end)
		loop_run_once(l, 100);
	bmc_free(b);
	loop_free(l);
	return wd_result == 1 ? 0 : 1;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: bmc_drive -c FILE [-s STATEDIR] [-v] "
	    "once | run SECONDS TICK_MS | bench CYCLES | wd-arm SECONDS | "
	    "wd-disarm | wd-get | wd-async SECONDS\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct ipmi_conf c;
	struct bmc_wd_status st;
	const char *file = NULL, *state = ".";
	char err[1024];
	int ch, n, verbose = 0;

	while ((ch = getopt(argc, argv, "c:s:v")) != -1) {
		switch (ch) {
		case 'c':
			file = optarg;
			break;
		case 's':
			state = optarg;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (file == NULL || argc < 1)
		usage();
	log_init("bmc_drive", true, verbose);
	if (load(file, &c) != 0)
		return 2;
	t0 = loop_clock_ms();
	{
		struct timespec w;

		/* Lets a script map its own clock onto t= values. */
		clock_gettime(CLOCK_REALTIME, &w);
		printf("START\twall_ms=%lld\tpid=%d\n",
		    (long long)w.tv_sec * 1000 + w.tv_nsec / 1000000,
		    (int)getpid());
		fflush(stdout);
	}
	if (strcmp(argv[0], "once") == 0) {
		n = bmc_read_once(&c, state, emit, NULL, err, sizeof(err));
		if (err[0] != '\0')
			fprintf(stderr, "%s\n", err);
		printf("ONCE\tn=%d\n", n);
		return n < 0 ? 1 : 0;
	}
	if (strcmp(argv[0], "run") == 0 && argc == 3)
		return do_run(&c, state, atof(argv[1]), atoi(argv[2]));
	if (strcmp(argv[0], "bench") == 0 && argc == 2)
		return do_bench(&c, state, atoi(argv[1]));
	if (strcmp(argv[0], "wd-async") == 0 && argc == 2)
		return do_wd_async(&c, state, atoi(argv[1]));
	if (strcmp(argv[0], "wd-arm") == 0 && argc == 2) {
		if (bmc_watchdog_arm_once(
			&c, atoi(argv[1]), err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		return 0;
	}
	if (strcmp(argv[0], "wd-disarm") == 0) {
		if (bmc_watchdog_disarm_once(&c, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		return 0;
	}
	if (strcmp(argv[0], "wd-get") == 0) {
		if (bmc_watchdog_get_once(&c, &st, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		printf("WDGET\trunning=%d\tuse=%d\taction=%d\texpired=%d\t"
		       "initial_s=%.1f\tpresent_s=%.1f\n",
		    st.running, st.timer_use, st.action, st.expired_sms_os,
		    st.initial_s, st.present_s);
		return 0;
	}
	usage();
	return 2;
}
