/*
 * override.h - the override rule: what an override may do, by where it
 * came from. Part of the pure engine (override.c); engine.h has the rest
 * of the override API (set, clear, check, list).
 *
 * An override can never start a shutdown, by construction:
 *
 *  - The shutdown side is "<class>.trip_c" (may only lower a trip),
 *    "<class>.shutdown.margin_c" and "<class>.shutdown.lead_s". Relaxing
 *    it is bounded by the config's floor (policy.floor_margin_c,
 *    policy.min_shutdown_lead_s). Tightening it is bounded by config-only
 *    maxima: a sensor's shutdown level (trip - shutdown margin) moves down
 *    at most policy.override_max_tighten_c, trip and margin overrides
 *    together; the shutdown lead grows at most
 *    policy.override_max_lead_factor times the configured one.
 *  - A tightening override is refused when, at the moment it is set, it
 *    would put a sensor's shutdown level at or below the sensor's
 *    filtered value plus the class's hysteresis, or the sensor's eta
 *    within the new shutdown lead (x 1.25): the host would go critical on
 *    the override alone. Only the host's own later readings can then
 *    reach the tightened level.
 *  - Requests for a whole zone or site may not touch the shutdown side at
 *    all (neither way); they may set quiet and the warn and migrate
 *    levels. Only a request for this one host may.
 *  - quiet never suppresses a shutdown (evaluate.c).
 */
#ifndef THERMWATCH_OVERRIDE_H
#define THERMWATCH_OVERRIDE_H

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"

/* Whom a request was addressed to. */
enum eng_scope { ENG_SCOPE_HOST, ENG_SCOPE_ZONE, ENG_SCOPE_SITE };

/* Does key move the shutdown level or lead (trip_c, shutdown.*)? */
bool eng_override_shutdown_side(const char *key);

/*
 * eng_override_check() for a request addressed to scope. Returns 0 (would
 * apply as asked), 1 (would apply clamped to *applied) or -1 (refused);
 * err says how or why. applied may be NULL. Changes nothing.
 */
int eng_override_check_scope(const struct eng *e, const char *key, double value,
    double ttl_s, enum eng_scope scope, double *applied, char *err,
    size_t errlen);

const char *eng_scope_name(enum eng_scope s);

#endif
