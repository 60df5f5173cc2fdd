/*
 * mqtt_setup.c - create and free the MQTT module: identity and topics,
 * the password file, the persisted event queue, then the connection
 * (mqtt.c). See mqtt.h.
 */
#include "mqtt_int.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static int lib_refs;

/* The "dropped" event: which events, how many of them noise, and why. */
static char *
drop_payload(void *arg, const struct mqq_drop *d)
{
	struct mq *mq = arg;
	cJSON *f = cJSON_CreateObject();

	cJSON_AddNumberToObject(f, "first_seq", (double)d->first);
	cJSON_AddNumberToObject(f, "last_seq", (double)d->last);
	cJSON_AddNumberToObject(f, "count", (double)d->count);
	cJSON_AddNumberToObject(f, "noise", (double)d->noise);
	cJSON_AddNumberToObject(f, "queue_max", mq->conf.queue_max);
	cJSON_AddBoolToObject(f, "connected", mq->connected);
	cJSON_AddStringToObject(f, "reason",
	    mq->connected
		? "event queue full while connected: events came faster "
		  "than the broker acknowledged them; oldest events dropped"
		: "event queue full while the broker was unreachable; "
		  "oldest events dropped");
	return mqm_event(&mq->id, mq_wall_ms(), d->seq, "dropped", f);
}

static bool
name_ok(const char *s)
{
	return s[0] != '\0' && strpbrk(s, "/+#") == NULL;
}

static int
read_password(struct mq *mq)
{
	char buf[512];
	size_t n;
	int fd;
	ssize_t r;

	if (mq->conf.password_file[0] == '\0')
		return 0;
	fd = open(mq->conf.password_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_warn("mqtt: %s", mq->conf.password_file);
		return -1;
	}
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r < 0) {
		log_warn("mqtt: %s", mq->conf.password_file);
		return -1;
	}
	buf[r] = '\0';
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	if (n == 0) {
		log_warnx("mqtt: %s: empty password", mq->conf.password_file);
		return -1;
	}
	mq->password = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return mq->password != NULL ? 0 : -1;
}

int
mq_topic(char **t, const char *fmt, ...)
{
	char buf[MQ_TOPIC_LEN];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || n >= MQ_TOPIC_LEN) {
		log_warnx("mqtt: topic %.64s... is %d bytes long, longer than "
			  "%d: shorten mqtt.topic_prefix, site, zone or host",
		    buf, n, MQ_TOPIC_LEN - 1);
		return -1;
	}
	if ((*t = strdup(buf)) == NULL) {
		log_warn("mqtt");
		return -1;
	}
	return 0;
}

#define TOPIC(t, ...) (mq_topic(&(t), __VA_ARGS__) < 0)

struct mq *
mq_create(struct loop *l, const struct mqtt_conf *c,
    const struct agent_group *id, const char *state_dir,
    const struct mq_callbacks *cb, void *arg)
{
	struct mq *mq;
	char path[PATH_MAX];
	const char *p;

	if (!name_ok(id->site) || !name_ok(id->zone) || !name_ok(id->host) ||
	    strcmp(id->host, "_all") == 0 || strcmp(id->zone, "_all") == 0) {
		log_warnx("mqtt: site, zone and host must be non-empty, "
			  "without '/', '+' or '#', and not \"_all\"");
		return NULL;
	}
	if ((mq = calloc(1, sizeof(*mq))) == NULL) {
		log_warn("mqtt");
		return NULL;
	}
	if (mqtt_conf_copy(&mq->conf, c) != 0) {
		log_warn("mqtt");
		free(mq);
		return NULL;
	}
	if (lib_refs++ == 0)
		mosquitto_lib_init();
	mq->loop = l;
	mq->fd = -1;
	snprintf(mq->site, sizeof(mq->site), "%s", id->site);
	snprintf(mq->zone, sizeof(mq->zone), "%s", id->zone);
	snprintf(mq->host, sizeof(mq->host), "%s", id->host);
	mq->id.site = mq->site;
	mq->id.zone = mq->zone;
	mq->id.host = mq->host;
	mq->id.tier = id->tier;
	mq->tier = id->tier;
	if ((mq->state_dir = strdup(state_dir != NULL ? state_dir : "")) ==
	    NULL) {
		log_warn("mqtt");
		goto fail;
	}
	if (cb != NULL)
		mq->cb = *cb;
	mq->arg = arg;
	mq->rnd = (uint32_t)getpid() ^ (uint32_t)mq_wall_ms() ^ 0x5bd1e995u;
	if (c->client_id[0] != '\0')
		snprintf(
		    mq->client_id, sizeof(mq->client_id), "%s", c->client_id);
	else
		snprintf(mq->client_id, sizeof(mq->client_id),
		    "thermwatch-%.100s", id->host);
	p = c->topic_prefix;
	if (TOPIC(mq->t_telemetry, "%s/%s/%s/%s/telemetry", p, mq->site,
		mq->zone, mq->host) ||
	    TOPIC(mq->t_sensors, "%s/%s/%s/%s/sensors", p, mq->site, mq->zone,
		mq->host) ||
	    TOPIC(mq->t_state, "%s/%s/%s/%s/state", p, mq->site, mq->zone,
		mq->host) ||
	    TOPIC(mq->t_event, "%s/%s/%s/%s/event", p, mq->site, mq->zone,
		mq->host) ||
	    TOPIC(mq->t_status, "%s/%s/%s/%s/status", p, mq->site, mq->zone,
		mq->host) ||
	    TOPIC(mq->t_peer, "%s/%s/%s/%s/peer", p, mq->site, mq->zone,
		mq->host) ||
	    TOPIC(mq->t_override, "%s/%s/%s/%s/override", p, mq->site, mq->zone,
		mq->host) ||
	    TOPIC(mq->t_set_host, "%s/%s/%s/%s/override/set", p, mq->site,
		mq->zone, mq->host) ||
	    TOPIC(mq->t_set_zone, "%s/%s/%s/_all/override/set", p, mq->site,
		mq->zone) ||
	    TOPIC(
		mq->t_set_site, "%s/%s/_all/_all/override/set", p, mq->site) ||
	    TOPIC(mq->t_peer_sub, "%s/%s/%s/+/peer", p, mq->site, mq->zone) ||
	    mq_site_topics(mq) < 0)
		goto fail;
	mq->peer_pfx_len = strlen(mq->t_peer_sub) - strlen("+/peer");
	if (read_password(mq) < 0 || mq_trust_init(mq) < 0)
		goto fail;
	if (state_dir != NULL && state_dir[0] != '\0') {
		snprintf(path, sizeof(path), "%s/mqtt-events.queue", state_dir);
		mq->q = mqq_open(path, c->queue_max, drop_payload, mq);
		if (mq->q == NULL)
			log_warn("mqtt: event queue %s, keeping events in "
				 "memory only",
			    path);
		else if (mqq_count(mq->q) > 0)
			log_info("mqtt: %d events from %s still to deliver",
			    mqq_count(mq->q), path);
	}
	if (mq->q == NULL)
		mq->q = mqq_open(NULL, c->queue_max, drop_payload, mq);
	if (mq->q == NULL) {
		log_warn("mqtt: event queue");
		goto fail;
	}
	if (mq_conn_start(mq) < 0) {
		log_warn("mqtt: timers");
		goto fail;
	}
	return mq;
fail:
	mq_free(mq);
	return NULL;
}

void
mq_free(struct mq *mq)
{
	if (mq == NULL)
		return;
	mq_conn_stop(mq);
	mqq_close(mq->q);
	if (mq->password != NULL) {
		explicit_bzero(mq->password, strlen(mq->password));
		free(mq->password);
	}
	free(mq->state_json);
	mqm_tele_free(mq->tele);
	free(mq->ovr_json);
	free(mq->ovr_sig);
	mqtt_conf_free(&mq->conf);
	free(mq->state_dir);
	free(mq->keys);
	free(mq->key_last_ts);
	free(mq->lim);
	free(mq->t_telemetry);
	free(mq->t_sensors);
	free(mq->t_state);
	free(mq->t_event);
	free(mq->t_status);
	free(mq->t_peer);
	free(mq->t_override);
	free(mq->t_set_host);
	free(mq->t_set_zone);
	free(mq->t_set_site);
	free(mq->t_peer_sub);
	for (int i = 0; i < 3; i++)
		free(mq->t_site_sub[i]);
	free(mq);
	if (--lib_refs == 0)
		mosquitto_lib_cleanup();
}
