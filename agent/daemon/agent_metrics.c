/*
 * agent_metrics.c - the agent's Prometheus metrics: counted from its
 * events, gathered from every part into a snapshot after each evaluation
 * and written to prometheus.textfile (prom_metrics.c says what, prom.c
 * how). Part of the wiring module.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "agent_int.h"
#include "bmc.h"
#include "capacity.h"
#include "fleet.h"
#include "log.h"
#include "walltime.h"

static int
index_of(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

static const char *
str(const cJSON *f, const char *key)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(f, key);

	return cJSON_IsString(m) ? m->valuestring : "";
}

void
agent_metrics_count(struct agent *a, const char *type, const cJSON *f)
{
	static const char *const decisions[] = { "notify", "migrate",
		"shutdown", "hold" };
	struct prom_counts *c = &a->counts;
	int k, r;

	if (strcmp(type, "state") == 0) {
		c->state_changes++;
	} else if (strcmp(type, "override_rejected") == 0) {
		c->overrides_rejected++;
	} else if (strcmp(type, "decision") == 0) {
		k = index_of(decisions, 4, str(f, "action"));
		if (k >= 0)
			c->decisions[k]++;
	} else if (strcmp(type, "action") == 0) {
		k = index_of(act_kind_names, ACT_KIND_COUNT, str(f, "action"));
		r = index_of(prom_result_names, PROM_RESULTS, str(f, "result"));
		if (k >= 0 && r >= 0)
			c->actions[k][r]++;
	}
}

static void
add_fleet(struct agent *a, struct prom_snapshot *s, int64_t now_ms)
{
	struct fleet_tier tiers[ENG_MAX_TIER + 1];
	struct fleet_stats fs;
	struct capacity_stats cs;
	const struct mqm_offer *o;

	s->spare_vms = s->spare_mem_mb = -1;
	if (a->cap != NULL) {
		o = capacity_offer(a->cap);
		s->spare_vms = o->spare_vms;
		s->spare_mem_mb = o->spare_mem_mb;
		capacity_get_stats(a->cap, &cs);
		s->have_capacity_command = a->conf.fleet.capacity_command !=
		    NULL;
		s->capacity_runs = cs.runs;
		s->capacity_failures = cs.failures;
	}
	if (a->fleet == NULL)
		return;
	s->have_fleet = true;
	fleet_get_stats(a->fleet, now_ms, &fs);
	s->fleet_hosts = fs.hosts;
	s->fleet_fresh = fs.fresh;
	s->destinations = fleet_destination_count(a->fleet, now_ms);
	fleet_tiers(a->fleet, now_ms, a->conf.agent.tier, tiers);
	for (int t = 0; t <= ENG_MAX_TIER; t++) {
		s->tier_hosts[t] = tiers[t].hosts;
		s->tier_zones[t] = tiers[t].zones;
	}
}

/* The host's CPU utilisation (cpubusy.h): absent while unknown. */
void
agent_metrics_write(struct agent *a, int64_t now_ms)
{
	const char *path = a->conf.prometheus.textfile;
	int n = eng_sensor_count(a->eng);
	double *age;
	const char **source;
	struct prom_snapshot s;
	struct act_stats as;
	struct bmc_stats bs;
	struct prom *p;
	int i, rc, idx;

	if (path[0] == '\0')
		return;
	memset(&s, 0, sizeof(s));
	s.site = a->conf.agent.site;
	s.zone = a->conf.agent.zone;
	s.host = a->conf.agent.host;
	s.version = TW_VERSION;
	s.tier = a->conf.agent.tier;
	s.eng = a->eng;
	s.out = &a->out;
	s.now_ms = now_ms;
	s.now_wall_s = wt_now();
	s.hold = act_hold_reason(a->act);
	s.dry_run = agent_dry_run(a);
	s.start_time_s = s.now_wall_s - (double)(now_ms - a->started_ms) / 1e3;
	s.evaluations = a->ticks;
	s.max_sensors = a->max_sensors;
	s.sensors_refused = a->refused;
	s.cpu_busy = a->cpu_busy;
	/* by engine index, as many as the engine has (up to max_sensors) */
	age = malloc(sizeof(*age) * (size_t)(n > 0 ? n : 1));
	source = calloc((size_t)(n > 0 ? n : 1), sizeof(*source));
	for (i = 0; age != NULL && source != NULL && i < n; i++)
		age[i] = NAN;
	for (i = 0; age != NULL && source != NULL && i < a->n_sensors; i++) {
		idx = a->sensors[i].eng_idx;
		if (idx < 0 || idx >= n)
			continue;
		age[idx] = (double)(now_ms - a->sensors[i].last_ms) / 1000.0;
		source[idx] = a->sensors[i].source;
	}
	if (age != NULL && source != NULL) {
		s.sensor_age_s = age;
		s.sensor_source = source;
	}
	s.counts = &a->counts;
	act_get_stats(a->act, &as);
	s.hooks_running = as.hooks_running;
	s.shutdown_started = as.shutdown_started;
	if (a->bmc != NULL) {
		bmc_get_stats(a->bmc, &bs);
		s.have_bmc = true;
		s.bmc_ok = bs.reads_ok;
		s.bmc_failed = bs.reads_failed;
		s.bmc_timeout = bs.reads_killed;
		s.bmc_consecutive_failures = bs.failures;
		s.bmc_last_duration_s = (double)bs.last_duration_ms / 1000.0;
	}
	if (a->mq != NULL) {
		s.have_mq = true;
		mq_get_stats(a->mq, &s.mq);
	}
	add_fleet(a, &s, now_ms);
	p = prom_new();
	if (p != NULL)
		prom_metrics(p, &s);
	free(age);
	free(source);
	if (p == NULL)
		return;
	rc = prom_write_file(p, path);
	prom_free(p);
	if (rc < 0 && !a->metrics_failing)
		log_warnx(
		    "prometheus: cannot write %s: %s", path, strerror(-rc));
	else if (rc == 0 && a->metrics_failing)
		log_info("prometheus: %s written again", path);
	a->metrics_failing = rc < 0;
}
