/*
 * agent_sensors.c - where a reading enters: the sources started and read
 * on each tick, the sensors rules of the config applied to each reading
 * (class, trip point, ignore), the sensor table beside the engine, chips
 * that went away, and the SIGUSR1 dump. Part of the wiring module.
 */
#include <math.h>
#include <string.h>

#include "agent_int.h"
#include "bmc.h"
#include "hwmon.h"
#include "log.h"

bool
agent_resolve(const struct agent_conf *conf, const struct src_reading *r,
    enum eng_class *cls, double *trip_c, enum eng_trip_src *src,
    const char **trip_from)
{
	const struct sensor_rule *rule = cnf_match_rule(conf, r->id);

	*cls = r->cls;
	if (rule != NULL && rule->ignore)
		return false;
	if (rule != NULL && rule->cls >= 0)
		*cls = (enum eng_class)rule->cls;
	if (rule != NULL && !isnan(rule->trip_c)) {
		*trip_c = rule->trip_c;
		*src = ENG_TRIP_CONFIG;
		*trip_from = "config";
	} else if (!isnan(r->trip_c)) {
		*trip_c = r->trip_c;
		*src = ENG_TRIP_HW;
		*trip_from = r->trip_from != NULL ? r->trip_from : "hardware";
	} else {
		*trip_c = conf->engine.cls[*cls].trip_c;
		*src = ENG_TRIP_CLASS_DEFAULT;
		*trip_from = "class-default";
	}
	return true;
}

static struct agent_sensor *
sensor_slot(struct agent *a, const char *id)
{
	int i;

	for (i = 0; i < a->n_sensors; i++)
		if (strcmp(a->sensors[i].id, id) == 0)
			return &a->sensors[i];
	if (a->n_sensors >= ENG_MAX_SENSORS)
		return NULL;
	memset(&a->sensors[a->n_sensors], 0, sizeof(a->sensors[0]));
	snprintf(a->sensors[a->n_sensors].id, ENG_ID_LEN, "%s", id);
	a->sensors[a->n_sensors].eng_idx = -1;
	return &a->sensors[a->n_sensors++];
}

void
agent_on_reading(void *arg, const struct src_reading *r)
{
	struct agent *a = arg;
	struct agent_sensor *s = sensor_slot(a, r->id);
	struct eng_reading er;
	enum eng_trip_src src;
	enum eng_class cls;
	double trip;
	const char *from;

	if (s == NULL) {
		log_debug("sensor table full, ignoring %s", r->id);
		return;
	}
	s->last = *r;
	if (!agent_resolve(&a->conf, r, &cls, &trip, &src, &from)) {
		if (s->eng_idx >= 0)
			eng_sensor_remove(a->eng, s->eng_idx);
		s->ignored = true;
		s->eng_idx = -1;
		return;
	}
	s->ignored = false;
	s->trip_from = from;
	if (!s->used) {
		s->eng_idx = eng_sensor_add(a->eng, r->id, cls, trip, src);
		s->used = true;
		if (s->eng_idx < 0) {
			log_warnx(
			    "engine sensor table full, ignoring %s", r->id);
			return;
		}
		log_info("sensor %s: class %s, trip %.1f C (%s)", r->id,
		    eng_class_name(cls), trip, from);
	} else if (s->eng_idx >= 0) {
		/* re-registering updates class and trip after a reload */
		s->eng_idx = eng_sensor_add(a->eng, r->id, cls, trip, src);
	}
	if (s->eng_idx < 0)
		return;
	er.sensor = s->eng_idx;
	er.t_ms = r->t_ms;
	er.value_c = r->value_c;
	er.quality = r->quality;
	eng_feed(a->eng, &er);
}

/*
 * At start the first BMC read may take a while (session, SDR download):
 * evaluating before it ends would report "degraded: no sensors" and notify
 * for nothing. Wait for its first answer, at most one read deadline.
 */
static bool
sources_settled(struct agent *a, int64_t now_ms)
{
	struct bmc_stats st;

	if (a->bmc == NULL || a->settled)
		return true;
	bmc_get_stats(a->bmc, &st);
	if (st.reads_ok + st.reads_failed + st.reads_killed > 0 ||
	    now_ms - a->started_ms > (int64_t)(a->conf.ipmi.deadline_s * 1000))
		a->settled = true;
	return a->settled;
}

bool
agent_sources_read(struct agent *a, int64_t now_ms)
{
	if (a->hwm != NULL) {
		int64_t took;

		hwm_read(a->hwm, now_ms, agent_on_reading, a);
		/* hwmon is read on the loop: say so when a driver is slow,
		 * at most once a minute, since it delays everything else */
		took = loop_clock_ms() - now_ms;
		if (took > (int64_t)(a->conf.agent.interval_s * 500.0) &&
		    now_ms - a->slow_hwmon_logged_ms > 60000) {
			log_warnx("hwmon: reading the sensors took %lld ms "
				  "(interval %.1f s); a slow driver delays "
				  "the agent",
			    (long long)took, a->conf.agent.interval_s);
			a->slow_hwmon_logged_ms = now_ms;
		}
	}
	bmc_poll(a->bmc, now_ms);
	return sources_settled(a, now_ms);
}

void
agent_check_removed(struct agent *a)
{
	cJSON *f;
	int i;

	for (i = 0; i < a->n_sensors; i++) {
		struct agent_sensor *s = &a->sensors[i];

		if (s->eng_idx < 0 || s->last.source == NULL ||
		    strcmp(s->last.source, "hwmon") != 0 ||
		    (a->hwm != NULL && hwm_has(a->hwm, s->id)))
			continue;
		eng_sensor_remove(a->eng, s->eng_idx);
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "sensor", s->id);
		cJSON_AddStringToObject(f, "reason", "chip removed");
		log_json(LOG_WARNING, "sensor_removed", f, "sensor %s is gone",
		    s->id);
		agent_event(a, "sensor_removed", f);
		s->used = false;
		s->eng_idx = -1;
	}
}

void
agent_rescan(struct agent *a)
{
	char err[256];
	int n;

	if (a->hwm == NULL)
		return;
	n = hwm_rescan(a->hwm, err, sizeof(err));
	if (n < 0) {
		log_warnx("hwmon rescan failed: %s", err);
		return;
	}
	agent_check_removed(a);
	log_debug("hwmon rescan: %d sensors", n);
}

void
agent_sources_start(struct agent *a)
{
	char err[256];

	if (a->conf.hwmon.enabled) {
		a->hwm = hwm_create(&a->conf.hwmon, err, sizeof(err));
		if (a->hwm == NULL)
			log_warnx("hwmon disabled: %s", err);
		else
			log_info(
			    "hwmon: %d temperature sensors", hwm_count(a->hwm));
	}
	if (a->conf.ipmi.enabled) {
		a->bmc = bmc_create(a->loop, &a->conf.ipmi,
		    a->conf.agent.state_dir, agent_on_reading, a);
		if (a->bmc == NULL)
			log_warnx("ipmi disabled: out of memory");
		else
			log_info("ipmi: BMC %s",
			    a->conf.ipmi.driver == IPMI_DRV_LAN
				? a->conf.ipmi.host
				: "in-band");
	}
}

void
agent_sources_stop(struct agent *a)
{
	hwm_free(a->hwm);
	a->hwm = NULL;
	bmc_free(a->bmc);
	a->bmc = NULL;
}

static const char *const status_names[] = { "new", "valid", "stale",
	"removed" };

void
agent_dump(struct agent *a)
{
	struct eng_sensor_view v;
	int i;

	log_info("state %s since %.1f s: %s", eng_state_name(a->out.state),
	    (double)(loop_now_ms(a->loop) - a->out.since_ms) / 1000.0,
	    a->out.reason);
	for (i = 0; i < a->n_sensors; i++) {
		const struct agent_sensor *s = &a->sensors[i];

		if (s->eng_idx < 0) {
			log_info("sensor %s: %s", s->id,
			    s->ignored ? "ignored" : "removed");
			continue;
		}
		eng_sensor_view(a->eng, s->eng_idx, &v);
		log_info("sensor %s: %s class %s raw %.2f filtered %.2f "
			 "trip %.1f (%s) slope %.4f C/s eta %.0f s "
			 "rejected %llu",
		    s->id, status_names[v.status], eng_class_name(v.cls),
		    v.value_c, v.filtered_c, v.trip_c, s->trip_from,
		    v.slope_c_per_s, v.eta_s, (unsigned long long)v.rejected);
	}
}
