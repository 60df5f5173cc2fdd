/*
 * conf.c - load thermwatch.conf: the agent, hwmon, sensors and control
 * groups here, the others in their own conf_*.c.
 */
#include "conf.h"

#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const top_keys[] = { "agent", "hwmon", "ipmi", "classes",
	"policy", "sensors", "mqtt", "actions", "control", "fleet",
	"prometheus", NULL };

static void
default_host(char *buf, size_t len)
{
	char *dot;

	if (gethostname(buf, len) != 0 || buf[0] == '\0')
		snprintf(buf, len, "localhost");
	buf[len - 1] = '\0';
	dot = strchr(buf, '.');
	if (dot != NULL)
		*dot = '\0';
}

/* A peer's inlet summary is plausible in the range of this host's own
 * inlet sensors (classes.inlet.min_valid_c .. max_valid_c). */
static void
peer_bounds(struct agent_conf *c)
{
	c->mqtt.peer_min_c = c->engine.cls[ENG_CLASS_INLET].min_valid_c;
	c->mqtt.peer_max_c = c->engine.cls[ENG_CLASS_INLET].max_valid_c;
}

void
cnf_defaults(struct agent_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->path = c->hwmon.sensors_conf = c->prometheus.textfile = "";
	snprintf(c->agent.site, sizeof(c->agent.site), "default");
	snprintf(c->agent.zone, sizeof(c->agent.zone), "default");
	default_host(c->agent.host, sizeof(c->agent.host));
	c->agent.tier = 2;
	c->agent.interval_s = 1.0;
	c->agent.rescan_s = 60.0;
	c->agent.max_sensors = CNF_MAX_SENSORS;
	c->agent.state_dir = "/var/lib/thermwatch";
	c->hwmon.enabled = true;
	ipmi_conf_defaults(&c->ipmi);
	eng_conf_defaults(&c->engine);
	mqtt_conf_defaults(&c->mqtt);
	actions_conf_defaults(&c->actions);
	fleet_conf_defaults(&c->fleet);
	snprintf(c->control.socket, sizeof(c->control.socket),
	    "/run/thermwatch/control.sock");
	c->control.mode = 0660;
	peer_bounds(c);
}

/* Host, site and zone end up in MQTT topics: no wildcards or slashes. */
static void
check_name(struct cnf_ctx *ctx, const config_setting_t *g, const char *key,
    const char *v)
{
	if (v[0] == '\0' || strpbrk(v, "/+#") != NULL)
		cnf_error(ctx, config_setting_get_member(g, key),
		    "'%s' must be a non-empty name without '/', '+' or '#'",
		    key);
}

static void
parse_agent(struct cnf_ctx *ctx, const config_setting_t *g,
    struct agent_group *a, struct cnf_strs *strs)
{
	static const char *const known[] = { "site", "zone", "host", "tier",
		"interval_s", "rescan_s", "state_dir", "max_sensors", NULL };

	if (g == NULL)
		return;
	cnf_check_keys(ctx, g, "agent", known);
	if (cnf_get_string(ctx, g, "site", a->site, sizeof(a->site)))
		check_name(ctx, g, "site", a->site);
	if (cnf_get_string(ctx, g, "zone", a->zone, sizeof(a->zone)))
		check_name(ctx, g, "zone", a->zone);
	if (cnf_get_string(ctx, g, "host", a->host, sizeof(a->host)))
		check_name(ctx, g, "host", a->host);
	cnf_get_int(ctx, g, "tier", 0, ENG_MAX_TIER, &a->tier);
	cnf_get_double(ctx, g, "interval_s", 0.1, 60.0, &a->interval_s);
	cnf_get_int(
	    ctx, g, "max_sensors", 1, CNF_SENSORS_LIMIT, &a->max_sensors);
	if (cnf_get_double(ctx, g, "rescan_s", 0.0, 86400.0, &a->rescan_s) &&
	    a->rescan_s > 0 && a->rescan_s < 5.0)
		cnf_error(ctx, config_setting_get_member(g, "rescan_s"),
		    "'rescan_s' must be 0 (off) or at least 5");
	if (cnf_get_owned(ctx, g, "state_dir", PATH_MAX, strs, &a->state_dir) &&
	    a->state_dir[0] != '/')
		cnf_error(ctx, config_setting_get_member(g, "state_dir"),
		    "'state_dir' must be an absolute path");
}

static void
parse_hwmon(struct cnf_ctx *ctx, const config_setting_t *g,
    struct hwmon_conf *h, struct cnf_strs *strs)
{
	static const char *const known[] = { "enabled", "ignore",
		"sensors_conf", NULL };
	char **v = NULL;
	int i;

	if (g == NULL)
		return;
	cnf_check_keys(ctx, g, "hwmon", known);
	cnf_get_bool(ctx, g, "enabled", &h->enabled);
	cnf_get_owned(ctx, g, "sensors_conf", PATH_MAX, strs, &h->sensors_conf);
	if (!cnf_get_strv(ctx, g, "ignore", false, &v))
		return;
	for (i = 0; v[i] != NULL && i < CNF_MAX_IGNORE; i++)
		;
	free(h->ignore);
	h->n_ignore = 0;
	if (i > 0 && (h->ignore = calloc((size_t)i, CNF_PATTERN_LEN)) == NULL) {
		cnf_error(ctx, config_setting_get_member(g, "ignore"),
		    "out of memory");
		cnf_strv_free(v);
		return;
	}
	for (i = 0; v[i] != NULL; i++) {
		if (i >= CNF_MAX_IGNORE) {
			cnf_error(ctx, config_setting_get_member(g, "ignore"),
			    "'ignore' has more than %d patterns",
			    CNF_MAX_IGNORE);
			break;
		}
		if (strlen(v[i]) >= CNF_PATTERN_LEN) {
			cnf_error(ctx, config_setting_get_member(g, "ignore"),
			    "'ignore' pattern %d is too long", i + 1);
			continue;
		}
		snprintf(h->ignore[i], CNF_PATTERN_LEN, "%s", v[i]);
		h->n_ignore = i + 1;
	}
	cnf_strv_free(v);
}

static void
parse_sensors(
    struct cnf_ctx *ctx, const config_setting_t *list, struct agent_conf *c)
{
	static const char *const known[] = { "match", "class", "trip_c",
		"ignore", NULL };
	static const char *const classes[] = { "cpu", "inlet", "exhaust",
		"other", NULL };
	const config_setting_t *e;
	struct sensor_rule *r;
	int i, n, room;

	if (list == NULL)
		return;
	if (config_setting_type(list) != CONFIG_TYPE_LIST) {
		cnf_error(
		    ctx, list, "'sensors' must be a list ( { ... }, ... )");
		return;
	}
	n = config_setting_length(list);
	/* room for the entries, at most CNF_MAX_RULES in all (the loop
	 * stops there, with an error) */
	room = n < CNF_MAX_RULES - c->n_rules ? n : CNF_MAX_RULES - c->n_rules;
	if (room > 0) {
		r = realloc(
		    c->rules, (size_t)(c->n_rules + room) * sizeof(*c->rules));
		if (r == NULL) {
			cnf_error(ctx, list, "out of memory");
			return;
		}
		c->rules = r;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(list, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
			cnf_error(ctx, e,
			    "'sensors' entry %d must be a group "
			    "{ match = ...; }",
			    i + 1);
			continue;
		}
		if (c->n_rules >= CNF_MAX_RULES) {
			cnf_error(ctx, e, "more than %d 'sensors' entries",
			    CNF_MAX_RULES);
			return;
		}
		r = &c->rules[c->n_rules];
		r->cls = -1;
		r->trip_c = NAN;
		r->ignore = false;
		r->line = (int)config_setting_source_line(e);
		cnf_check_keys(ctx, e, "sensors", known);
		if (!cnf_get_string(
			ctx, e, "match", r->match, sizeof(r->match))) {
			if (config_setting_get_member(e, "match") == NULL)
				cnf_error(ctx, e,
				    "'sensors' entry %d has no "
				    "'match' pattern",
				    i + 1);
			continue;
		}
		cnf_get_enum(ctx, e, "class", classes, &r->cls);
		cnf_get_double(ctx, e, "trip_c", -50.0, 200.0, &r->trip_c);
		cnf_get_bool(ctx, e, "ignore", &r->ignore);
		c->n_rules++;
	}
}

/* mode = "0660": a string, because libconfig has no octal numbers. */
static void
parse_mode(
    struct cnf_ctx *ctx, const config_setting_t *g, struct control_conf *k)
{
	char buf[8], *end;
	long v;

	if (!cnf_get_string(ctx, g, "mode", buf, sizeof(buf)))
		return;
	v = strtol(buf, &end, 8);
	if (buf[0] == '\0' || *end != '\0' || v < 0600 || v > 0666 ||
	    (v & 0600) != 0600)
		cnf_error(ctx, config_setting_get_member(g, "mode"),
		    "'mode' = \"%s\" must be an octal file mode from \"0600\" "
		    "to \"0666\"",
		    buf);
	else
		k->mode = (int)v;
}

static void
parse_control(
    struct cnf_ctx *ctx, const config_setting_t *g, struct control_conf *k)
{
	static const char *const known[] = { "socket", "mode", NULL };

	if (g == NULL)
		return;
	cnf_check_keys(ctx, g, "control", known);
	if (cnf_get_string(ctx, g, "socket", k->socket, sizeof(k->socket)) &&
	    k->socket[0] != '/')
		cnf_error(ctx, config_setting_get_member(g, "socket"),
		    "'socket' must be an absolute path");
	parse_mode(ctx, g, k);
}

/* The metrics file: node_exporter reads only *.prom files of its
 * directory, so the temporary file beside it (path.tmp) is never read. */
static void
parse_prometheus(struct cnf_ctx *ctx, const config_setting_t *g,
    struct prom_conf *p, struct cnf_strs *strs)
{
	static const char *const known[] = { "textfile", NULL };
	size_t n;

	if (g == NULL)
		return;
	cnf_check_keys(ctx, g, "prometheus", known);
	if (!cnf_get_owned(
		ctx, g, "textfile", PATH_MAX - 8, strs, &p->textfile) ||
	    p->textfile[0] == '\0')
		return;
	n = strlen(p->textfile);
	if (p->textfile[0] != '/' || n < 6 ||
	    strcmp(p->textfile + n - 5, ".prom") != 0)
		cnf_error(ctx, config_setting_get_member(g, "textfile"),
		    "'textfile' must be an absolute path ending in .prom");
}

static int
parse_tree(struct cnf_ctx *ctx, config_t *cfg, struct agent_conf *c)
{
	const config_setting_t *root = config_root_setting(cfg);

	cnf_check_keys(ctx, root, "(top level)", top_keys);
	parse_agent(ctx, cnf_group(ctx, root, "agent"), &c->agent, &c->strs);
	parse_hwmon(ctx, cnf_group(ctx, root, "hwmon"), &c->hwmon, &c->strs);
	ipmi_conf_parse(ctx, cnf_group(ctx, root, "ipmi"), &c->ipmi);
	engine_conf_parse(ctx, cnf_group(ctx, root, "classes"),
	    cnf_group(ctx, root, "policy"), &c->engine);
	c->engine.tier = c->agent.tier;
	/* the engine ignores peer summaries carrying its own name */
	snprintf(c->engine.host, sizeof(c->engine.host), "%s", c->agent.host);
	parse_sensors(ctx, config_setting_get_member(root, "sensors"), c);
	mqtt_conf_parse(ctx, cnf_group(ctx, root, "mqtt"), &c->mqtt);
	peer_bounds(c);
	actions_conf_parse(ctx, cnf_group(ctx, root, "actions"), &c->actions);
	parse_control(ctx, cnf_group(ctx, root, "control"), &c->control);
	fleet_conf_parse(ctx, cnf_group(ctx, root, "fleet"),
	    c->mqtt.state_refresh_s, &c->fleet);
	parse_prometheus(
	    ctx, cnf_group(ctx, root, "prometheus"), &c->prometheus, &c->strs);
	return ctx->errors;
}

static int
load(const char *name, const char *path, const char *text, struct agent_conf *c,
    FILE *err)
{
	struct cnf_ctx ctx = { .file = name, .err = err, .errors = 0 };
	config_t cfg;
	int ok;

	cnf_defaults(c);
	if ((c->path = cnf_strs_add(&c->strs, name)) == NULL)
		c->path = ""; /* out of memory: nothing to reload from */
	config_init(&cfg);
	config_set_options(&cfg, 0);
	if (path != NULL) {
		FILE *f = fopen(path, "r");

		if (f == NULL) {
			fprintf(err, "%s: cannot open: %s\n", name,
			    strerror(errno));
			config_destroy(&cfg);
			return 1;
		}
		ok = config_read(&cfg, f);
		fclose(f);
	} else {
		ok = config_read_string(&cfg, text);
	}
	if (ok != CONFIG_TRUE) {
		fprintf(err, "%s:%d: %s\n",
		    config_error_file(&cfg) ? config_error_file(&cfg) : name,
		    config_error_line(&cfg), config_error_text(&cfg));
		config_destroy(&cfg);
		return 1;
	}
	parse_tree(&ctx, &cfg, c);
	config_destroy(&cfg);
	return ctx.errors;
}

int
cnf_load(const char *path, struct agent_conf *c, FILE *err)
{
	return load(path, path, NULL, c, err);
}

int
cnf_load_string(
    const char *name, const char *text, struct agent_conf *c, FILE *err)
{
	return load(name, NULL, text, c, err);
}

void
cnf_free(struct agent_conf *c)
{
	free(c->hwmon.ignore);
	c->hwmon.ignore = NULL;
	c->hwmon.n_ignore = 0;
	free(c->rules);
	c->rules = NULL;
	c->n_rules = 0;
	cnf_strs_free(&c->strs);
	c->path = c->hwmon.sensors_conf = c->prometheus.textfile = "";
	c->agent.state_dir = "";
	ipmi_conf_free(&c->ipmi);
	mqtt_conf_free(&c->mqtt);
	actions_conf_free(&c->actions);
	fleet_conf_free(&c->fleet);
}

const struct sensor_rule *
cnf_match_rule(const struct agent_conf *c, const char *id)
{
	int i;

	for (i = 0; i < c->n_rules; i++)
		if (fnmatch(c->rules[i].match, id, 0) == 0)
			return &c->rules[i];
	return NULL;
}

int
cnf_print(const struct agent_conf *c, FILE *out)
{
	static const char *const classes[] = { "cpu", "inlet", "exhaust",
		"other" };
	config_setting_t *root, *g, *list, *e;
	char **ign;
	char mode[8];
	config_t cfg;
	int i;

	config_init(&cfg);
	/* "agent = {" rather than libconfig's default "agent :" */
	config_set_options(&cfg, CONFIG_OPTION_SEMICOLON_SEPARATORS);
	root = config_root_setting(&cfg);
	g = cnf_emit_group(root, "agent");
	cnf_emit_string(g, "site", c->agent.site);
	cnf_emit_string(g, "zone", c->agent.zone);
	cnf_emit_string(g, "host", c->agent.host);
	cnf_emit_int(g, "tier", c->agent.tier);
	cnf_emit_double(g, "interval_s", c->agent.interval_s);
	cnf_emit_double(g, "rescan_s", c->agent.rescan_s);
	cnf_emit_int(g, "max_sensors", c->agent.max_sensors);
	cnf_emit_string(g, "state_dir", c->agent.state_dir);

	g = cnf_emit_group(root, "hwmon");
	cnf_emit_bool(g, "enabled", c->hwmon.enabled);
	ign = calloc((size_t)c->hwmon.n_ignore + 1, sizeof(*ign));
	for (i = 0; ign != NULL && i < c->hwmon.n_ignore; i++)
		ign[i] = (char *)c->hwmon.ignore[i];
	cnf_emit_strv(g, "ignore", ign);
	free(ign);
	cnf_emit_string(g, "sensors_conf", c->hwmon.sensors_conf);

	ipmi_conf_emit(root, &c->ipmi);
	engine_conf_emit(root, &c->engine);

	list = config_setting_add(root, "sensors", CONFIG_TYPE_LIST);
	for (i = 0; i < c->n_rules; i++) {
		e = config_setting_add(list, NULL, CONFIG_TYPE_GROUP);
		cnf_emit_string(e, "match", c->rules[i].match);
		if (c->rules[i].cls >= 0)
			cnf_emit_string(e, "class", classes[c->rules[i].cls]);
		if (!isnan(c->rules[i].trip_c))
			cnf_emit_double(e, "trip_c", c->rules[i].trip_c);
		cnf_emit_bool(e, "ignore", c->rules[i].ignore);
	}

	mqtt_conf_emit(root, &c->mqtt);
	actions_conf_emit(root, &c->actions);

	g = cnf_emit_group(root, "control");
	cnf_emit_string(g, "socket", c->control.socket);
	snprintf(mode, sizeof(mode), "%04o", (unsigned)c->control.mode);
	cnf_emit_string(g, "mode", mode);

	fleet_conf_emit(root, &c->fleet);
	g = cnf_emit_group(root, "prometheus");
	cnf_emit_string(g, "textfile", c->prometheus.textfile);

	config_write(&cfg, out);
	config_destroy(&cfg);
	return ferror(out) ? -1 : 0;
}
