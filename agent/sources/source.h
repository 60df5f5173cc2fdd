/*
 * source.h - what every sensor source (hwmon, ipmi) hands to the agent.
 *
 * A source never decides anything: it reports raw values, hardware limits
 * and flags. The agent applies the sensors rules of the config, registers
 * the sensor with the engine and feeds it.
 *
 * Sensors are attached once, when a source finds them (a scan, a new BMC
 * sensor): the sink resolves the id then and answers with a handle, which
 * every later reading of that sensor carries, so that the per-cycle path
 * never looks an id up.
 */
#ifndef THERMWATCH_SOURCE_H
#define THERMWATCH_SOURCE_H

#include <stdint.h>

#include "engine.h"
#include "idstr.h"

_Static_assert(IDSTR_LEN == ENG_ID_LEN, "an interned id is an engine id");

struct src_reading {
	/* stable: "coretemp-isa-0000/Package id 0",
	 * "ipmi:127.0.0.1:19623/Inlet Temp"; interned (idstr.h), so the
	 * sink keeps the pointer, never a copy */
	const char *id;
	const char *source; /* "hwmon", "ipmi", "sim" */
	enum eng_class cls; /* the source's guess */
	enum eng_quality quality;
	double value_c;        /* NAN when unavailable */
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
	int handle;           /* the sink's, from src_attach_cb; -1 = none */
};

/* A source calls this for every reading it makes. */
typedef void (*src_emit_cb)(void *arg, const struct src_reading *r);
/* A source calls this once for every sensor it finds, before its first
 * reading (r describes the sensor; its value is not meaningful, its
 * handle is -1). Returns the handle for the sensor's readings, or -1
 * when the sink takes none (ignored, or no room): the source may then
 * skip reading it. */
typedef int (*src_attach_cb)(void *arg, const struct src_reading *r);

#endif
