/*
 * source.h - what every sensor source (hwmon, ipmi) hands to the agent.
 *
 * A source never decides anything: it reports raw values, hardware limits
 * and flags. The agent applies the sensors rules of the config, registers
 * the sensor with the engine and feeds it.
 */
#ifndef THERMWATCH_SOURCE_H
#define THERMWATCH_SOURCE_H

#include <stdint.h>

#include "engine.h"

struct src_reading {
	char id[ENG_ID_LEN]; /* stable: "coretemp-isa-0000/Package id 0",
				"ipmi:127.0.0.1:19623/Inlet Temp" */
	const char *source;  /* "hwmon", "ipmi", "sim" */
	enum eng_class cls;  /* the source's guess */
	double value_c;      /* NAN when unavailable */
	enum eng_quality quality;
	double trip_c;         /* hardware trip, NAN when none */
	const char *trip_from; /* "emergency", "crit", "upper-critical",
				  "upper-non-recoverable", or NULL */
	/* hardware limits as reported, NAN when absent */
	double max_c;         /* hwmon max / BMC upper non-critical */
	double crit_c;        /* hwmon crit / BMC upper critical */
	double emergency_c;   /* hwmon emergency / BMC upper non-recoverable */
	const char *hw_state; /* "nominal", "warning", "critical", "alarm",
				 "fault", or NULL */
	int64_t t_ms;         /* monotonic time of the sample */
};

/* A source calls this for every reading it makes. */
typedef void (*src_emit_cb)(void *arg, const struct src_reading *r);

#endif
