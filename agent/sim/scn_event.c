/*
 * scn_event.c - the events list of a scenario file. Each kind has its own
 * keys; a key that means nothing for the kind is an error, so a typo or
 * a misplaced key never passes silently. Repeats (every, jitter, until,
 * count) and windows (duration) are expanded when the run starts
 * (events.c), so there is no limit on what a month can hold.
 */
#include <libconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_util.h"
#include "sim.h"

static const char *const kind_names[SIM_EV_COUNT + 1] = { "cooling", "building",
	"sensor", "load", "inlet", "peers", "bmc", "restart", "clock",
	"override", "hook", "cpu_cooler", NULL };
static const char *const fault_names[SIM_F_COUNT + 1] = { "ok", "dead", "stale",
	"stuck", "frozen", NULL };
static const char *const hook_fault_names[] = { "ok", "fail", "hang", NULL };
static const char *const hook_names[] = { "migrate", "shutdown", "*", NULL };
static const char *const sensor_names[] = { "inlet", "cpu", "exhaust", NULL };
static const char *const state_names[] = { "lost", "kept", NULL };

/* Every event may have these. */
static const char *const common_keys[] = { "at", "kind", "every", "jitter",
	"until", "count", "note", NULL };
/* ...and these, by kind. */
static const char *const *const kind_keys[SIM_EV_COUNT] = {
	[SIM_EV_COOLING] = (const char *const[]){ "zone", "cooler", "capacity",
	    "ramp_s", "duration", NULL },
	[SIM_EV_BUILDING] = (const char *const[]){ "delta_c", "duration",
	    NULL },
	[SIM_EV_SENSOR] = (const char *const[]){ "hosts", "zone", "sensor",
	    "fault", "value_c", "duration", NULL },
	[SIM_EV_LOAD] = (const char *const[]){ "hosts", "zone", "load",
	    "duration", NULL },
	[SIM_EV_INLET] = (const char *const[]){ "hosts", "zone", "delta_c",
	    "ramp_s", "duration", NULL },
	[SIM_EV_PEERS] = (const char *const[]){ "hosts", "zone", "duration",
	    NULL },
	[SIM_EV_BMC] = (const char *const[]){ "hosts", "zone", "late_s",
	    "duration", NULL },
	[SIM_EV_RESTART] = (const char *const[]){ "hosts", "zone", "duration",
	    "state", NULL },
	[SIM_EV_CLOCK] = (const char *const[]){ "hosts", "zone", "step", NULL },
	[SIM_EV_HOOK] = (const char *const[]){ "hosts", "zone", "action",
	    "fault", "duration", NULL },
	[SIM_EV_OVERRIDE] = (const char *const[]){ "hosts", "zone", "key",
	    "value", "ttl", NULL },
	[SIM_EV_CPU_COOLER] = (const char *const[]){ "hosts", "zone", "factor",
	    "ramp_s", "duration", NULL },
};

const char *
scn_sensor_name(int sensor)
{
	if (sensor < 0 || sensor >= SIM_NSENS)
		return "all";
	return sensor_names[sensor];
}

const char *
scn_kind_name(enum sim_ev_kind k)
{
	return k < SIM_EV_COUNT ? kind_names[k] : "?";
}

static bool
in_list(const char *k, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(k, *list) == 0)
			return true;
	return false;
}

/* Keys the kind does not take: an error that names the kinds that do. */
static void
check_event_keys(
    struct cnf_ctx *c, const config_setting_t *es, enum sim_ev_kind kind)
{
	const char *all[64];
	int i, k, n = 0;

	for (i = 0; common_keys[i] != NULL; i++)
		all[n++] = common_keys[i];
	all[n] = NULL;
	for (k = 0; k < SIM_EV_COUNT; k++)
		for (i = 0; kind_keys[k][i] != NULL; i++)
			if (!in_list(kind_keys[k][i], all) && n < 63) {
				all[n++] = kind_keys[k][i];
				all[n] = NULL;
			}
	cnf_check_keys(c, es, "events entry", all);
	for (i = 0; i < config_setting_length(es); i++) {
		const config_setting_t *m = config_setting_get_elem(es, i);
		const char *name = config_setting_name(m);

		if (name == NULL || !in_list(name, all) ||
		    in_list(name, common_keys) ||
		    in_list(name, kind_keys[kind]))
			continue;
		cnf_error(c, m, "%s: not a key of a \"%s\" event", name,
		    kind_names[kind]);
	}
}

/* A signed duration string: "90s", "-2h", "+15m"; NAN when malformed. */
static double
signed_span(const char *str)
{
	double t = scn_parse_duration(
	    str[0] == '-' || str[0] == '+' ? str + 1 : str);

	if (t < 0)
		return NAN;
	return str[0] == '-' ? -t : t;
}

/*
 * A time or a span: a number of seconds, or a string read by when (a
 * time: "+90m" from the start or "Fri 19:00") or else as a signed
 * duration. Errors name the key; false when absent or wrong.
 */
static bool
get_secs(struct cnf_ctx *c, const struct sim_scenario *s,
    const config_setting_t *g, const char *key, bool when, double min,
    double max, double *out)
{
	const config_setting_t *v = config_setting_get_member(g, key);
	const char *str;
	double t;

	if (v == NULL)
		return false;
	switch (config_setting_type(v)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		t = (double)config_setting_get_int64(v);
		break;
	case CONFIG_TYPE_FLOAT:
		t = config_setting_get_float(v);
		break;
	case CONFIG_TYPE_STRING:
		str = config_setting_get_string(v);
		t = when ? scn_parse_when(s, str) : signed_span(str);
		if (when ? t < 0 : !isfinite(t)) {
			cnf_error(c, v, "%s: \"%s\" is not %s", key, str,
			    when ? "a time (seconds, \"+6h\", or \"Fri "
				   "19:00\" with start set)"
				 : "a duration like \"90s\", \"15m\", "
				   "\"6h\" or \"1d\"");
			return false;
		}
		break;
	default:
		cnf_error(c, v, "%s: expected seconds or a string", key);
		return false;
	}
	if (!(t >= min && t <= max)) {
		cnf_error(c, v, "%s: %g s out of range (min %g, max %g)", key,
		    t, min, max);
		return false;
	}
	*out = t;
	return true;
}

static bool
get_time(struct cnf_ctx *c, const struct sim_scenario *s,
    const config_setting_t *g, const char *key, double *out)
{
	return get_secs(c, s, g, key, true, 0, 366 * 86400.0, out);
}

static bool
get_span(struct cnf_ctx *c, const config_setting_t *g, const char *key,
    double min, double max, double *out)
{
	return get_secs(c, NULL, g, key, false, min, max, out);
}

static int
zone_index(const struct sim_scenario *s, const char *name)
{
	int i;

	for (i = 0; i < s->n_zones; i++)
		if (strcmp(s->zones[i].name, name) == 0)
			return i;
	return -1;
}

static void
parse_cooler(struct cnf_ctx *c, const struct sim_scenario *s,
    const config_setting_t *es, struct sim_event *e)
{
	char buf[SIM_NAME_LEN];
	int z, i;

	if (!cnf_get_string(c, es, "cooler", buf, sizeof(buf)) ||
	    strcmp(buf, "*") == 0)
		return;
	for (z = 0; z < s->n_zones && e->cooler < 0; z++) {
		if (e->zone >= 0 && z != e->zone)
			continue;
		for (i = 0; i < s->zones[z].n_coolers; i++)
			if (strcmp(s->zones[z].coolers[i].name, buf) == 0) {
				e->cooler = i;
				e->zone = z;
			}
	}
	if (e->cooler < 0)
		cnf_error(c, config_setting_get_member(es, "cooler"),
		    "cooler: no cooling unit named \"%s\"", buf);
}

static void
parse_kind_keys(struct cnf_ctx *c, const struct sim_scenario *s,
    const config_setting_t *es, struct sim_event *e)
{
	int v;

	parse_cooler(c, s, es, e);
	if (e->kind == SIM_EV_COOLING &&
	    config_setting_get_member(es, "zone") == NULL && e->cooler < 0)
		cnf_error(c, es, "cooling event needs a zone");
	cnf_get_double(c, es, "capacity", 0, 1, &e->capacity);
	cnf_get_double(c, es, "ramp_s", 0, 366 * 86400.0, &e->ramp_s);
	cnf_get_double(c, es, "delta_c", -30, 30, &e->delta_c);
	cnf_get_string(c, es, "hosts", e->hosts, sizeof(e->hosts));
	v = -1;
	if (config_setting_get_member(es, "sensor") != NULL &&
	    cnf_get_enum(c, es, "sensor", sensor_names, &v))
		e->sensor = v;
	if (e->kind == SIM_EV_HOOK) {
		v = SIM_HOOK_FAIL;
		cnf_get_enum(c, es, "fault", hook_fault_names, &v);
		e->fault = v;
		v = 2;
		cnf_get_enum(c, es, "action", hook_names, &v);
		e->hook = v == 0 ? SIM_HOOK_MIGRATE
		    : v == 1     ? SIM_HOOK_SHUTDOWN
				 : SIM_HOOK_MIGRATE | SIM_HOOK_SHUTDOWN;
	} else {
		v = SIM_F_DEAD;
		cnf_get_enum(c, es, "fault", fault_names, &v);
		e->fault = v;
	}
	if (e->kind == SIM_EV_SENSOR && e->fault == SIM_F_STUCK &&
	    config_setting_get_member(es, "value_c") == NULL)
		cnf_error(c, es, "a \"stuck\" sensor needs value_c");
	cnf_get_double(c, es, "value_c", -150, 4e6, &e->value_c);
	if (e->kind == SIM_EV_RESTART) {
		v = 0;
		cnf_get_enum(c, es, "state", state_names, &v);
		e->keep_state = v == 1;
	}
	cnf_get_double(c, es, "load", 0, 10, &e->load);
	if (e->kind == SIM_EV_LOAD && e->duration_s > 0 && e->load <= 0)
		cnf_error(c, es, "a load window (duration) needs load > 0");
	cnf_get_double(c, es, "late_s", 0, 3600, &e->late_s);
	if (e->kind == SIM_EV_CPU_COOLER) {
		e->factor = 4;
		e->ramp_s = 10;
		cnf_get_double(c, es, "factor", 1, 50, &e->factor);
		cnf_get_double(c, es, "ramp_s", 0, 86400, &e->ramp_s);
	}
	get_span(c, es, "step", -366 * 86400.0, 366 * 86400.0, &e->delta_s);
	if (e->kind == SIM_EV_CLOCK &&
	    config_setting_get_member(es, "step") == NULL)
		cnf_error(c, es, "clock event needs step (e.g. \"-2h\")");
	if (e->kind == SIM_EV_OVERRIDE) {
		double lo, hi;

		if (!cnf_get_string(c, es, "key", e->key, sizeof(e->key)) ||
		    !eng_override_key_valid(e->key, &lo, &hi))
			cnf_error(c, es,
			    "override event needs a valid key (see "
			    "thermwatch.conf(5), overrides)");
		cnf_get_double(c, es, "value", -1e6, 1e6, &e->value);
		if (!get_span(c, es, "ttl", 1, 366 * 86400.0, &e->ttl_s))
			cnf_error(c, es, "override event needs ttl");
	}
}

static void
parse_event(struct cnf_ctx *c, const struct sim_scenario *s,
    const config_setting_t *es, struct sim_event *e)
{
	char buf[SIM_NAME_LEN];
	int k = SIM_EV_COOLING;

	memset(e, 0, sizeof(*e));
	e->zone = -1;
	e->cooler = -1;
	e->sensor = -1;
	e->capacity = 0;
	e->load = 1;
	e->until_s = -1;
	e->line = config_setting_source_line(es);
	snprintf(e->hosts, sizeof(e->hosts), "*");
	cnf_get_enum(c, es, "kind", kind_names, &k);
	e->kind = (enum sim_ev_kind)k;
	check_event_keys(c, es, e->kind);
	if (!get_time(c, s, es, "at", &e->at_s) &&
	    config_setting_get_member(es, "at") == NULL)
		cnf_error(c, es, "event without \"at\"");
	get_span(c, es, "every", 1, 366 * 86400.0, &e->every_s);
	get_span(c, es, "jitter", 0, 366 * 86400.0, &e->jitter_s);
	get_time(c, s, es, "until", &e->until_s);
	cnf_get_int(c, es, "count", 1, 10000000, &e->count);
	if (e->every_s <= 0 &&
	    (config_setting_get_member(es, "until") != NULL ||
		config_setting_get_member(es, "count") != NULL))
		cnf_error(c, es, "until and count need every");
	get_span(c, es, "duration", 0.001, 366 * 86400.0, &e->duration_s);
	if (cnf_get_string(c, es, "zone", buf, sizeof(buf))) {
		e->zone = zone_index(s, buf);
		if (e->zone < 0)
			cnf_error(c, config_setting_get_member(es, "zone"),
			    "zone: no zone named \"%s\"", buf);
	}
	parse_kind_keys(c, s, es, e);
	cnf_get_string(c, es, "note", e->note, sizeof(e->note));
}

static int
cmp_event(const void *a, const void *b)
{
	const struct sim_event *x = a, *y = b;

	if (x->at_s != y->at_s)
		return x->at_s < y->at_s ? -1 : 1;
	return x->line - y->line;
}

void
scn_parse_events(
    struct cnf_ctx *c, const config_setting_t *root, struct sim_scenario *s)
{
	const config_setting_t *l = config_setting_get_member(root, "events");
	int i, n;

	if (l == NULL)
		return;
	if (!config_setting_is_list(l)) {
		cnf_error(c, l, "events: expected a list ( { ... }, ... )");
		return;
	}
	n = config_setting_length(l);
	s->events = calloc((size_t)(n > 0 ? n : 1), sizeof(*s->events));
	if (s->events == NULL) {
		cnf_error(c, l, "events: out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		const config_setting_t *es = config_setting_get_elem(l, i);

		if (!config_setting_is_group(es)) {
			cnf_error(c, es,
			    "events entry: expected "
			    "{ at = ...; kind = ...; }");
			continue;
		}
		parse_event(c, s, es, &s->events[s->n_events++]);
	}
	qsort(s->events, (size_t)s->n_events, sizeof(s->events[0]), cmp_event);
}
