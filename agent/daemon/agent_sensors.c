/*
 * agent_sensors.c - where a reading enters: the sources started and read
 * on each tick, the sensors rules of the config applied to each reading
 * (class, trip point, ignore) once, when a source attaches a sensor, the
 * per-cycle readings by handle, the limit on sensors (agent.max_sensors),
 * chips that went away, and the SIGUSR1 dump. Part of the wiring module.
 */
#include <malloc.h>
#include <math.h>
#include <string.h>

#include "agent_int.h"
#include "bmc.h"
#include "cpubusy.h"
#include "engine_state.h"
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

/* NAN equals NAN here: "no hardware trip" did not change. */
static bool
same_trip(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

/* The engine was full for this sensor: counted here, told on the next
 * read (tell_limit), once for a whole scan. */
static void
note_refused(struct agent *a, struct agent_sensor *s)
{
	if (s->refused)
		return;
	s->refused = true;
	a->refused++;
	a->refused_last = (int)(s - a->sensors);
}

/* A count of refused sensors not told yet: one warning and one
 * sensor_limit event for it (a scan that refuses 900 says so once). */
static void
tell_limit(struct agent *a)
{
	const char *last;
	cJSON *f;

	if (a->refused <= a->refused_told) {
		a->refused_told = a->refused; /* a chip went away */
		return;
	}
	a->refused_told = a->refused;
	last = a->refused_last >= 0 && a->refused_last < a->n_sensors
	    ? a->sensors[a->refused_last].id
	    : "?";
	log_warnx("sensor limit reached: agent.max_sensors = %d, %d sensor%s "
		  "not monitored (the latest: %s); raise agent.max_sensors "
		  "(at most %d) and restart",
	    a->max_sensors, a->refused, a->refused == 1 ? "" : "s", last,
	    AGENT_SENSORS_LIMIT);
	f = cJSON_CreateObject();
	cJSON_AddNumberToObject(f, "max_sensors", a->max_sensors);
	cJSON_AddNumberToObject(f, "refused", a->refused);
	cJSON_AddStringToObject(f, "sensor", last);
	agent_event(a, "sensor_limit", f);
}

/* Class and trip under the sensors rules; (re-)registered with the
 * engine, which updates class and trip of a sensor it knows. */
static void
resolve(struct agent *a, struct agent_sensor *s, const struct src_reading *r)
{
	enum eng_trip_src src;
	enum eng_class cls;
	double trip;
	const char *from;

	s->src_cls = r->cls;
	s->src_trip_c = r->trip_c;
	if (!agent_resolve(&a->conf, r, &cls, &trip, &src, &from)) {
		if (s->eng_idx >= 0)
			eng_sensor_remove(a->eng, s->eng_idx);
		s->ignored = true;
		s->eng_idx = -1;
		return;
	}
	s->ignored = false;
	s->trip_from = from;
	s->eng_idx = eng_sensor_add(a->eng, r->id, cls, trip, src);
	if (s->eng_idx < 0) {
		note_refused(a, s);
		return;
	}
	if (s->refused) {
		s->refused = false;
		a->refused--;
	}
	if (!s->used) {
		log_info("sensor %s: class %s, trip %.1f C (%s)", r->id,
		    eng_class_name(cls), trip, from);
		est_sensor_added(a->est, r->id, s->eng_idx);
	}
	s->used = true;
}

int
agent_attach(void *arg, const struct src_reading *r)
{
	struct agent *a = arg;
	struct agent_sensor *s;
	int slot = atab_add(&a->tab, r->id);

	a->sensors = a->tab.s;
	a->n_sensors = a->tab.n;
	if (slot < 0) {
		log_warnx("sensor %s: out of memory, not monitored", r->id);
		return -1;
	}
	s = &a->sensors[slot];
	s->source = r->source;
	s->last_c = r->value_c;
	s->last_ms = r->t_ms;
	if (strcmp(r->source, "hwmon") == 0)
		s->gen = a->scan_gen;
	resolve(a, s, r);
	return s->eng_idx >= 0 ? slot : -1;
}

/*
 * The per-cycle path: the handle is the slot, nothing is looked up or
 * allocated. Only a change of the source's class or trip (a BMC's
 * thresholds, read after its first readings) resolves again.
 */
void
agent_on_reading(void *arg, const struct src_reading *r)
{
	struct agent *a = arg;
	struct agent_sensor *s;
	struct eng_reading er;

	if (r->handle < 0 || r->handle >= a->n_sensors)
		return;
	s = &a->sensors[r->handle];
	s->source = r->source;
	s->last_c = r->value_c;
	s->last_ms = r->t_ms;
	if (s->eng_idx < 0) {
		s->src_cls = r->cls; /* shown (agent_ctl), not resolved */
		return;
	}
	if (r->cls != s->src_cls || !same_trip(r->trip_c, s->src_trip_c)) {
		resolve(a, s, r);
		if (s->eng_idx < 0)
			return;
	}
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
	tell_limit(a);
	return sources_settled(a, now_ms);
}

void
agent_check_removed(struct agent *a)
{
	cJSON *f;
	int i;

	for (i = 0; i < a->n_sensors; i++) {
		struct agent_sensor *s = &a->sensors[i];

		if (s->source == NULL || strcmp(s->source, "hwmon") != 0 ||
		    (a->hwm != NULL && s->gen == a->scan_gen))
			continue;
		if (s->refused) {
			s->refused = false;
			a->refused--;
		}
		if (s->eng_idx < 0)
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
	a->scan_gen++;
	n = hwm_rescan(a->hwm, err, sizeof(err));
	if (n < 0) {
		log_warnx("hwmon rescan failed: %s", err);
		return;
	}
	agent_check_removed(a);
	malloc_trim(0); /* what the scan allocated and freed */
	log_debug("hwmon rescan: %d sensors", n);
}

void
agent_rescan_check(struct agent *a)
{
	if (a->hwm != NULL && hwm_changed(a->hwm))
		agent_rescan(a);
}

void
agent_sources_start(struct agent *a)
{
	char err[256];

	if (a->conf.hwmon.enabled) {
		a->scan_gen++;
		a->hwm = hwm_create(
		    &a->conf.hwmon, agent_attach, a, err, sizeof(err));
		if (a->hwm == NULL)
			log_warnx("hwmon disabled: %s", err);
		else
			log_info("hwmon: %d temperature sensors (%d read "
				 "through libsensors)",
			    hwm_count(a->hwm), hwm_count_library(a->hwm));
	}
	if (a->conf.ipmi.enabled) {
		a->bmc = bmc_create(a->loop, &a->conf.ipmi,
		    a->conf.agent.state_dir, agent_attach, agent_on_reading, a);
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
	if (isfinite(a->cpu_busy))
		log_info("cpu busy %.1f%% over the last cycle (%s)",
		    a->cpu_busy * 100.0, cpb_path(a->cpb));
	else if (a->cpb != NULL)
		log_info("cpu busy unknown (%s: %s)", cpb_path(a->cpb),
		    cpb_error(a->cpb) != NULL ? cpb_error(a->cpb)
					      : "no figure yet");
	for (i = 0; i < a->n_sensors; i++) {
		const struct agent_sensor *s = &a->sensors[i];

		if (s->eng_idx < 0) {
			log_info("sensor %s: %s", s->id,
			    s->ignored       ? "ignored"
				: s->refused ? "not monitored (max_sensors)"
					     : "removed");
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
