/*
 * publish.c - virtual hosts on MQTT. See publish.h.
 */
#include "publish.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mosquitto.h>

#include "mqtt_msg.h"

#define TOPIC_PREFIX "thermwatch/v1"

struct pubhost {
	int64_t next_telemetry_ms;
	int last_state; /* -1 before the first state */
	uint64_t seq;
};

struct simpub {
	struct mosquitto *m;
	char site[64];
	int64_t interval_ms;
	int64_t wall0_ms;
	int n_hosts;
	struct pubhost *hosts;
	uint64_t sent;
	uint64_t qos1_sent;
	uint64_t acked; /* on_publish: QoS 0 written out, QoS 1 acked */
	uint64_t errors;
};

static void
on_publish(struct mosquitto *m, void *arg, int mid)
{
	struct simpub *p = arg;

	(void)m;
	(void)mid;
	p->acked++;
}

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct simpub *
simpub_create(const char *broker, const char *site, double interval_s,
    char *err, size_t errlen)
{
	struct simpub *p;
	char host[256], *colon, *end;
	long port = 1883;
	int rc;

	snprintf(host, sizeof(host), "%s", broker);
	colon = strrchr(host, ':');
	if (colon != NULL) {
		*colon = '\0';
		port = strtol(colon + 1, &end, 10);
		if (*end != '\0' || port < 1 || port > 65535) {
			snprintf(
			    err, errlen, "--mqtt: \"%s\": bad port", broker);
			return NULL;
		}
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(p->site, sizeof(p->site), "%s", site);
	p->interval_ms = (int64_t)(interval_s * 1000.0);
	p->wall0_ms = wall_ms();
	mosquitto_lib_init();
	p->m = mosquitto_new(NULL, true, p);
	if (p->m == NULL) {
		snprintf(err, errlen, "mosquitto_new failed");
		goto fail;
	}
	mosquitto_publish_callback_set(p->m, on_publish);
	/* a generous in-flight window: the sim produces bursts */
	mosquitto_int_option(p->m, MOSQ_OPT_SEND_MAXIMUM, 1000);
	rc = mosquitto_connect(p->m, host, (int)port, 30);
	if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(err, errlen, "--mqtt: cannot connect to %s: %s",
		    broker,
		    rc == MOSQ_ERR_ERRNO ? strerror(errno)
					 : mosquitto_strerror(rc));
		goto fail;
	}
	return p;
fail:
	if (p->m != NULL)
		mosquitto_destroy(p->m);
	mosquitto_lib_cleanup();
	free(p);
	return NULL;
}

static void
pub_send(struct simpub *p, const struct mqm_id *id, const char *kind,
    char *payload, int qos, bool retain)
{
	char topic[256];
	int rc;

	if (payload == NULL) {
		p->errors++;
		return;
	}
	snprintf(topic, sizeof(topic), "%s/%s/%s/%s/%s", TOPIC_PREFIX, id->site,
	    id->zone, id->host, kind);
	rc = mosquitto_publish(
	    p->m, NULL, topic, (int)strlen(payload), payload, qos, retain);
	free(payload);
	if (rc != MOSQ_ERR_SUCCESS) {
		p->errors++;
		return;
	}
	p->sent++;
	if (qos > 0)
		p->qos1_sent++;
	/* read acks and write what is pending without waiting */
	if (p->sent % 64 == 0)
		mosquitto_loop(p->m, 0, 1);
}

void
simpub_host(void *arg, const struct sim_run *r, const struct sim_host *h,
    int64_t now_ms, const struct eng_output *out)
{
	struct simpub *p = arg;
	struct pubhost *ph;
	struct mqm_id id;
	int64_t ts = p->wall0_ms + now_ms;
	int i, idx = (int)(h - r->host);

	if (p->hosts == NULL) {
		p->hosts = calloc((size_t)r->n_hosts, sizeof(*p->hosts));
		if (p->hosts == NULL)
			return;
		p->n_hosts = r->n_hosts;
		for (i = 0; i < p->n_hosts; i++)
			p->hosts[i].last_state = -1;
	}
	if (idx < 0 || idx >= p->n_hosts)
		return;
	ph = &p->hosts[idx];
	id.site = p->site;
	id.zone = r->scn->zones[h->zone].name;
	id.host = h->name;
	id.tier = h->tier;
	if (ph->last_state < 0)
		pub_send(p, &id, "status",
		    mqm_status(&id, ts, ++ph->seq, true, "simulated"), 1, true);
	if ((int)out->state != ph->last_state) {
		ph->last_state = (int)out->state;
		pub_send(p, &id, "state",
		    mqm_state(&id, ts, ++ph->seq, out, now_ms), 1, true);
	}
	for (i = 0; i < out->n_decisions; i++) {
		const struct eng_decision *d = &out->decisions[i];
		cJSON *f = cJSON_CreateObject();

		cJSON_AddStringToObject(
		    f, "action", eng_action_name(d->action));
		cJSON_AddStringToObject(f, "code", d->code ? d->code : "");
		cJSON_AddStringToObject(f, "reason", d->reason);
		mqm_add_num(f, "value_c", d->value_c);
		mqm_add_num(f, "trip_c", d->trip_c);
		mqm_add_num(f, "eta_s", d->eta_s);
		pub_send(p, &id, "event",
		    mqm_event(&id, ts, ++ph->seq, "decision", f), 1, false);
	}
	if (now_ms >= ph->next_telemetry_ms) {
		ph->next_telemetry_ms = now_ms + p->interval_ms;
		pub_send(p, &id, "telemetry",
		    mqm_telemetry(&id, ts, ++ph->seq, h->eng, out), 0, false);
	}
}

void
simpub_free(struct simpub *p, FILE *summary)
{
	int i;

	if (p == NULL)
		return;
	/* bounded wait until every message is out (QoS 0) or acked by the
	 * broker (QoS 1): libmosquitto confirms both with on_publish */
	for (i = 0; i < 500 && p->acked < p->sent; i++)
		if (mosquitto_loop(p->m, 10, 1) != MOSQ_ERR_SUCCESS)
			break;
	if (summary != NULL)
		fprintf(summary,
		    "mqtt: published %llu messages (%llu QoS 1, "
		    "%llu confirmed, %llu errors)\n",
		    (unsigned long long)p->sent,
		    (unsigned long long)p->qos1_sent,
		    (unsigned long long)p->acked,
		    (unsigned long long)p->errors);
	mosquitto_disconnect(p->m);
	mosquitto_loop(p->m, 100, 1);
	mosquitto_destroy(p->m);
	mosquitto_lib_cleanup();
	free(p->hosts);
	free(p);
}
