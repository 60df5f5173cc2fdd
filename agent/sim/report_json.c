/*
 * report_json.c - what a run tells, as data: one JSON object (cJSON) per
 * run, with or without its timeline, and the CSV time series.
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

/* A number rounded to 1e-3 s or units, null when not defined. */
static void
add_num(cJSON *o, const char *key, double v)
{
	if (isnan(v))
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddNumberToObject(o, key, round(v * 1000) / 1000);
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

cJSON *
rpt_run_json(const struct sim_run *r, bool with_events)
{
	const struct sim_result *res = &r->res;
	cJSON *o = cJSON_CreateObject(), *a, *e;
	int t, z, i, k;

	cJSON_AddStringToObject(o, "policy", run_policy_name(r->opt.policy));
	cJSON_AddNumberToObject(o, "hosts", res->hosts);
	for (k = 0; k < rpt_n_metrics; k++) {
		const struct rpt_metric *m = &rpt_metrics[k];
		double v = m->get(res);

		if (strcmp(m->key, "wall_s") == 0)
			continue; /* last, rounded: main.c */
		if (m->kind == 'b')
			cJSON_AddBoolToObject(o, m->key, v != 0);
		else
			add_num(o, m->key, v);
	}
	add_time(o, "incident_s", res->incident_ms);
	cJSON_AddNumberToObject(o, "evacuations", res->evacuations);
	cJSON_AddNumberToObject(
	    o, "vm_migrations_failed", res->vm_migrations_failed);
	cJSON_AddNumberToObject(o, "vms_start", res->vms_start);
	cJSON_AddNumberToObject(o, "vms_end", res->vms_end);
	cJSON_AddNumberToObject(o, "restarts", res->restarts);
	cJSON_AddNumberToObject(
	    o, "peers_dropped_clock", (double)res->peers_dropped_age);
	cJSON_AddNumberToObject(o, "readings", (double)res->readings);
	cJSON_AddNumberToObject(o, "rejected", (double)res->rejected);
	add_mean(o, "migrate_s", res->evac_s_sum, res->migrations_completed);
	add_mean(o, "shutdown_s", res->off_s_sum, res->graceful_shutdowns);

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
		cJSON_AddNumberToObject(e, "forced_offs", tr->forced_offs);
		cJSON_AddNumberToObject(e, "hard_trips", tr->hard_trips);
		cJSON_AddNumberToObject(e, "vms_start", tr->vms_start);
		cJSON_AddNumberToObject(e, "vms_end", tr->vms_end);
		cJSON_AddNumberToObject(e, "vms_lost", tr->vms_lost);
		cJSON_AddNumberToObject(e, "migrations", tr->migrations);
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

	o = rpt_run_json(r, true);
	cJSON_AddStringToObject(o, "scenario", s->name);
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)r->opt.seed);
	cJSON_AddRawToObject(o, "seed", seed);
	cJSON_AddNumberToObject(o, "duration_s", r->end_ms / 1000.0);
	cJSON_AddNumberToObject(o, "tick_s", r->tick_ms / 1000.0);
	if (n > 1) {
		a = cJSON_AddArrayToObject(o, "compare");
		for (i = 0; i < n; i++) {
			cJSON *c = rpt_run_json(runs[i], false);

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
