/*
 * seeds.c - many runs: a worker pool for independent runs (--jobs), and
 * --seeds, which runs the scenario once per seed (each with its oracle)
 * and prints what happened per seed and the min / median / max of every
 * figure (rpt_metrics).
 *
 * Runs share nothing but the read-only scenario, and every random
 * number comes from (seed, stream, index), so the results do not depend
 * on the number of threads or on which finishes first: they are printed
 * in seed order.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "run.h"

struct pool {
	pthread_mutex_t lock;
	int next;
	int n;
	void (*fn)(void *arg, int i);
	void *arg;
};

static void *
worker(void *p)
{
	struct pool *pl = p;
	int i;

	for (;;) {
		pthread_mutex_lock(&pl->lock);
		i = pl->next < pl->n ? pl->next++ : -1;
		pthread_mutex_unlock(&pl->lock);
		if (i < 0)
			return NULL;
		pl->fn(pl->arg, i);
	}
}

void
par_for(int n, int jobs, void (*fn)(void *arg, int i), void *arg)
{
	struct pool pl = { .next = 0, .n = n, .fn = fn, .arg = arg };
	pthread_t th[SIM_MAX_JOBS];
	int k, started = 0;

	if (jobs > n)
		jobs = n;
	if (jobs > SIM_MAX_JOBS)
		jobs = SIM_MAX_JOBS;
	pthread_mutex_init(&pl.lock, NULL);
	/* this thread works too; the others are extra */
	for (k = 1; k < jobs; k++)
		if (pthread_create(&th[started], NULL, worker, &pl) == 0)
			started++;
	worker(&pl);
	for (k = 0; k < started; k++)
		pthread_join(th[k], NULL);
	pthread_mutex_destroy(&pl.lock);
}

int
seeds_parse(const char *spec, uint64_t **out, int *n)
{
	const char *p = spec;
	uint64_t *v = NULL, a, b, x;
	char *end;
	int cap = 0;

	*n = 0;
	while (*p != '\0') {
		if (*p < '0' || *p > '9')
			goto bad;
		errno = 0;
		a = b = strtoull(p, &end, 10);
		if (errno != 0)
			goto bad;
		if (*end == '-') {
			p = end + 1;
			if (*p < '0' || *p > '9')
				goto bad;
			b = strtoull(p, &end, 10);
			if (errno != 0 || b < a || b - a >= 100000)
				goto bad;
		}
		for (x = a; x <= b; x++) {
			if (*n == cap) {
				uint64_t *nv;

				cap = cap ? cap * 2 : 16;
				if (cap > 100000)
					goto bad;
				nv = realloc(v, sizeof(*v) * (size_t)cap);
				if (nv == NULL)
					goto bad;
				v = nv;
			}
			v[(*n)++] = x;
		}
		p = end;
		if (*p == ',')
			p++;
		else if (*p != '\0')
			goto bad;
	}
	if (*n == 0)
		goto bad;
	*out = v;
	return 0;
bad:
	free(v);
	*n = 0;
	return -1;
}

/* ---- --seeds ---- */

struct seeds_ctx {
	const struct sim_scenario *scn;
	const struct sim_opts *opt; /* policy is set per run */
	const int *pol;
	int n_pol;
	const uint64_t *seed;
	struct sim_result *res; /* [seed][policy] */
	cJSON **json;           /* [seed][policy] */
	int *failed;            /* [seed] */
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One seed: its oracle, then each policy, one after the other. */
static void
one_seed(void *arg, int i)
{
	struct seeds_ctx *c = arg;
	struct sim_oracle oracle;
	struct sim_opts o = *c->opt;
	struct sim_run *r = malloc(sizeof(*r));
	int k;

	if (r == NULL) {
		c->failed[i] = 1;
		return;
	}
	o.seed = c->seed[i];
	o.record = false;
	o.host_cb = NULL;
	o.oracle = true;
	o.policy = ENG_POLICY_NONE;
	if (run_init(r, c->scn, &o) != 0) {
		c->failed[i] = 1;
		run_done(r);
		free(r);
		return;
	}
	run_all(r);
	metrics_oracle(r, &oracle);
	run_done(r);
	o.oracle = false;
	for (k = 0; k < c->n_pol; k++) {
		double t0 = now_s();

		o.policy = (enum eng_policy_kind)c->pol[k];
		if (run_init(r, c->scn, &o) != 0) {
			c->failed[i] = 1;
			run_done(r);
			break;
		}
		run_all(r);
		r->res.wall_s = now_s() - t0;
		metrics_finish(r, &oracle);
		c->res[i * c->n_pol + k] = r->res;
		c->json[i * c->n_pol + k] = rpt_run_json(r, false);
		cJSON_AddNumberToObject(
		    c->json[i * c->n_pol + k], "seed", (double)o.seed);
		cJSON_AddNumberToObject(c->json[i * c->n_pol + k], "wall_s",
		    round(r->res.wall_s * 1000) / 1000);
		run_done(r);
	}
	free(r);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* min, median, max of the defined values of metric m for policy k */
static int
stats(const struct seeds_ctx *c, int n_seeds, int k, const struct rpt_metric *m,
    double *v, double st[3])
{
	int i, n = 0;

	for (i = 0; i < n_seeds; i++) {
		double x = m->get(&c->res[i * c->n_pol + k]);

		if (!isnan(x))
			v[n++] = x;
	}
	if (n == 0)
		return 0;
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	st[0] = v[0];
	st[1] = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	st[2] = v[n - 1];
	return n;
}

/* One row per seed with the figures that matter most. */
static void
per_seed(const struct seeds_ctx *c, int n_seeds, int k, FILE *out)
{
	char al[16], le[16];
	int i;

	fprintf(out, "%8s %6s %6s %6s %8s %9s %6s %8s %7s %8s %6s\n", "seed",
	    "trips", "clean", "forced", "migrated", "service%", "false",
	    "needless", "tier0", "alarm", "lead");
	for (i = 0; i < n_seeds; i++) {
		const struct sim_result *r = &c->res[i * c->n_pol + k];

		rpt_dur(
		    rpt_metric_find("first_alarm_s")->get(r), al, sizeof(al));
		snprintf(le, sizeof(le), isnan(r->lead_alarm) ? "-" : "%.2f",
		    r->lead_alarm);
		fprintf(out,
		    "%8" PRIu64 " %6d %6d %6d %8d %9.1f %6d %8d %7s %8s %6s\n",
		    c->seed[i], r->hard_trips, r->graceful_shutdowns,
		    r->forced_offs, r->migrations, r->service_retained_pct,
		    r->false_actions, r->needless_actions,
		    r->tier_order_held ? "last" : "BROKEN", al, le);
	}
}

static void
table(const struct seeds_ctx *c, int n_seeds, FILE *out)
{
	double *v = malloc(sizeof(*v) * (size_t)n_seeds), st[3];
	char b[3][32];
	int k, m, j, n;

	for (k = 0; k < c->n_pol && v != NULL; k++) {
		fprintf(out, "\n%s policy, %d seeds:\n",
		    run_policy_name((enum eng_policy_kind)c->pol[k]), n_seeds);
		per_seed(c, n_seeds, k, out);
		fprintf(out, "\n%-30s %10s %10s %10s\n", "", "min", "median",
		    "max");
		for (m = 0; m < rpt_n_metrics; m++) {
			const struct rpt_metric *mt = &rpt_metrics[m];

			n = stats(c, n_seeds, k, mt, v, st);
			if (mt->kind == 'b') {
				for (j = 0, n = 0; j < n_seeds; j++)
					n += mt->get(
						 &c->res[j * c->n_pol + k]) !=
					    0;
				fprintf(out, "%-30s %d of %d runs\n", mt->label,
				    n, n_seeds);
				continue;
			}
			for (j = 0; j < 3; j++)
				rpt_format(
				    mt, n ? st[j] : NAN, b[j], sizeof(b[j]));
			fprintf(out, "%-30s %10s %10s %10s\n", mt->label, b[0],
			    b[1], b[2]);
		}
	}
	free(v);
}

static cJSON *
stats_json(const struct seeds_ctx *c, int n_seeds)
{
	cJSON *all = cJSON_CreateObject(), *p, *e;
	double *v = malloc(sizeof(*v) * (size_t)n_seeds), st[3];
	int k, m, j, n;

	for (k = 0; k < c->n_pol && v != NULL; k++) {
		p = cJSON_AddObjectToObject(
		    all, run_policy_name((enum eng_policy_kind)c->pol[k]));
		for (m = 0; m < rpt_n_metrics; m++) {
			const struct rpt_metric *mt = &rpt_metrics[m];

			if (strcmp(mt->key, "wall_s") == 0)
				continue; /* not deterministic */
			e = cJSON_AddObjectToObject(p, mt->key);
			if (mt->kind == 'b') {
				for (j = 0, n = 0; j < n_seeds; j++)
					n += mt->get(
						 &c->res[j * c->n_pol + k]) !=
					    0;
				cJSON_AddNumberToObject(e, "held", n);
				cJSON_AddNumberToObject(e, "runs", n_seeds);
				continue;
			}
			n = stats(c, n_seeds, k, mt, v, st);
			cJSON_AddNumberToObject(e, "runs", n);
			for (j = 0; j < 3; j++) {
				static const char *const names[] = { "min",
					"median", "max" };

				if (n == 0)
					cJSON_AddNullToObject(e, names[j]);
				else
					cJSON_AddNumberToObject(e, names[j],
					    round(st[j] * 1000) / 1000);
			}
		}
	}
	free(v);
	return all;
}

int
seeds_run(const struct sim_scenario *scn, const struct sim_opts *opt,
    const int *pol, int n_pol, const uint64_t *seed, int n_seeds, int jobs,
    bool json, FILE *out)
{
	struct seeds_ctx c = {
		.scn = scn, .opt = opt, .pol = pol, .n_pol = n_pol, .seed = seed
	};
	size_t n = (size_t)n_seeds * (size_t)n_pol;
	double t0 = now_s();
	int i, rc = 0;

	c.res = calloc(n, sizeof(*c.res));
	c.json = calloc(n, sizeof(*c.json));
	c.failed = calloc((size_t)n_seeds, sizeof(*c.failed));
	if (c.res == NULL || c.json == NULL || c.failed == NULL)
		rc = -1;
	else
		par_for(n_seeds, jobs, one_seed, &c);
	for (i = 0; rc == 0 && i < n_seeds; i++)
		if (c.failed[i])
			rc = -1;
	if (rc == 0 && json) {
		cJSON *o = cJSON_CreateObject(), *a;
		char *txt;

		cJSON_AddStringToObject(o, "scenario", scn->name);
		a = cJSON_AddArrayToObject(o, "seeds");
		for (i = 0; i < n_seeds; i++)
			cJSON_AddItemToArray(
			    a, cJSON_CreateNumber((double)seed[i]));
		a = cJSON_AddArrayToObject(o, "runs");
		for (i = 0; i < (int)n; i++) {
			cJSON_AddItemToArray(a, c.json[i]);
			c.json[i] = NULL;
		}
		cJSON_AddItemToObject(o, "stats", stats_json(&c, n_seeds));
		cJSON_AddNumberToObject(
		    o, "wall_s", round((now_s() - t0) * 1000) / 1000);
		txt = cJSON_Print(o);
		cJSON_Delete(o);
		if (txt == NULL)
			rc = -1;
		else
			fprintf(out, "%s\n", txt);
		cJSON_free(txt);
	} else if (rc == 0) {
		table(&c, n_seeds, out);
		fprintf(out,
		    "\nwall time %.2f s for %d runs and their oracles\n",
		    now_s() - t0, (int)n);
	}
	for (i = 0; c.json != NULL && i < (int)n; i++)
		cJSON_Delete(c.json[i]);
	free(c.res);
	free(c.json);
	free(c.failed);
	return rc;
}
