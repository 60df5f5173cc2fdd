/*
 * report.c - what a run tells: the timeline, the summary, the comparison
 * table, the JSON object (cJSON) and the CSV time series.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "run.h"

static const char *const hstate_names[SIM_H_COUNT] = { "ok", "warn", "hot",
	"degraded", "migrating", "shutting_down", "off", "tripped" };

static void
fmt_dur(double s, char *buf, size_t len)
{
	long long t = llround(s);

	if (s < 0) {
		snprintf(buf, len, "-");
		return;
	}
	if (t >= 3600)
		snprintf(buf, len, "%lldh%02lldm", t / 3600, (t / 60) % 60);
	else if (t >= 60)
		snprintf(buf, len, "%lldm%02llds", t / 60, t % 60);
	else
		snprintf(buf, len, "%llds", t);
}

static double
first_alarm_s(const struct sim_result *res)
{
	int64_t from = res->incident_ms >= 0 ? res->incident_ms : 0;

	if (res->first_alarm_ms < 0)
		return -1;
	return (res->first_alarm_ms - from) / 1000.0;
}

void
rpt_timeline(const struct sim_run *r, FILE *out)
{
	const struct sim_scenario *s = r->scn;
	char when[32], rel[32];
	int i;

	fprintf(out, "timeline (%s policy):\n", run_policy_name(r->opt.policy));
	for (i = 0; i < r->n_log; i++) {
		const struct sim_log *l = &r->log[i];

		scn_clock_label(s, l->t_ms / 1000.0, when, sizeof(when));
		fmt_dur(l->t_ms / 1000.0, rel, sizeof(rel));
		fprintf(out, "  %s %8s  %-4s %-10s %s\n", when, rel,
		    l->zone >= 0 ? s->zones[l->zone].name : "*",
		    l->host >= 0 ? r->host[l->host].name : "", l->text);
	}
}

void
rpt_summary(const struct sim_run *r, FILE *out)
{
	const struct sim_result *res = &r->res;
	char fa[32];
	int t, z;

	fmt_dur(first_alarm_s(res), fa, sizeof(fa));
	fprintf(out,
	    "summary (%s policy): %d hosts, %d hard trips, %d "
	    "graceful shutdowns, %d VMs migrated (%d to another zone), "
	    "%d evacuations found no room\n",
	    run_policy_name(r->opt.policy), res->hosts, res->hard_trips,
	    res->graceful_shutdowns, res->migrations,
	    res->migrations_cross_zone, res->migrations_failed);
	fprintf(out,
	    "  first alarm %s after the incident, service retained "
	    "%.1f%% (%d of %d VMs), %d false actions, %llu readings (%llu "
	    "rejected)\n",
	    fa, res->service_retained_pct, res->vms_end, res->vms_start,
	    res->false_actions, (unsigned long long)res->readings,
	    (unsigned long long)res->rejected);
	for (z = 0; z < r->n_zones; z++) {
		int i, n[SIM_L_COUNT] = { 0 };
		char a[32] = "-", b[32] = "-";

		for (i = 0; i < r->n_log; i++)
			if (r->log[i].zone == z)
				n[r->log[i].kind]++;
		if (r->zone[z].first_alarm_ms >= 0)
			scn_clock_label(r->scn,
			    r->zone[z].first_alarm_ms / 1000.0, a, sizeof(a));
		if (r->zone[z].first_zone_alarm_ms >= 0)
			scn_clock_label(r->scn,
			    r->zone[z].first_zone_alarm_ms / 1000.0, b,
			    sizeof(b));
		fprintf(out,
		    "  zone %s: peak air %.1f C, first alarm %s, "
		    "cooling alarm %s, %d evacuations (%d without room), %d "
		    "shutdowns, %d hard trips\n",
		    r->scn->zones[z].name, res->peak_c[z], a, b,
		    n[SIM_L_MIG_START], n[SIM_L_MIG_FAIL], n[SIM_L_SHUTDOWN],
		    n[SIM_L_TRIP]);
	}
	for (t = 0; t <= ENG_MAX_TIER; t++) {
		const struct sim_tier_result *tr = &res->tier[t];
		char a[32], b[32];

		if (tr->hosts == 0)
			continue;
		snprintf(a, sizeof(a), "-");
		snprintf(b, sizeof(b), "-");
		if (tr->first_shutdown_ms >= 0) {
			scn_clock_label(r->scn, tr->first_shutdown_ms / 1000.0,
			    a, sizeof(a));
			scn_clock_label(r->scn, tr->last_shutdown_ms / 1000.0,
			    b, sizeof(b));
		}
		fprintf(out,
		    "  tier %d: %2d hosts, %2d survived, %2d shut down "
		    "(first %s, last %s), %2d tripped\n",
		    t, tr->hosts, tr->survived, tr->graceful, a, b,
		    tr->hard_trips);
	}
}

void
rpt_compare(struct sim_run *const runs[], int n, FILE *out)
{
	char buf[32];
	int i, z;

	fprintf(out, "%-28s", "");
	for (i = 0; i < n; i++)
		fprintf(out, " %12s", run_policy_name(runs[i]->opt.policy));
	fprintf(out, "\n");
#define ROW(label, fmt, expr)                                         \
	do {                                                          \
		fprintf(out, "%-28s", label);                         \
		for (i = 0; i < n; i++) {                             \
			const struct sim_result *res = &runs[i]->res; \
			(void)res;                                    \
			fprintf(out, " %12" fmt, expr);               \
		}                                                     \
		fprintf(out, "\n");                                   \
	} while (0)
	ROW("hard trips", "d", res->hard_trips);
	ROW("graceful shutdowns", "d", res->graceful_shutdowns);
	ROW("VMs migrated", "d", res->migrations);
	ROW("  to another zone", "d", res->migrations_cross_zone);
	ROW("evacuations without room", "d", res->migrations_failed);
	fprintf(out, "%-28s", "first alarm after incident");
	for (i = 0; i < n; i++) {
		fmt_dur(first_alarm_s(&runs[i]->res), buf, sizeof(buf));
		fprintf(out, " %12s", buf);
	}
	fprintf(out, "\n");
	ROW("service retained %", ".1f", res->service_retained_pct);
	ROW("VMs lost", "d", res->vms_lost);
	ROW("false actions", "d", res->false_actions);
	for (z = 0; z < runs[0]->n_zones; z++) {
		char label[64];

		snprintf(label, sizeof(label), "zone %s peak air C",
		    runs[0]->scn->zones[z].name);
		ROW(label, ".1f", res->peak_c[z]);
	}
	ROW("tier 0 hosts up at end", "d", res->tier[0].survived);
	ROW("wall s", ".2f", res->wall_s);
#undef ROW
}

static void
add_time(cJSON *o, const char *key, int64_t ms)
{
	if (ms < 0)
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddNumberToObject(o, key, ms / 1000.0);
}

/* The mean of n values summing to sum, or null when there are none. */
static void
add_mean(cJSON *o, const char *key, double sum, int n)
{
	if (n <= 0)
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddNumberToObject(o, key, round(sum / n * 10) / 10);
}

static cJSON *
run_json(const struct sim_run *r, bool with_events)
{
	const struct sim_result *res = &r->res;
	cJSON *o = cJSON_CreateObject(), *a, *e;
	double fa = first_alarm_s(res);
	int t, z, i;

	cJSON_AddStringToObject(o, "policy", run_policy_name(r->opt.policy));
	cJSON_AddNumberToObject(o, "hosts", res->hosts);
	cJSON_AddNumberToObject(o, "hard_trips", res->hard_trips);
	cJSON_AddNumberToObject(
	    o, "graceful_shutdowns", res->graceful_shutdowns);
	cJSON_AddNumberToObject(o, "migrations", res->migrations);
	cJSON_AddNumberToObject(
	    o, "migrations_cross_zone", res->migrations_cross_zone);
	cJSON_AddNumberToObject(o, "evacuations", res->evacuations);
	cJSON_AddNumberToObject(
	    o, "migrations_completed", res->migrations_completed);
	cJSON_AddNumberToObject(o, "migrations_failed", res->migrations_failed);
	cJSON_AddNumberToObject(
	    o, "migrations_no_room", res->migrations_no_room);
	cJSON_AddNumberToObject(
	    o, "vm_migrations_failed", res->vm_migrations_failed);
	cJSON_AddNumberToObject(o, "forced_offs", res->forced_offs);
	cJSON_AddNumberToObject(o, "shutdowns_failed", res->shutdowns_failed);
	if (fa < 0)
		cJSON_AddNullToObject(o, "first_alarm_s");
	else
		cJSON_AddNumberToObject(o, "first_alarm_s", fa);
	add_time(o, "incident_s", res->incident_ms);
	cJSON_AddNumberToObject(o, "service_retained_pct",
	    round(res->service_retained_pct * 100) / 100);
	cJSON_AddNumberToObject(o, "vms_start", res->vms_start);
	cJSON_AddNumberToObject(o, "vms_end", res->vms_end);
	cJSON_AddNumberToObject(o, "vms_lost", res->vms_lost);
	cJSON_AddNumberToObject(o, "false_actions", res->false_actions);
	cJSON_AddNumberToObject(
	    o, "throttled_host_h", round(res->throttled_s / 3600 * 100) / 100);
	cJSON_AddNumberToObject(o, "restarts", res->restarts);
	cJSON_AddNumberToObject(
	    o, "peers_dropped_clock", (double)res->peers_dropped_age);
	cJSON_AddNumberToObject(o, "readings", (double)res->readings);
	cJSON_AddNumberToObject(o, "rejected", (double)res->rejected);

	a = cJSON_AddArrayToObject(o, "zones");
	for (z = 0; z < r->n_zones; z++) {
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "name", r->scn->zones[z].name);
		cJSON_AddNumberToObject(e, "hosts", r->zone[z].n_hosts);
		cJSON_AddNumberToObject(
		    e, "peak_air_c", round(res->peak_c[z] * 100) / 100);
		add_time(e, "first_alarm_at_s", r->zone[z].first_alarm_ms);
		add_time(e, "zone_alarm_at_s", r->zone[z].first_zone_alarm_ms);
		cJSON_AddItemToArray(a, e);
	}
	a = cJSON_AddArrayToObject(o, "tiers");
	for (t = 0; t <= ENG_MAX_TIER; t++) {
		const struct sim_tier_result *tr = &res->tier[t];

		if (tr->hosts == 0)
			continue;
		e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "tier", t);
		cJSON_AddNumberToObject(e, "hosts", tr->hosts);
		cJSON_AddNumberToObject(e, "survived", tr->survived);
		cJSON_AddNumberToObject(e, "graceful_shutdowns", tr->graceful);
		cJSON_AddNumberToObject(e, "hard_trips", tr->hard_trips);
		add_time(e, "first_shutdown_s", tr->first_shutdown_ms);
		add_time(e, "last_shutdown_s", tr->last_shutdown_ms);
		cJSON_AddItemToArray(a, e);
	}
	if (!with_events)
		return o;
	a = cJSON_AddArrayToObject(o, "events");
	for (i = 0; i < r->n_log; i++) {
		const struct sim_log *l = &r->log[i];
		static const char *const kinds[SIM_L_COUNT] = { "event",
			"alarm", "zone_alarm", "migrate", "migrated",
			"migrate_failed", "shutdown", "off", "trip", "false",
			"agent" };

		e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "t_s", l->t_ms / 1000.0);
		cJSON_AddStringToObject(e, "kind", kinds[l->kind]);
		cJSON_AddStringToObject(e, "zone",
		    l->zone >= 0 ? r->scn->zones[l->zone].name : "*");
		if (l->host >= 0) {
			cJSON_AddStringToObject(
			    e, "host", r->host[l->host].name);
			cJSON_AddNumberToObject(
			    e, "tier", r->host[l->host].tier);
		}
		cJSON_AddNumberToObject(e, "n", l->n);
		cJSON_AddStringToObject(e, "text", l->text);
		cJSON_AddItemToArray(a, e);
	}
	return o;
}

int
rpt_json(struct sim_run *const runs[], int n, FILE *out)
{
	const struct sim_run *r = runs[0];
	const struct sim_scenario *s = r->scn;
	cJSON *o, *a;
	char *txt, seed[32];
	int i;

	o = run_json(r, true);
	cJSON_AddStringToObject(o, "scenario", s->name);
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)r->opt.seed);
	cJSON_AddRawToObject(o, "seed", seed);
	cJSON_AddNumberToObject(o, "duration_s", r->end_ms / 1000.0);
	cJSON_AddNumberToObject(o, "tick_s", r->tick_ms / 1000.0);
	add_mean(
	    o, "migrate_s", r->res.evac_s_sum, r->res.migrations_completed);
	add_mean(o, "shutdown_s", r->res.off_s_sum, r->res.graceful_shutdowns);
	if (n > 1) {
		a = cJSON_AddArrayToObject(o, "compare");
		for (i = 0; i < n; i++) {
			cJSON *c = run_json(runs[i], false);

			cJSON_AddNumberToObject(c, "wall_s",
			    round(runs[i]->res.wall_s * 1000) / 1000);
			cJSON_AddItemToArray(a, c);
		}
	}
	cJSON_AddNumberToObject(
	    o, "wall_s", round(r->res.wall_s * 1000) / 1000);
	txt = cJSON_Print(o);
	cJSON_Delete(o);
	if (txt == NULL)
		return -1;
	fprintf(out, "%s\n", txt);
	cJSON_free(txt);
	return 0;
}

int
rpt_csv(const struct sim_run *r, const char *path, FILE *err)
{
	const struct sim_rec *c = &r->rec;
	FILE *f = fopen(path, "we");
	int k, z, i, st;

	if (f == NULL) {
		fprintf(err, "thermwatch-sim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "t_s,building_c");
	for (z = 0; z < r->n_zones; z++) {
		const char *n = r->scn->zones[z].name;

		fprintf(f, ",%s_air_c,%s_cooling_kw,%s_heat_kw", n, n, n);
	}
	for (st = 0; st < SIM_H_COUNT; st++)
		fprintf(f, ",hosts_%s", hstate_names[st]);
	fprintf(f, ",vms_running\n");
	for (k = 0; k < c->n; k++) {
		int count[SIM_H_COUNT] = { 0 };

		fprintf(f, "%.0f,%.2f", c->t_s[k], c->building_c[k]);
		for (z = 0; z < r->n_zones; z++)
			fprintf(f, ",%.3f,%.3f,%.3f",
			    c->air_c[k * r->n_zones + z],
			    c->cap_kw[k * r->n_zones + z],
			    c->heat_kw[k * r->n_zones + z]);
		for (i = 0; i < r->n_hosts; i++)
			count[c->hstate[(size_t)k * (size_t)r->n_hosts +
			    (size_t)i]]++;
		for (st = 0; st < SIM_H_COUNT; st++)
			fprintf(f, ",%d", count[st]);
		fprintf(f, ",%d\n", c->vms[k]);
	}
	if (fclose(f) != 0) {
		fprintf(err, "thermwatch-sim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}
