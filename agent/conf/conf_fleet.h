/*
 * conf_fleet.h - the "fleet" group of thermwatch.conf: the view of the
 * other hosts of the site (their retained states, for the migrate hook's
 * destinations and the cooling-diversity figures) and what this host
 * offers them (the URI to migrate to, its spare capacity, static or from
 * a command run periodically). See thermwatch.conf(5), fleet.
 *
 *	fleet = {
 *		migrate_uri = "qemu+ssh://hv21.zone-b/system";
 *		spare_vms = 10; spare_mem_mb = 65536;
 *		capacity_command = [ "/usr/local/sbin/tw-capacity" ];
 *	};
 */
#ifndef THERMWATCH_CONF_FLEET_H
#define THERMWATCH_CONF_FLEET_H

#include "conf_util.h"

#define FLC_URI_LEN 256

struct fleet_conf {
	bool enabled;                  /* keep the site's states (needs mqtt) */
	int max_hosts;                 /* bound of the table */
	double max_age_s;              /* an older state is not fresh */
	char migrate_uri[FLC_URI_LEN]; /* "" = none published */
	int spare_vms;                 /* -1 = not published */
	int spare_mem_mb;              /* -1 = not published */
	char **capacity_command;       /* NULL = none; argv[0] absolute */
	double capacity_interval_s;
	double capacity_timeout_s;
};

void fleet_conf_defaults(struct fleet_conf *c);
/* group may be NULL (absent: defaults stay). state_refresh_s is
 * mqtt.state_refresh_s: max_age_s must leave room for it. */
void fleet_conf_parse(struct cnf_ctx *ctx, const config_setting_t *group,
    double state_refresh_s, struct fleet_conf *c);
void fleet_conf_emit(config_setting_t *root, const struct fleet_conf *c);
void fleet_conf_free(struct fleet_conf *c);
/* A URI a migrate hook may use as it is: scheme://, then only letters,
 * digits and ._-@:/ (no query: libvirt URI parameters name programs). */
bool fleet_conf_uri_ok(const char *uri);
/* Whether this host publishes anything about its capacity. */
bool fleet_conf_offers(const struct fleet_conf *c);

#endif
