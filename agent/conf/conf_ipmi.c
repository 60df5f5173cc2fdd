/*
 * conf_ipmi.c - parse and emit the "ipmi" group.
 */
#include "conf_ipmi.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ipmi_driver_names[] = { "auto", "openipmi", "kcs", "ssif",
	"lan", NULL };
const char *const ipmi_priv_names[] = { "user", "operator", "admin", NULL };
const char *const ipmi_trip_names[] = { "upper-critical",
	"upper-non-recoverable", NULL };
const char *const ipmi_wd_action_names[] = { "hard-reset", "power-down",
	"power-cycle", NULL };
const char *const ipmi_workaround_names[] = { "opensesspriv", "authcap",
	"intel20", "supermicro20", "sun20", "integritycheckvalue",
	"nochecksumcheck", "assumeio", "spinpoll", NULL };

void
ipmi_conf_defaults(struct ipmi_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->enabled = false;
	c->driver = IPMI_DRV_AUTO;
	c->privilege = IPMI_PRIV_USER;
	c->cipher_suite = 3;
	c->timeout_s = 5.0;
	c->retransmit_s = 0.25;
	c->deadline_s = 12.0;
	c->interval_s = 0.0;
	c->backoff_max_s = 60.0;
	c->thresholds_refresh_s = 600.0;
	c->trip = IPMI_TRIP_UC;
	c->temperature_only = true;
	c->watchdog.enabled = false;
	c->watchdog.action = IPMI_WD_POWER_DOWN;
	c->watchdog.privilege = IPMI_PRIV_OPERATOR;
	c->watchdog.countdown_s = 300.0;
}

/* "host", "host:port" or "[v6addr]:port"; 0 when acceptable. */
static int
check_host(const char *s)
{
	const char *colon, *p;
	char *end;
	long port;

	if (*s == '\0')
		return -1;
	for (p = s; *p != '\0'; p++)
		if (isspace((unsigned char)*p) || !isprint((unsigned char)*p))
			return -1;
	if (s[0] == '[') {
		p = strchr(s, ']');
		if (p == NULL || p == s + 1)
			return -1;
		if (p[1] == '\0')
			return 0;
		if (p[1] != ':')
			return -1;
		colon = p + 1;
	} else {
		colon = strchr(s, ':');
		if (colon == NULL)
			return 0;
		if (strchr(colon + 1, ':') != NULL || colon == s)
			return -1;
	}
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port < 1 || port > 65535)
		return -1;
	return 0;
}

static void
parse_workarounds(
    struct cnf_ctx *ctx, const config_setting_t *group, struct ipmi_conf *c)
{
	char **v = NULL, **p;
	const char *hint;
	unsigned int bits = 0;
	int i, bad = 0;

	if (!cnf_get_strv(ctx, group, "workarounds", false, &v))
		return;
	for (p = v; *p != NULL; p++) {
		for (i = 0; ipmi_workaround_names[i] != NULL; i++)
			if (strcmp(*p, ipmi_workaround_names[i]) == 0)
				break;
		if (ipmi_workaround_names[i] != NULL) {
			bits |= 1u << i;
			continue;
		}
		bad++;
		hint = cnf_suggest(*p, ipmi_workaround_names);
		cnf_error(ctx, config_setting_get_member(group, "workarounds"),
		    "unknown IPMI workaround \"%s\"%s%s%s (known: opensesspriv,"
		    " authcap, intel20, supermicro20, sun20, "
		    "integritycheckvalue, nochecksumcheck, assumeio, spinpoll)",
		    *p, hint ? " (did you mean \"" : "", hint ? hint : "",
		    hint ? "\"?)" : "");
	}
	if (bad == 0)
		c->workarounds = bits;
	cnf_strv_free(v);
}

static void
parse_watchdog(
    struct cnf_ctx *ctx, const config_setting_t *group, struct ipmi_wd_conf *w)
{
	static const char *const known[] = { "enabled", "action", "privilege",
		"countdown_s", NULL };
	int v;

	if (group == NULL)
		return;
	cnf_check_keys(ctx, group, "ipmi.watchdog", known);
	cnf_get_bool(ctx, group, "enabled", &w->enabled);
	if (cnf_get_enum(ctx, group, "action", ipmi_wd_action_names, &v))
		w->action = v;
	if (cnf_get_enum(ctx, group, "privilege", ipmi_priv_names, &v)) {
		if (v == IPMI_PRIV_USER)
			cnf_error(ctx,
			    config_setting_get_member(group, "privilege"),
			    "'privilege' = \"user\" cannot set "
			    "the BMC watchdog (Set Watchdog Timer needs "
			    "\"operator\" or \"admin\")");
		else
			w->privilege = v;
	}
	/* The countdown is 16 bits of 100 ms. */
	cnf_get_double(ctx, group, "countdown_s", 1.0, 6553.0, &w->countdown_s);
}

void
ipmi_conf_parse(
    struct cnf_ctx *ctx, const config_setting_t *group, struct ipmi_conf *c)
{
	static const char *const known[] = { "enabled", "driver", "device",
		"host", "username", "password_file", "privilege", "port",
		"cipher_suite", "workarounds", "timeout_s", "retransmit_s",
		"deadline_s", "interval_s", "backoff_max_s",
		"thresholds_refresh_s", "trip_threshold", "temperature_only",
		"watchdog", "password", NULL };
	const config_setting_t *s;
	int v, port = 0;

	if (group == NULL)
		return;
	cnf_check_keys(ctx, group, "ipmi", known);
	cnf_get_bool(ctx, group, "enabled", &c->enabled);
	if (cnf_get_enum(ctx, group, "driver", ipmi_driver_names, &v))
		c->driver = v;
	cnf_get_string(ctx, group, "device", c->device, sizeof(c->device));
	if (cnf_get_string(ctx, group, "host", c->host, sizeof(c->host)) &&
	    check_host(c->host) != 0) {
		cnf_error(ctx, config_setting_get_member(group, "host"),
		    "'host' = \"%s\" is not a host name or address, "
		    "optionally with :port (1-65535)",
		    c->host);
		c->host[0] = '\0';
	}
	/* port: the same as "host:port", for those who prefer it apart. */
	if (cnf_get_int(ctx, group, "port", 1, 65535, &port) &&
	    c->host[0] != '\0') {
		const char *h = c->host[0] == '[' ? strchr(c->host, ']')
						  : c->host;

		if (h != NULL && strchr(h, ':') != NULL)
			cnf_error(ctx, config_setting_get_member(group, "port"),
			    "'port' and a port in 'host' (\"%s\"): "
			    "give one of them",
			    c->host);
		else if (strlen(c->host) + 7 > sizeof(c->host))
			cnf_error(ctx, config_setting_get_member(group, "port"),
			    "'host' is too long to add the port");
		else
			snprintf(c->host + strlen(c->host), 7, ":%d", port);
	}
	cnf_get_string(
	    ctx, group, "username", c->username, sizeof(c->username));
	if (cnf_get_string(ctx, group, "password_file", c->password_file,
		sizeof(c->password_file)) &&
	    c->password_file[0] != '/') {
		cnf_error(ctx,
		    config_setting_get_member(group, "password_file"),
		    "'password_file' = \"%s\" must be an "
		    "absolute path",
		    c->password_file);
		c->password_file[0] = '\0';
	}
	s = config_setting_get_member(group, "password");
	if (s != NULL)
		cnf_error(ctx, s,
		    "no passwords in the main config: put it "
		    "alone in a file readable only by the agent and set "
		    "'password_file'");
	if (cnf_get_enum(ctx, group, "privilege", ipmi_priv_names, &v))
		c->privilege = v;
	cnf_get_int(ctx, group, "cipher_suite", 0, 17, &c->cipher_suite);
	parse_workarounds(ctx, group, c);
	cnf_get_double(ctx, group, "timeout_s", 0.2, 120.0, &c->timeout_s);
	cnf_get_double(
	    ctx, group, "retransmit_s", 0.05, 10.0, &c->retransmit_s);
	cnf_get_double(ctx, group, "deadline_s", 0.5, 600.0, &c->deadline_s);
	cnf_get_double(ctx, group, "interval_s", 0.0, 3600.0, &c->interval_s);
	cnf_get_double(
	    ctx, group, "backoff_max_s", 1.0, 3600.0, &c->backoff_max_s);
	cnf_get_double(ctx, group, "thresholds_refresh_s", 10.0, 86400.0,
	    &c->thresholds_refresh_s);
	if (cnf_get_enum(ctx, group, "trip_threshold", ipmi_trip_names, &v))
		c->trip = v;
	cnf_get_bool(ctx, group, "temperature_only", &c->temperature_only);
	parse_watchdog(ctx, cnf_group(ctx, group, "watchdog"), &c->watchdog);

	/* Cross-key checks, reported on the group's line. */
	if (c->retransmit_s > c->timeout_s)
		cnf_error(ctx, group,
		    "ipmi: retransmit_s (%g) must not be "
		    "longer than timeout_s (%g)",
		    c->retransmit_s, c->timeout_s);
	if (c->deadline_s <= c->timeout_s)
		cnf_error(ctx, group,
		    "ipmi: deadline_s (%g) must be longer "
		    "than timeout_s (%g): the deadline is the hard limit "
		    "behind the session timeout",
		    c->deadline_s, c->timeout_s);
	if (c->driver == IPMI_DRV_LAN && c->enabled && c->host[0] == '\0')
		cnf_error(ctx, group,
		    "ipmi: driver \"lan\" needs 'host' "
		    "(\"name\" or \"name:port\")");
	if (c->driver != IPMI_DRV_LAN && c->host[0] != '\0')
		cnf_error(ctx, group,
		    "ipmi: 'host' is only used with "
		    "driver = \"lan\" (driver is \"%s\")",
		    ipmi_driver_names[c->driver]);
	if (c->driver != IPMI_DRV_LAN && port != 0)
		cnf_error(ctx, group,
		    "ipmi: 'port' is only used with "
		    "driver = \"lan\"");
	if (c->driver == IPMI_DRV_LAN && c->device[0] != '\0')
		cnf_error(ctx, group,
		    "ipmi: 'device' is for in-band drivers, "
		    "not driver = \"lan\"");
}

void
ipmi_conf_emit(config_setting_t *root, const struct ipmi_conf *c)
{
	config_setting_t *g = cnf_emit_group(root, "ipmi"), *w, *a;
	int i;

	cnf_emit_bool(g, "enabled", c->enabled);
	cnf_emit_string(g, "driver", ipmi_driver_names[c->driver]);
	if (c->device[0] != '\0')
		cnf_emit_string(g, "device", c->device);
	if (c->host[0] != '\0')
		cnf_emit_string(g, "host", c->host);
	if (c->username[0] != '\0')
		cnf_emit_string(g, "username", c->username);
	if (c->password_file[0] != '\0')
		cnf_emit_string(g, "password_file", c->password_file);
	cnf_emit_string(g, "privilege", ipmi_priv_names[c->privilege]);
	cnf_emit_int(g, "cipher_suite", c->cipher_suite);
	a = config_setting_add(g, "workarounds", CONFIG_TYPE_ARRAY);
	for (i = 0; ipmi_workaround_names[i] != NULL; i++)
		if (c->workarounds & (1u << i))
			config_setting_set_string_elem(
			    a, -1, ipmi_workaround_names[i]);
	cnf_emit_double(g, "timeout_s", c->timeout_s);
	cnf_emit_double(g, "retransmit_s", c->retransmit_s);
	cnf_emit_double(g, "deadline_s", c->deadline_s);
	cnf_emit_double(g, "interval_s", c->interval_s);
	cnf_emit_double(g, "backoff_max_s", c->backoff_max_s);
	cnf_emit_double(g, "thresholds_refresh_s", c->thresholds_refresh_s);
	cnf_emit_string(g, "trip_threshold", ipmi_trip_names[c->trip]);
	cnf_emit_bool(g, "temperature_only", c->temperature_only);
	w = cnf_emit_group(g, "watchdog");
	cnf_emit_bool(w, "enabled", c->watchdog.enabled);
	cnf_emit_string(w, "action", ipmi_wd_action_names[c->watchdog.action]);
	cnf_emit_string(w, "privilege", ipmi_priv_names[c->watchdog.privilege]);
	cnf_emit_double(w, "countdown_s", c->watchdog.countdown_s);
}

void
ipmi_conf_free(struct ipmi_conf *c)
{
	(void)c;
}
