/*
 * agent.c - the wiring's life cycle: create the parts in order, the tick
 * that reads, evaluates and dispatches, the timers, a reload, and the
 * event sink every part reports to. See agent.h.
 */
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "action.h"
#include "agent_int.h"
#include "cpubusy.h"
#include "ctl.h"
#include "engine_state.h"
#include "log.h"
#include "override_store.h"
#include "priv_client.h"
#include "sdnotify.h"

void
agent_event(struct agent *a, const char *type, cJSON *fields)
{
	agent_metrics_count(a, type, fields);
	agent_mqtt_event(a, type, fields);
	cJSON_Delete(fields);
}

static void
on_event(void *arg, const char *type, cJSON *fields)
{
	agent_event(arg, type, fields);
}

const struct agent_conf *
agent_conf(const struct agent *a)
{
	return &a->conf;
}

bool
agent_dry_run(const struct agent *a)
{
	return a->dry_run || a->conf.actions.dry_run;
}

/* The process's resident set in kB (/proc/self/statm), -1 unknown; no
 * allocation (a FILE would make what it measures). */
static long
rss_kb(void)
{
	char buf[128];
	long size, pages;
	ssize_t n;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%ld %ld", &size, &pages) != 2)
		return -1;
	return pages * (sysconf(_SC_PAGESIZE) / 1024);
}

/*
 * The resident set after the last malloc_trim: the heap is trimmed again
 * only when the process has grown by TRIM_GROWTH_KB since (what a save
 * or a burst of telemetry left). A trim each time would hand back the
 * pages the next cycles use again and fault them in anew (1.2-1.4 minor
 * faults a cycle at 1,024 sensors every 0.1 s).
 */
#define TRIM_GROWTH_KB 64
static long trimmed_rss_kb = -1;

static void
trim(void)
{
	malloc_trim(0);
	trimmed_rss_kb = rss_kb();
}

/* Trim when grown (checked at most every 10 s by the tick). */
static void
trim_if_grown(void)
{
	long rss = rss_kb();

	if (rss < 0 || trimmed_rss_kb < 0 ||
	    rss >= trimmed_rss_kb + TRIM_GROWTH_KB)
		trim();
	else if (rss < trimmed_rss_kb)
		trimmed_rss_kb = rss; /* shrunk by itself: from there */
}

static void
agent_tick(struct agent *a, int64_t now_ms)
{
	bool big;

	a->ticks++;
	if (!agent_sources_read(a, now_ms))
		return;
	/* the host's CPU utilisation since the last evaluation (a tick that
	 * waited for the BMC above makes the next interval longer) */
	a->cpu_busy = a->cpb != NULL ? cpb_read(a->cpb, now_ms) : NAN;
	eng_host_busy(a->eng, now_ms, a->cpu_busy);
	eng_evaluate(a->eng, now_ms, &a->out);
	agent_act_dispatch(a, now_ms);
	big = agent_mqtt_tick(a, now_ms);
	agent_metrics_write(a, now_ms);
	/* what a cycle's telemetry and the periodic state save allocated
	 * and freed goes back to the system when it adds up (looked at
	 * every 10 s, and at once after the sensors document: at 1,024
	 * sensors its tree is 0.4 MB, made at the start and on a change) */
	if (big || now_ms - a->trimmed_ms >= 10000) {
		trim_if_grown();
		a->trimmed_ms = now_ms;
	}
}

static int64_t
tick_cb(struct loop *l, int64_t now_ms, void *arg)
{
	struct agent *a = arg;

	(void)l;
	agent_tick(a, now_ms);
	return (int64_t)(a->conf.agent.interval_s * 1000.0);
}

static int64_t
rescan_cb(struct loop *l, int64_t now_ms, void *arg)
{
	struct agent *a = arg;

	(void)l;
	(void)now_ms;
	agent_rescan_check(a);
	return a->conf.agent.rescan_s > 0
	    ? (int64_t)(a->conf.agent.rescan_s * 1000.0)
	    : LOOP_NOMORE;
}

static int64_t
watchdog_cb(struct loop *l, int64_t now_ms, void *arg)
{
	(void)l;
	(void)now_ms;
	(void)arg;
	/* The loop reached us, so the whole agent is alive. */
	sdn_notify("WATCHDOG=1");
	return sdn_watchdog_interval_ms();
}

/*
 * Periodic housekeeping (the rescan check, the watchdog ping) may run up
 * to half its period late, with the next reading, rather than wake the
 * agent on a timer of its own: on an idle host each wakeup costs far more
 * than the housekeeping does (the kernel's catch-up after an idle CPU is
 * charged to the task it wakes).
 */
static int
add_housekeeping(struct loop *l, int64_t period_ms, loop_timer_cb cb, void *arg)
{
	int id = loop_add_timer(l, period_ms, cb, arg);

	loop_set_timer_slack(l, id, period_ms / 2);
	return id;
}

static struct ovs *
start_overrides(struct agent *a)
{
	const struct ovs_env env = { a->loop, a->eng, &a->conf, on_event, a };

	return ovs_create(&env);
}

struct agent *
agent_create(struct agent_conf *conf, struct loop *l, bool dry_run,
    const char *priv_socket)
{
	struct agent *a = calloc(1, sizeof(*a));
	struct eng_size sz;

	if (a == NULL) {
		log_warn("agent");
		cnf_free(conf);
		return NULL;
	}
	a->conf = *conf;
	a->loop = l;
	a->dry_run = dry_run; /* the flag; the config's is read live */
	a->started_ms = loop_now_ms(l);
	a->max_sensors = a->conf.agent.max_sensors;
	a->refused_last = -1;
	a->cpu_busy = NAN;
	a->cpb = cpb_create(NULL); /* kept across reloads: its baseline too */
	if (a->cpb == NULL)
		log_warnx("cpu busy: out of memory, the host's CPU utilisation "
			  "stays unknown");
	/* trend rings as long as the trend windows at this interval need
	 * (the readings come once per interval) */
	eng_size_defaults(&sz);
	sz.max_sensors = a->max_sensors;
	sz.sample_interval_s = a->conf.agent.interval_s;
	a->eng = eng_create_opts(&a->conf.engine, &sz);
	log_info("monitoring at most %d sensors (agent.max_sensors)",
	    a->max_sensors);
	if (a->eng == NULL) {
		log_warnx("cannot create the policy engine");
		cnf_free(&a->conf);
		free(a);
		return NULL;
	}
	/* read before the sources attach their sensors, which it seeds */
	a->est = est_create(&(struct est_env){ l, a->eng, &a->conf });
	agent_sources_start(a);
	agent_fleet_start(a);
	agent_mqtt_start(a);
	if (priv_socket != NULL &&
	    (a->prv = prv_create(l, priv_socket)) == NULL)
		log_warnx("privileged part: cannot set up %s", priv_socket);
	a->act = agent_act_start(a);
	a->ovs = start_overrides(a); /* re-applies persisted overrides */
	if (a->ovs == NULL)
		log_warnx("overrides: out of memory, none will be taken");
	agent_ctl_start(a);
	a->tick_timer = loop_add_timer(l, 0, tick_cb, a);
	if (a->conf.agent.rescan_s > 0)
		a->rescan_timer = add_housekeeping(l,
		    (int64_t)(a->conf.agent.rescan_s * 1000.0), rescan_cb, a);
	if (sdn_watchdog_interval_ms() > 0)
		a->watchdog_timer = add_housekeeping(
		    l, sdn_watchdog_interval_ms(), watchdog_cb, a);
	/* The start parsed, scanned and probed a lot that is gone now: give
	 * the heap's free pages back (the cycles allocate nothing). */
	trim();
	return a;
}

void
agent_free(struct agent *a)
{
	if (a == NULL)
		return;
	loop_del_timer(a->loop, a->tick_timer);
	loop_del_timer(a->loop, a->rescan_timer);
	loop_del_timer(a->loop, a->watchdog_timer);
	ctl_free(a->ctl);
	a->ctl = NULL;
	ovs_free(a->ovs);
	a->ovs = NULL;
	est_free(a->est); /* saved for the next start */
	a->est = NULL;
	act_free(a->act);
	a->act = NULL;
	prv_free(a->prv);
	a->prv = NULL;
	agent_mqtt_stop(a);
	agent_fleet_stop(a);
	agent_sources_stop(a);
	eng_free(a->eng);
	a->eng = NULL;
	cpb_free(a->cpb);
	a->cpb = NULL;
	atab_free(&a->tab);
	cnf_free(&a->conf);
	free(a);
}

void
agent_reload(struct agent *a)
{
	/* on the heap: 70 kB that the stack would keep resident */
	struct agent_conf *next = calloc(1, sizeof(*next));
	char *msgs = NULL;
	size_t len = 0;
	FILE *err;
	int n;

	sdn_notify("RELOADING=1");
	err = next != NULL ? open_memstream(&msgs, &len) : NULL;
	if (err == NULL) {
		log_warn("reload");
		free(next);
		sdn_notify("READY=1");
		return;
	}
	n = cnf_load(a->conf.path, next, err);
	fclose(err);
	if (n > 0) {
		char *line, *save = NULL;

		for (line = strtok_r(msgs, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save))
			log_warnx("%s", line);
		log_warnx("reload: %s has %d error%s, keeping the running "
			  "configuration",
		    a->conf.path, n, n == 1 ? "" : "s");
		cnf_free(next);
		free(next);
		free(msgs);
		agent_rescan(a);
		sdn_notify("READY=1");
		return;
	}
	free(msgs);
	if (next->agent.max_sensors != a->conf.agent.max_sensors)
		log_warnx("reload: agent.max_sensors takes effect at the next "
			  "start; %d stays",
		    a->max_sensors);
	if (eng_trend_capacity(&next->engine, next->agent.interval_s) >
	    eng_trend_points(a->eng))
		log_warnx("reload: the trend windows at this interval need %d "
			  "points per sensor, the engine keeps %d until the "
			  "next start (trends span less of their windows)",
		    eng_trend_capacity(&next->engine, next->agent.interval_s),
		    eng_trend_points(a->eng));
	cnf_free(&a->conf);
	a->conf = *next;
	free(next);
	eng_reconfigure(a->eng, &a->conf.engine);
	agent_sources_stop(a);
	agent_sources_start(a);
	agent_check_removed(a);
	agent_ctl_reload(a);
	ovs_reload(a->ovs);
	agent_mqtt_reload(a);
	loop_del_timer(a->loop, a->rescan_timer);
	a->rescan_timer = 0;
	if (a->conf.agent.rescan_s > 0)
		a->rescan_timer = add_housekeeping(a->loop,
		    (int64_t)(a->conf.agent.rescan_s * 1000.0), rescan_cb, a);
	log_info("configuration reloaded from %s", a->conf.path);
	prv_reload(a->prv); /* the privileged part reads it too */
	agent_event(a, "reload", NULL);
	sdn_notify("READY=1");
}
