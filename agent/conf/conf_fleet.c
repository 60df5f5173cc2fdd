/*
 * conf_fleet.c - parse and emit the "fleet" group (see conf_fleet.h).
 */
#include "conf_fleet.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

void
fleet_conf_defaults(struct fleet_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->enabled = true;
	c->max_hosts = 1024;
	c->max_age_s = 180.0;
	c->spare_vms = -1;
	c->spare_mem_mb = -1;
	c->capacity_interval_s = 60.0;
	c->capacity_timeout_s = 10.0;
}

/*
 * A URI that a migrate hook can hand to its tool as it is: a scheme, "://"
 * and then only host, user, port and path characters. No query: libvirt
 * URI parameters (command=, netcat=) name programs to run on the source.
 */
bool
fleet_conf_uri_ok(const char *u)
{
	const char *p = u;

	if (!islower((unsigned char)*p))
		return false;
	while (islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
	    *p == '+')
		p++;
	if (strncmp(p, "://", 3) != 0)
		return false;
	for (p += 3; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("._-@:/", *p) == NULL)
			return false;
	return true;
}

static void
parse_capacity_command(
    struct cnf_ctx *ctx, const config_setting_t *group, struct fleet_conf *c)
{
	const config_setting_t *s;

	if (!cnf_get_strv(
		ctx, group, "capacity_command", false, &c->capacity_command))
		return;
	s = config_setting_get_member(group, "capacity_command");
	if (c->capacity_command[0] == NULL) {
		cnf_strv_free(c->capacity_command);
		c->capacity_command = NULL;
	} else if (c->capacity_command[0][0] != '/') {
		cnf_error(ctx, s,
		    "'capacity_command': the program (first element) must "
		    "be an absolute path");
	}
}

void
fleet_conf_parse(struct cnf_ctx *ctx, const config_setting_t *group,
    double state_refresh_s, struct fleet_conf *c)
{
	static const char *const known[] = { "enabled", "max_hosts",
		"max_age_s", "migrate_uri", "spare_vms", "spare_mem_mb",
		"capacity_command", "capacity_interval_s", "capacity_timeout_s",
		NULL };
	const config_setting_t *s;

	if (group == NULL)
		return;
	cnf_check_keys(ctx, group, "fleet", known);
	cnf_get_bool(ctx, group, "enabled", &c->enabled);
	cnf_get_int(ctx, group, "max_hosts", 1, 65536, &c->max_hosts);
	if (cnf_get_double(
		ctx, group, "max_age_s", 1.0, 86400.0, &c->max_age_s) &&
	    state_refresh_s > 0 && c->max_age_s < 2.0 * state_refresh_s)
		cnf_error(ctx, config_setting_get_member(group, "max_age_s"),
		    "'max_age_s' (%g) must be at least twice "
		    "mqtt.state_refresh_s (%g): a host re-sends its state "
		    "only that often",
		    c->max_age_s, state_refresh_s);
	if (cnf_get_string(ctx, group, "migrate_uri", c->migrate_uri,
		sizeof(c->migrate_uri)) &&
	    c->migrate_uri[0] != '\0' && !fleet_conf_uri_ok(c->migrate_uri))
		cnf_error(ctx, config_setting_get_member(group, "migrate_uri"),
		    "'migrate_uri' = \"%s\" must be scheme://host/path with "
		    "only letters, digits and ._-@:/ (no query, no spaces)",
		    c->migrate_uri);
	cnf_get_int(ctx, group, "spare_vms", -1, 1000000, &c->spare_vms);
	cnf_get_int(ctx, group, "spare_mem_mb", -1, 1 << 30, &c->spare_mem_mb);
	parse_capacity_command(ctx, group, c);
	cnf_get_double(ctx, group, "capacity_interval_s", 5.0, 86400.0,
	    &c->capacity_interval_s);
	cnf_get_double(ctx, group, "capacity_timeout_s", 0.5, 600.0,
	    &c->capacity_timeout_s);
	if (c->capacity_timeout_s >= c->capacity_interval_s) {
		s = config_setting_get_member(group, "capacity_timeout_s");
		cnf_error(ctx, s != NULL ? s : group,
		    "'capacity_timeout_s' (%g) must be below "
		    "'capacity_interval_s' (%g)",
		    c->capacity_timeout_s, c->capacity_interval_s);
	}
}

void
fleet_conf_emit(config_setting_t *root, const struct fleet_conf *c)
{
	config_setting_t *g = cnf_emit_group(root, "fleet");

	cnf_emit_bool(g, "enabled", c->enabled);
	cnf_emit_int(g, "max_hosts", c->max_hosts);
	cnf_emit_double(g, "max_age_s", c->max_age_s);
	cnf_emit_string(g, "migrate_uri", c->migrate_uri);
	cnf_emit_int(g, "spare_vms", c->spare_vms);
	cnf_emit_int(g, "spare_mem_mb", c->spare_mem_mb);
	cnf_emit_strv(g, "capacity_command", c->capacity_command);
	cnf_emit_double(g, "capacity_interval_s", c->capacity_interval_s);
	cnf_emit_double(g, "capacity_timeout_s", c->capacity_timeout_s);
}

void
fleet_conf_free(struct fleet_conf *c)
{
	cnf_strv_free(c->capacity_command);
	c->capacity_command = NULL;
}

bool
fleet_conf_offers(const struct fleet_conf *c)
{
	return c->migrate_uri[0] != '\0' || c->spare_vms >= 0 ||
	    c->spare_mem_mb >= 0 || c->capacity_command != NULL;
}
