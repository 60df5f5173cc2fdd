/*
 * agent.c - the daemon core. See agent.h.
 */
#include "agent.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hwmon.h"
#include "jsonutil.h"
#include "log.h"
#include "sdnotify.h"
#include "mqtt_agent.h"
#include "ctl.h"
#include "override.h"
#include "action.h"
#include "bmc.h"
#include "mqtt.h"

static const char *const trip_src_names[] = { "hardware", "config",
	"class-default" };

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

void
agent_event(struct agent *a, const char *type, cJSON *fields)
{
	mq_agent_event(a, type, fields);
	cJSON_Delete(fields);
}

/* --- what the actions see of the agent ------------------------------- */

static void
act_on_event(void *arg, const char *type, cJSON *fields)
{
	agent_event(arg, type, fields);
}

static bool
act_watchdog_ready(void *arg)
{
	const struct agent *a = arg;

	return a->bmc != NULL;
}

static int
act_watchdog_arm(void *arg, int countdown_s, act_wd_done_cb done, void *darg)
{
	struct agent *a = arg;

	if (a->bmc == NULL)
		return -1;
	return bmc_watchdog_arm(a->bmc, countdown_s, done, darg);
}

static bool
act_event_acks(void *arg, uint64_t *acked, int *queued)
{
	const struct agent *a = arg;
	struct mq_stats st;

	if (a->mq == NULL)
		return false;
	mq_get_stats(a->mq, &st);
	*acked = st.events_acked;
	*queued = st.queued;
	return true;
}

static struct act *
start_actions(struct agent *a)
{
	struct act_env env = {
		.loop = a->loop,
		.conf = &a->conf,
		.eng = a->eng,
		.out = &a->out,
		.dry_run = a->dry_run,
		.event = act_on_event,
		.watchdog_ready = act_watchdog_ready,
		.watchdog_arm = act_watchdog_arm,
		.event_acks = act_event_acks,
		.arg = a,
	};

	return act_create(&env);
}

static cJSON *
decision_json(const struct eng_decision *d, const struct agent *a)
{
	cJSON *o = cJSON_CreateObject();
	struct eng_sensor_view v;

	cJSON_AddStringToObject(o, "action", eng_action_name(d->action));
	cJSON_AddStringToObject(o, "code", d->code != NULL ? d->code : "");
	cJSON_AddStringToObject(o, "reason", d->reason);
	if (d->sensor >= 0) {
		eng_sensor_view(a->eng, d->sensor, &v);
		cJSON_AddStringToObject(o, "sensor", v.id);
	}
	if (isfinite(d->value_c))
		cJSON_AddNumberToObject(o, "value_c", d->value_c);
	if (isfinite(d->trip_c))
		cJSON_AddNumberToObject(o, "trip_c", d->trip_c);
	if (isfinite(d->eta_s))
		cJSON_AddNumberToObject(o, "eta_s", d->eta_s);
	return o;
}

static void
dispatch(struct agent *a, int64_t now_ms)
{
	const struct eng_output *o = &a->out;
	cJSON *f;
	int i;

	if (o->changed) {
		log_info("state %s -> %s: %s", eng_state_name(o->prev_state),
		    eng_state_name(o->state), o->reason);
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(
		    f, "from", eng_state_name(o->prev_state));
		cJSON_AddStringToObject(f, "to", eng_state_name(o->state));
		cJSON_AddStringToObject(f, "reason", o->reason);
		agent_event(a, "state", f);
	}
	for (i = 0; i < o->n_decisions; i++) {
		const struct eng_decision *d = &o->decisions[i];

		log_info("decision %s (%s): %s", eng_action_name(d->action),
		    d->code != NULL ? d->code : "", d->reason);
		agent_event(a, "decision", decision_json(d, a));
		act_decision(a->act, d, now_ms);
	}
	act_tick(a->act, o, now_ms);
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

void
agent_tick(struct agent *a, int64_t now_ms)
{
	a->ticks++;
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
	if (!sources_settled(a, now_ms))
		return;
	eng_evaluate(a->eng, now_ms, &a->out);
	dispatch(a, now_ms);
	mq_agent_tick(a, now_ms);
}

static int64_t
tick_cb(struct loop *l, int64_t now_ms, void *arg)
{
	struct agent *a = arg;

	(void)l;
	agent_tick(a, now_ms);
	return (int64_t)(a->conf.agent.interval_s * 1000.0);
}

/* hwmon sensors that went away are missing, not hot. */
static void
check_removed(struct agent *a)
{
	cJSON *f;
	int i;

	for (i = 0; i < a->n_sensors; i++) {
		struct agent_sensor *s = &a->sensors[i];

		if (s->eng_idx < 0 || s->last.source == NULL ||
		    strcmp(s->last.source, "hwmon") != 0 ||
		    (a->hwm != NULL && hwm_has(a->hwm, s->id)))
			continue;
		log_warnx("sensor %s is gone", s->id);
		eng_sensor_remove(a->eng, s->eng_idx);
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "sensor", s->id);
		cJSON_AddStringToObject(f, "reason", "chip removed");
		agent_event(a, "sensor_removed", f);
		s->used = false;
		s->eng_idx = -1;
	}
}

static void
rescan_hwmon(struct agent *a)
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
	check_removed(a);
	log_debug("hwmon rescan: %d sensors", n);
}

void
agent_rescan(struct agent *a)
{
	rescan_hwmon(a);
}

static int64_t
rescan_cb(struct loop *l, int64_t now_ms, void *arg)
{
	struct agent *a = arg;

	(void)l;
	(void)now_ms;
	rescan_hwmon(a);
	return a->conf.agent.rescan_s > 0
	    ? (int64_t)(a->conf.agent.rescan_s * 1000.0)
	    : LOOP_NOMORE;
}

static int64_t
watchdog_cb(struct loop *l, int64_t now_ms, void *arg)
{
	(void)l;
	(void)now_ms;
	(void)arg;
	/* The loop reached us, so the whole agent is alive. */
	sdn_notify("WATCHDOG=1");
	return sdn_watchdog_interval_ms();
}

static int
start_sources(struct agent *a)
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
	return 0;
}

static void
stop_sources(struct agent *a)
{
	hwm_free(a->hwm);
	a->hwm = NULL;
	bmc_free(a->bmc);
	a->bmc = NULL;
}

int
agent_init(
    struct agent *a, struct agent_conf *conf, struct loop *l, bool dry_run)
{
	memset(a, 0, sizeof(*a));
	a->conf = *conf;
	a->loop = l;
	a->dry_run = dry_run; /* the flag; the config's is read live */
	a->started_ms = loop_now_ms(l);
	a->eng = eng_create(&a->conf.engine);
	if (a->eng == NULL) {
		log_warnx("cannot create the policy engine");
		return -1;
	}
	start_sources(a);
	mq_agent_start(a);
	a->act = start_actions(a);
	a->ovr = ovr_create(a); /* re-applies persisted overrides */
	agent_ctl_start(a);
	a->tick_timer = loop_add_timer(l, 0, tick_cb, a);
	if (a->conf.agent.rescan_s > 0)
		a->rescan_timer = loop_add_timer(l,
		    (int64_t)(a->conf.agent.rescan_s * 1000.0), rescan_cb, a);
	if (sdn_watchdog_interval_ms() > 0)
		a->watchdog_timer = loop_add_timer(
		    l, sdn_watchdog_interval_ms(), watchdog_cb, a);
	return 0;
}

void
agent_done(struct agent *a)
{
	loop_del_timer(a->loop, a->tick_timer);
	loop_del_timer(a->loop, a->rescan_timer);
	loop_del_timer(a->loop, a->watchdog_timer);
	ctl_free(a->ctl);
	a->ctl = NULL;
	ovr_free(a->ovr);
	a->ovr = NULL;
	act_free(a->act);
	a->act = NULL;
	mq_agent_stop(a);
	stop_sources(a);
	eng_free(a->eng);
	a->eng = NULL;
	cnf_free(&a->conf);
}

void
agent_reload(struct agent *a)
{
	struct agent_conf next;
	char *msgs = NULL;
	size_t len = 0;
	FILE *err;
	int n;

	sdn_notify("RELOADING=1");
	err = open_memstream(&msgs, &len);
	if (err == NULL) {
		log_warn("reload");
		sdn_notify("READY=1");
		return;
	}
	n = cnf_load(a->conf.path, &next, err);
	fclose(err);
	if (n > 0) {
		char *line, *save = NULL;

		for (line = strtok_r(msgs, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save))
			log_warnx("%s", line);
		log_warnx("reload: %s has %d error%s, keeping the running "
			  "configuration",
		    a->conf.path, n, n == 1 ? "" : "s");
		cnf_free(&next);
		free(msgs);
		rescan_hwmon(a);
		sdn_notify("READY=1");
		return;
	}
	free(msgs);
	cnf_free(&a->conf);
	a->conf = next;
	eng_reconfigure(a->eng, &a->conf.engine);
	stop_sources(a);
	start_sources(a);
	check_removed(a);
	agent_ctl_reload(a);
	ovr_reload(a);
	mq_agent_reload(a);
	loop_del_timer(a->loop, a->rescan_timer);
	a->rescan_timer = 0;
	if (a->conf.agent.rescan_s > 0)
		a->rescan_timer = loop_add_timer(a->loop,
		    (int64_t)(a->conf.agent.rescan_s * 1000.0), rescan_cb, a);
	log_info("configuration reloaded from %s", a->conf.path);
	agent_event(a, "reload", NULL);
	sdn_notify("READY=1");
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

/* --once --json */

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
