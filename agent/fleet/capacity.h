/*
 * capacity.h - what this host offers the others of its site: the URI to
 * migrate to and its spare capacity (VM slots, memory), from the config
 * (fleet.spare_vms, fleet.spare_mem_mb) or from fleet.capacity_command,
 * run every capacity_interval_s through the child runner (child.h) with a
 * deadline. The command prints one JSON object, e.g.
 *	{"spare_vms": 12, "spare_mem_mb": 48000}
 * A member it does not give, or every member when it fails, comes from
 * the config (-1 there: not published).
 */
#ifndef THERMWATCH_CAPACITY_H
#define THERMWATCH_CAPACITY_H

#include <stdint.h>

#include "conf.h"
#include "loop.h"
#include "mqtt_fleet_msg.h"

struct capacity_env {
	struct loop *loop;
	const struct agent_group *id;  /* copied: the command's environment */
	const struct fleet_conf *conf; /* copied */
	/* The offer changed (also once at the start). May be NULL. */
	void (*changed)(void *arg, const struct mqm_offer *offer);
	void *arg;
};

struct capacity_stats {
	uint64_t runs;
	uint64_t failures;  /* failed, timed out, or bad output */
	int64_t last_ok_ms; /* monotonic, 0 = never */
};

struct capacity;

/* NULL on allocation failure (logged). */
struct capacity *capacity_create(const struct capacity_env *env);
/* A command still running is killed. NULL is a no-op. */
void capacity_free(struct capacity *c);
const struct mqm_offer *capacity_offer(const struct capacity *c);
void capacity_get_stats(const struct capacity *c, struct capacity_stats *st);

#endif
