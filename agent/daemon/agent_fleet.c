/*
 * agent_fleet.c - the fleet in the agent: the site's state, status and
 * bridge messages from MQTT into the fleet table, this host's offer (the
 * capacity module) into its MQTT state, and the migrate hook's
 * destinations out of the table. Part of the wiring module.
 */
#include <string.h>

#include "agent_int.h"
#include "capacity.h"
#include "fleet.h"
#include "log.h"
#include "priv_proto.h"
#include "walltime.h"

/* The privileged part runs the hooks: it must take the whole list. */
_Static_assert(FLEET_DEST_MAX <= PRV_ENV_VALUE_MAX,
    "THERMWATCH_DESTINATIONS does not fit the privileged part's bound");

static void
on_offer(void *arg, const struct mqm_offer *offer)
{
	struct agent *a = arg;

	if (a->mq != NULL)
		mq_set_offer(a->mq, offer);
}

static bool
wanted(const struct agent *a)
{
	return a->conf.mqtt.enabled && a->conf.fleet.enabled;
}

static void
fleet_params(const struct agent *a, struct fleet_params *p)
{
	p->zone = a->conf.agent.zone;
	p->host = a->conf.agent.host;
	p->max_hosts = a->conf.fleet.max_hosts;
	p->max_age_s = a->conf.fleet.max_age_s;
}

static void
start_capacity(struct agent *a)
{
	struct capacity_env env = {
		.loop = a->loop,
		.id = &a->conf.agent,
		.conf = &a->conf.fleet,
		.changed = on_offer,
		.arg = a,
	};

	if (a->conf.mqtt.enabled && fleet_conf_offers(&a->conf.fleet))
		a->cap = capacity_create(&env);
	else if (a->mq != NULL)
		mq_set_offer(a->mq, NULL);
}

void
agent_fleet_start(struct agent *a)
{
	struct fleet_params p;

	if (wanted(a)) {
		fleet_params(a, &p);
		a->fleet = fleet_create(&p);
		if (a->fleet == NULL)
			log_warnx("fleet: out of memory, no destinations for "
				  "the migrate hook");
	}
	start_capacity(a);
}

void
agent_fleet_stop(struct agent *a)
{
	capacity_free(a->cap);
	a->cap = NULL;
	fleet_free(a->fleet);
	a->fleet = NULL;
}

bool
agent_fleet_reload(struct agent *a)
{
	struct fleet_params p;
	bool had = a->fleet != NULL;

	capacity_free(a->cap);
	a->cap = NULL;
	start_capacity(a);
	if (!wanted(a)) {
		fleet_free(a->fleet);
		a->fleet = NULL;
		return false;
	}
	fleet_params(a, &p);
	if (had) {
		fleet_reconfigure(a->fleet, &p);
		return false;
	}
	a->fleet = fleet_create(&p);
	/* the retained states come with a new subscription */
	return a->fleet != NULL;
}

void
agent_fleet_on_connection(void *arg, bool up)
{
	struct agent *a = arg;

	if (a->fleet != NULL)
		fleet_connection(a->fleet, up, loop_now_ms(a->loop));
}

static void
on_state(struct agent *a, const struct mq_site_msg *m, int64_t now)
{
	struct mqm_host_state s;
	char err[160];

	if (m->len == 0) {
		fleet_forget(a->fleet, m->host);
		return;
	}
	if (mqm_host_state_parse(m->payload, m->len, a->conf.agent.site,
		m->zone, m->host, &s, err, sizeof(err)) < 0) {
		log_debug(
		    "fleet: state of %s/%s ignored: %s", m->zone, m->host, err);
		return;
	}
	if (fleet_state(a->fleet, &s, now, (int64_t)(wt_now() * 1000.0)) < 0)
		log_debug("fleet: %s/%s not kept: fleet.max_hosts (%d) fresh "
			  "hosts known",
		    m->zone, m->host, a->conf.fleet.max_hosts);
}

void
agent_fleet_on_site(void *arg, const struct mq_site_msg *m)
{
	struct agent *a = arg;
	int64_t now = loop_now_ms(a->loop);
	char err[160];
	bool online;

	if (a->fleet == NULL)
		return;
	switch (m->leaf) {
	case MQ_SITE_STATE:
		on_state(a, m, now);
		break;
	case MQ_SITE_STATUS:
		if (m->len == 0)
			fleet_status(a->fleet, m->zone, m->host, true, now);
		else if (mqm_status_parse(m->payload, m->len, &online, err,
			     sizeof(err)) == 0)
			fleet_status(a->fleet, m->zone, m->host, online, now);
		else
			log_debug("fleet: status of %s/%s ignored: %s", m->zone,
			    m->host, err);
		break;
	case MQ_SITE_BRIDGE:
		/* the local broker's notification: "1" up, "0" dark */
		fleet_bridge(a->fleet, m->zone, m->host,
		    !(m->len == 1 && m->payload[0] == '0'), now);
		break;
	}
}

char *
agent_fleet_destinations(void *arg)
{
	struct agent *a = arg;

	if (a->fleet == NULL)
		return NULL;
	return fleet_destinations(
	    a->fleet, loop_now_ms(a->loop), FLEET_DEST_MAX);
}
