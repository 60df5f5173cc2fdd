/*
 * mqtt_site.c - the site as the fleet view sees it: the other hosts'
 * retained state, status and bridge messages, every zone of this site
 * (<prefix>/<site>/+/+/<leaf>), handed to the site callback; and what this
 * host offers them in its own state (mq_set_offer). Subscribed only when
 * the caller has a site callback.
 */
#include "mqtt_int.h"

#include <stdio.h>
#include <string.h>

#include <mqtt_protocol.h>

#include "log.h"

static const char *const leaf_names[] = { "state", "status", "bridge" };

/* A state with a long reason and a URI is bigger than an override: allow
 * at least this much. */
#define SITE_PAYLOAD_MIN 4096

int
mq_site_topics(struct mq *mq)
{
	for (int i = 0; i < 3; i++)
		if (mq_topic(&mq->t_site_sub[i], "%s/%s/+/+/%s",
			mq->conf.topic_prefix, mq->site, leaf_names[i]) < 0)
			return -1;
	mq->site_pfx_len = strlen(mq->conf.topic_prefix) + 1 +
	    strlen(mq->site) + 1;
	return 0;
}

void
mq_site_subscribe(struct mq *mq)
{
	int rc, mid;

	if (mq->cb.site == NULL)
		return;
	for (int i = 0; i < 3; i++) {
		/* No-local: our own state need not come back to us. */
		rc = mosquitto_subscribe_v5(mq->m, &mid, mq->t_site_sub[i], 0,
		    MQTT_SUB_OPT_NO_LOCAL, NULL);
		if (rc != MOSQ_ERR_SUCCESS)
			log_warnx("mqtt: subscribe %s: %s", mq->t_site_sub[i],
			    mosquitto_strerror(rc));
	}
}

bool
mq_site_message(struct mq *mq, const struct mosquitto_message *msg)
{
	struct mq_site_msg m;
	char zone[CNF_NAME_LEN], host[CNF_NAME_LEN];
	const char *p, *slash;
	bool match = false;
	size_t n;
	int i,
	    max = mq->conf.max_payload > SITE_PAYLOAD_MIN ? mq->conf.max_payload
							  : SITE_PAYLOAD_MIN;

	if (mq->cb.site == NULL)
		return false;
	for (i = 0; i < 3 && !match; i++)
		if (mosquitto_topic_matches_sub(mq->t_site_sub[i], msg->topic,
			&match) != MOSQ_ERR_SUCCESS)
			match = false;
	if (!match)
		return false;
	i--;
	/* <prefix>/<site>/ZONE/HOST/<leaf> */
	p = msg->topic + mq->site_pfx_len;
	slash = strchr(p, '/');
	n = slash != NULL ? (size_t)(slash - p) : 0;
	if (n == 0 || n >= sizeof(zone))
		return true;
	memcpy(zone, p, n);
	zone[n] = '\0';
	p = slash + 1;
	slash = strchr(p, '/');
	n = slash != NULL ? (size_t)(slash - p) : 0;
	if (n == 0 || n >= sizeof(host))
		return true;
	memcpy(host, p, n);
	host[n] = '\0';
	if (strcmp(host, mq->host) == 0 || strcmp(host, "_all") == 0)
		return true;
	if (msg->payloadlen > max) {
		log_debug(
		    "mqtt: %s: %d bytes, ignored", msg->topic, msg->payloadlen);
		return true;
	}
	memset(&m, 0, sizeof(m));
	m.zone = zone;
	m.host = host;
	m.leaf = (enum mq_site_leaf)i;
	m.payload = msg->payload;
	m.len = (size_t)msg->payloadlen;
	m.retained = msg->retain;
	mq->cb.site(mq->arg, &m);
	return true;
}

void
mq_set_offer(struct mq *mq, const struct mqm_offer *offer)
{
	bool have = offer != NULL;

	if (have == mq->have_offer &&
	    (!have || mqm_offer_same(offer, &mq->offer)))
		return;
	mq->have_offer = have;
	if (have)
		mq->offer = *offer;
	/* a changed signature sends the state at the next tick */
	mq->state_sig[0] = '\0';
}
