/*
 * agent_once.c - thermwatchd --once --json: every source read once,
 * without the loop, the engine or any other part; the sensors rules
 * applied; one JSON array printed.
 */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "agent.h"
#include "bmc.h"
#include "hwmon.h"
#include "jsonutil.h"
#include "log.h"

static const char *const trip_src_names[] = { "hardware", "config",
	"class-default" };

struct once_ctx {
	const struct agent_conf *conf;
	cJSON *array;
};

static void
once_reading(void *arg, const struct src_reading *r)
{
	struct once_ctx *ctx = arg;
	enum eng_trip_src src;
	enum eng_class cls;
	const char *from, *state;
	double trip;
	cJSON *o;

	if (!agent_resolve(ctx->conf, r, &cls, &trip, &src, &from))
		return;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", r->id);
	cJSON_AddStringToObject(o, "source", r->source);
	cJSON_AddStringToObject(o, "class", eng_class_name(cls));
	json_add_num(o, "value_c", r->value_c);
	json_add_num(o, "trip_c", trip);
	cJSON_AddStringToObject(o, "trip_from", from);
	cJSON_AddStringToObject(o, "trip_kind", trip_src_names[src]);
	json_add_num(o, "max_c", r->max_c);
	json_add_num(o, "crit_c", r->crit_c);
	json_add_num(o, "emergency_c", r->emergency_c);
	if (r->quality == ENG_Q_UNAVAILABLE)
		state = "unavailable";
	else if (r->quality == ENG_Q_FAULT)
		state = "fault";
	else
		state = r->hw_state != NULL ? r->hw_state : "nominal";
	cJSON_AddStringToObject(o, "state", state);
	cJSON_AddItemToArray(ctx->array, o);
}

int
agent_once_json(const struct agent_conf *conf, FILE *out)
{
	struct once_ctx ctx = { conf, cJSON_CreateArray() };
	int sources = 0, ok = 0;
	struct hwm *h;
	char err[256];
	char *s;

	if (conf->hwmon.enabled) {
		sources++;
		h = hwm_create(&conf->hwmon, err, sizeof(err));
		if (h == NULL) {
			log_warnx("hwmon: %s", err);
		} else {
			hwm_read(h, loop_clock_ms(), once_reading, &ctx);
			hwm_free(h);
			ok++;
		}
	}
	if (conf->ipmi.enabled) {
		char ierr[1024];

		sources++;
		if (bmc_read_once(&conf->ipmi, conf->agent.state_dir,
			once_reading, &ctx, ierr, sizeof(ierr)) < 0) {
			log_warnx("%s", ierr);
		} else {
			if (ierr[0] != '\0')
				log_warnx("%s", ierr);
			ok++;
		}
	}
	s = cJSON_Print(ctx.array);
	fprintf(out, "%s\n", s);
	free(s);
	cJSON_Delete(ctx.array);
	return (sources > 0 && ok == 0) ? 1 : 0;
}
