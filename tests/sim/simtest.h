/*
 * simtest.h - a small room for the simulator's unit tests: one zone, four
 * identical tier-1 hosts (h01..h04) without sensor noise, 4 kW of cooling
 * for about 1.1 kW of IT load, and the events the test gives; or, for
 * tests that migrate (only to another zone, as thermwatchd does), that
 * zone and a second one like it, "B", with hosts g01..g04 (host[4..7]).
 */
#ifndef THERMWATCH_SIMTEST_H
#define THERMWATCH_SIMTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

/* The small room: zone A of 4 hosts, then its hosts' extra keys (%s),
 * its closing, and the events (%s); ST_ROOM_TWO adds zone B of 4 more. */
#define ST_ROOM_HEAD                                                    \
	"name = \"t\"; duration = \"1d\"; tick_s = 1.0;\n"              \
	"peer_interval_s = 10.0; seed = 1;\n"                           \
	"building = { temp_c = 24.0; swing_c = 0.0; };\n"               \
	"sensors = { noise_inlet_c = 0.0; noise_cpu_c = 0.0;\n"         \
	"  noise_exhaust_c = 0.0; };\n"                                 \
	"zones = ( { name = \"A\"; heat_capacity_kj_per_k = 300.0;\n"   \
	"  cooling = ( { name = \"c1\"; capacity_kw = 4.0; } );\n"      \
	"  hosts = ( { prefix = \"h\"; count = 4; tier = 1; vms = 8;\n" \
	"    inlet_spread_c = 0.0; %s } ); }"

#define ST_ROOM ST_ROOM_HEAD " );\nevents = ( %s );\n"

#define ST_ROOM_TWO                                                     \
	ST_ROOM_HEAD                                                    \
	",\n"                                                           \
	"  { name = \"B\"; heat_capacity_kj_per_k = 300.0;\n"           \
	"  cooling = ( { name = \"c2\"; capacity_kw = 4.0; } );\n"      \
	"  hosts = ( { prefix = \"g\"; count = 4; tier = 1; vms = 8;\n" \
	"    inlet_spread_c = 0.0; %s } ); } );\n"                      \
	"events = ( %s );\n"

/* Parse a scenario text and set up a run of it. Returns 0 or the number
 * of parse errors (-1 when the run cannot be set up). */
static inline int
st_setup_text(struct sim_run *r, struct sim_scenario *s, const char *txt,
    enum eng_policy_kind policy, uint64_t seed)
{
	struct sim_opts o;
	int rc = scn_parse_string("test.conf", txt, s, stderr);

	if (rc != 0)
		return rc;
	memset(&o, 0, sizeof(o));
	eng_conf_defaults(&o.conf);
	if (sim_agent_conf_defaults(&o.agent) != 0)
		return -1;
	o.policy = policy;
	o.seed = seed;
	return run_init(r, s, &o) == 0 ? 0 : -1;
}

/* The small room with extra host-group keys and events. */
static inline int
st_setup(struct sim_run *r, struct sim_scenario *s, const char *group,
    const char *events, enum eng_policy_kind policy, uint64_t seed)
{
	size_t n = strlen(ST_ROOM) + strlen(group) + strlen(events) + 1;
	char *txt = malloc(n);
	int rc;

	snprintf(txt, n, ST_ROOM, group, events);
	rc = st_setup_text(r, s, txt, policy, seed);
	free(txt);
	return rc;
}

/* The same with the second zone (the host-group keys go to both). */
static inline int
st_setup_two(struct sim_run *r, struct sim_scenario *s, const char *group,
    const char *events, enum eng_policy_kind policy, uint64_t seed)
{
	size_t n = strlen(ST_ROOM_TWO) + 2 * strlen(group) + strlen(events) + 1;
	char *txt = malloc(n);
	int rc;

	snprintf(txt, n, ST_ROOM_TWO, group, group, events);
	rc = st_setup_text(r, s, txt, policy, seed);
	free(txt);
	return rc;
}

static inline void
st_done(struct sim_run *r, struct sim_scenario *s)
{
	run_done(r);
	scn_free(s);
}

/* Timeline entries of this kind (whose text has text, when not NULL). */
static inline int
st_count_log(const struct sim_run *r, enum sim_log_kind k, const char *text)
{
	int i, n = 0;

	for (i = 0; i < r->n_log; i++)
		if (r->log[i].kind == k &&
		    (text == NULL || strstr(r->log[i].text, text) != NULL))
			n++;
	return n;
}

/* Seconds to milliseconds. */
#define ST_S(x) ((int64_t)((x)*1000))

#endif
