/*
 * report.c - what a run tells, as text: the timeline, the summary, and
 * the comparison table; and the list of figures (rpt_metrics) that the
 * tables, the JSON and the --seeds statistics all use.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "run.h"

void
rpt_dur(double s, char *buf, size_t len)
{
	long long t = llround(s);

	if (!(s >= 0)) {
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

/* Seconds from the incident (else the start) to t_ms; NAN without. */
static double
since_incident(const struct sim_result *res, int64_t t_ms)
{
	int64_t from = res->incident_ms >= 0 ? res->incident_ms : 0;

	return t_ms < 0 ? NAN : (t_ms - from) / 1000.0;
}

/* ---- the figures ---- */

#define GET(name, expr)                                  \
	static double name(const struct sim_result *res) \
	{                                                \
		return (expr);                           \
	}
GET(m_trips, res->hard_trips)
GET(m_clean, res->graceful_shutdowns)
GET(m_forced, res->forced_offs)
GET(m_sd_failed, res->shutdowns_failed)
GET(m_migrations, res->migrations)
GET(m_cross, res->migrations_cross_zone)
GET(m_evac_ok, res->migrations_completed)
GET(m_evac_failed, res->migrations_failed)
GET(m_no_room, res->migrations_no_room)
GET(m_service, res->service_retained_pct)
GET(m_lost, res->vms_lost)
GET(m_actions, res->actions)
GET(m_false, res->false_actions)
GET(m_needless, res->have_oracle ? res->needless_actions : NAN)
GET(m_tier_held, res->tier_order_held ? 1 : 0)
GET(m_tier_strict, res->tier_order_strict ? 1 : 0)
GET(m_alarm, since_incident(res, res->first_alarm_ms))
GET(m_first_mig, since_incident(res, res->first_migrate_ms))
GET(m_first_sd, since_incident(res, res->first_shutdown_ms))
GET(m_oracle_trip,
    res->have_oracle && res->oracle.first_trip_ms >= 0 && res->oracle.t0_ms >= 0
	? (res->oracle.first_trip_ms - res->oracle.t0_ms) / 1000.0
	: NAN)
GET(m_oracle_trips, res->have_oracle ? res->oracle.hard_trips : NAN)
GET(m_lead_alarm, res->lead_alarm)
GET(m_lead_mig, res->lead_migrate)
GET(m_lead_sd, res->lead_shutdown)
GET(m_throttled, res->throttled_s / 3600)
GET(m_wall, res->wall_s)
#undef GET

/* kind: 'n' a number, 'd' a duration, 'b' a yes/no held by runs */
const struct rpt_metric rpt_metrics[] = {
	{ "hard_trips", "hard trips", 'n', 0, m_trips },
	{ "graceful_shutdowns", "clean shutdowns", 'n', 0, m_clean },
	{ "forced_offs", "forced power-offs", 'n', 0, m_forced },
	{ "shutdowns_failed", "shutdown hooks failed", 'n', 0, m_sd_failed },
	{ "migrations", "VMs migrated", 'n', 0, m_migrations },
	{ "migrations_cross_zone", "  to another zone", 'n', 0, m_cross },
	{ "migrations_completed", "evacuations completed", 'n', 0, m_evac_ok },
	{ "migrations_failed", "evacuations failed", 'n', 0, m_evac_failed },
	{ "migrations_no_room", "  without room", 'n', 0, m_no_room },
	{ "service_retained_pct", "service retained %", 'n', 1, m_service },
	{ "vms_lost", "VMs lost", 'n', 0, m_lost },
	{ "actions", "actions started", 'n', 0, m_actions },
	{ "false_actions", "false actions", 'n', 0, m_false },
	{ "needless_actions", "needless actions", 'n', 0, m_needless },
	{ "tier_order_held", "tier 0 shut down last", 'b', 0, m_tier_held },
	{ "tier_order_strict", "tiers in order", 'b', 0, m_tier_strict },
	{ "first_alarm_s", "first alarm after incident", 'd', 0, m_alarm },
	{ "first_migration_s", "first migration", 'd', 0, m_first_mig },
	{ "first_shutdown_s", "first shutdown", 'd', 0, m_first_sd },
	{ "oracle_first_trip_s", "oracle: first trip", 'd', 0, m_oracle_trip },
	{ "oracle_hard_trips", "oracle: hard trips", 'n', 0, m_oracle_trips },
	{ "lead_alarm", "lead of alarm / oracle", 'n', 2, m_lead_alarm },
	{ "lead_migration", "lead of migration / oracle", 'n', 2, m_lead_mig },
	{ "lead_shutdown", "lead of shutdown / oracle", 'n', 2, m_lead_sd },
	{ "throttled_host_h", "throttled host-hours", 'n', 2, m_throttled },
	{ "wall_s", "wall s", 'n', 2, m_wall },
};
const int rpt_n_metrics = sizeof(rpt_metrics) / sizeof(rpt_metrics[0]);

const struct rpt_metric *
rpt_metric_find(const char *key)
{
	int k;

	for (k = 0; k < rpt_n_metrics; k++)
		if (strcmp(rpt_metrics[k].key, key) == 0)
			return &rpt_metrics[k];
	return NULL;
}

void
rpt_format(const struct rpt_metric *m, double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (m->kind == 'd')
		rpt_dur(v, buf, len);
	else if (m->kind == 'b')
		snprintf(buf, len, "%s", v != 0 ? "yes" : "NO");
	else
		snprintf(buf, len, "%.*f", m->decimals, v);
}

/* ---- text ---- */

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
		rpt_dur(l->t_ms / 1000.0, rel, sizeof(rel));
		fprintf(out, "  %s %8s  %-4s %-10s %s\n", when, rel,
		    l->zone >= 0 ? s->zones[l->zone].name : "*",
		    l->host >= 0 ? r->host[l->host].name : "", l->text);
	}
}

static void
summary_zones(const struct sim_run *r, FILE *out)
{
	const struct sim_result *res = &r->res;
	int z, i;

	for (z = 0; z < r->n_zones; z++) {
		int n[SIM_L_COUNT] = { 0 };
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
		    "  zone %s: peak air %.1f C, first alarm %s, cooling "
		    "alarm %s, %d evacuations started, %d shutdowns, %d "
		    "hard trips\n",
		    r->scn->zones[z].name, res->peak_c[z], a, b,
		    n[SIM_L_MIG_START], n[SIM_L_SHUTDOWN], n[SIM_L_TRIP]);
	}
}

static void
summary_tiers(const struct sim_run *r, FILE *out)
{
	const struct sim_result *res = &r->res;
	int t;

	for (t = 0; t <= ENG_MAX_TIER; t++) {
		const struct sim_tier_result *tr = &res->tier[t];
		char a[32] = "-", b[32] = "-";

		if (tr->hosts == 0)
			continue;
		if (tr->first_shutdown_ms >= 0) {
			scn_clock_label(r->scn, tr->first_shutdown_ms / 1000.0,
			    a, sizeof(a));
			scn_clock_label(r->scn, tr->last_shutdown_ms / 1000.0,
			    b, sizeof(b));
		}
		fprintf(out,
		    "  tier %d: %2d hosts, %2d up at the end, %2d shut down "
		    "cleanly (first %s, last %s), %d forced off, %2d tripped; "
		    "VMs %d -> %d on its hosts, %d migrated off, %d lost\n",
		    t, tr->hosts, tr->survived, tr->graceful, a, b,
		    tr->forced_offs, tr->hard_trips, tr->vms_start, tr->vms_end,
		    tr->migrations, tr->vms_lost);
	}
}

void
rpt_summary(const struct sim_run *r, FILE *out)
{
	const struct sim_result *res = &r->res;
	char inc[32] = "none", fa[32], lt[3][16];
	double v[3] = { res->lead_alarm, res->lead_migrate,
		res->lead_shutdown };
	int k;

	if (res->incident_ms >= 0)
		scn_clock_label(
		    r->scn, res->incident_ms / 1000.0, inc, sizeof(inc));
	rpt_dur(m_alarm(res), fa, sizeof(fa));
	for (k = 0; k < 3; k++)
		snprintf(
		    lt[k], sizeof(lt[k]), isnan(v[k]) ? "-" : "%.2f", v[k]);
	fprintf(out,
	    "summary (%s policy): %d hosts, %d hard trips, %d clean "
	    "shutdowns, %d forced off, %d VMs migrated (%d to another zone); "
	    "evacuations: %d completed, %d failed, %d without room\n",
	    run_policy_name(r->opt.policy), res->hosts, res->hard_trips,
	    res->graceful_shutdowns, res->forced_offs, res->migrations,
	    res->migrations_cross_zone, res->migrations_completed,
	    res->migrations_failed, res->migrations_no_room);
	fprintf(out,
	    "  danger from %s, first alarm %s after it; lead before the "
	    "oracle's first trip (1 = at the failure): alarm %s, migration "
	    "%s, shutdown %s\n",
	    inc, fa, lt[0], lt[1], lt[2]);
	fprintf(out,
	    "  service retained %.1f%% (%d of %d VMs), %d false and %d "
	    "needless actions, tier 0 shut down last: %s, tiers in order: "
	    "%s; %llu readings (%llu rejected)\n",
	    res->service_retained_pct, res->vms_end, res->vms_start,
	    res->false_actions, res->needless_actions,
	    res->tier_order_held ? "yes" : "NO",
	    res->tier_order_strict ? "yes" : "no",
	    (unsigned long long)res->readings,
	    (unsigned long long)res->rejected);
	summary_zones(r, out);
	summary_tiers(r, out);
}

void
rpt_compare(struct sim_run *const runs[], int n, FILE *out)
{
	char buf[32];
	int i, k, z;

	fprintf(out, "%-28s", "");
	for (i = 0; i < n; i++)
		fprintf(out, " %12s", run_policy_name(runs[i]->opt.policy));
	fprintf(out, "\n");
	for (k = 0; k < rpt_n_metrics; k++) {
		fprintf(out, "%-28s", rpt_metrics[k].label);
		for (i = 0; i < n; i++) {
			rpt_format(&rpt_metrics[k],
			    rpt_metrics[k].get(&runs[i]->res), buf,
			    sizeof(buf));
			fprintf(out, " %12s", buf);
		}
		fprintf(out, "\n");
	}
	for (z = 0; z < runs[0]->n_zones; z++) {
		char label[64];

		snprintf(label, sizeof(label), "zone %s peak air C",
		    runs[0]->scn->zones[z].name);
		fprintf(out, "%-28s", label);
		for (i = 0; i < n; i++)
			fprintf(out, " %12.1f", runs[i]->res.peak_c[z]);
		fprintf(out, "\n");
	}
	fprintf(out, "%-28s", "tier 0 hosts up at end");
	for (i = 0; i < n; i++)
		fprintf(out, " %12d", runs[i]->res.tier[0].survived);
	fprintf(out, "\n");
}
