/*
 * agentconf.c - the parts of thermwatch.conf(5) beyond the engine that
 * the simulator models: the peer summaries' age limit, the hooks'
 * timeouts and retries, the shutdown sequence and the BMC watchdog.
 * The defaults are the configuration library's own, so the simulator
 * follows the agent's defaults by construction.
 */
#include <stdlib.h>

#include "conf.h"
#include "run.h"

void
sim_agent_conf_from(const struct agent_conf *ac, struct sim_agent_conf *sa)
{
	const struct actions_conf *a = &ac->actions;

	sa->peer_max_age_s = ac->mqtt.peer_max_age_s;
	sa->migrate_timeout_s = a->hook[ACT_MIGRATE].timeout_s;
	sa->shutdown_timeout_s = a->hook[ACT_SHUTDOWN].timeout_s;
	sa->migrate_retries = a->migrate_retries;
	sa->migrate_backoff_s = a->migrate_backoff_s;
	sa->migrate_backoff_max_s = a->migrate_backoff_max_s;
	sa->shutdown_retries = a->shutdown_retries;
	sa->shutdown_retry_s = a->shutdown_retry_s;
	sa->event_ack_wait_s = a->event_ack_wait_s;
	sa->watchdog_margin_s = a->watchdog_margin_s;
	sa->watchdog_wait_s = a->watchdog_wait_s;
	sa->watchdog = ac->ipmi.watchdog.enabled;
}

int
sim_agent_conf_defaults(struct sim_agent_conf *sa)
{
	struct agent_conf *ac = calloc(1, sizeof(*ac));

	if (ac == NULL)
		return -1;
	cnf_defaults(ac);
	sim_agent_conf_from(ac, sa);
	cnf_free(ac);
	free(ac);
	return 0;
}
