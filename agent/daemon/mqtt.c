/*
 * mqtt.c - the broker connection on our own poll loop, and the publishers.
 *
 * This is mosquitto_loop() (libmosquitto lib/loop.c) unrolled into our
 * loop: the socket is watched for POLLIN, and for POLLOUT while
 * mosquitto_want_write(); a 1 s timer runs mosquitto_loop_misc() for the
 * keepalive. libmosquitto's own reconnect delay only applies to its
 * threaded loops, so reconnecting is ours: a timer, the broker list in
 * order, then exponential backoff with +-25% jitter.
 *
 * Every connection attempt gets a fresh struct mosquitto. That throws
 * away libmosquitto's in-memory out-queue (unbounded, lost on exit): the
 * events we still owe are in our own persisted queue and are sent again,
 * in order, after CONNACK. A consumer may see an event twice (QoS 1 is
 * at-least-once); "seq" tells.
 *
 * Nothing may tear the connection down from inside a libmosquitto
 * callback, so callbacks only set mq->lost and the caller of
 * mosquitto_loop_*() acts on it afterwards.
 */
#include "mqtt_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int lib_refs;

static void schedule_connect(struct mq *mq, bool after_loss);
static void flush_queue(struct mq *mq);

int64_t
mq_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t
rnd_next(struct mq *mq)
{
	uint32_t x = mq->rnd;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	mq->rnd = x != 0 ? x : 0x9e3779b9u;
	return mq->rnd;
}

/* --- socket and teardown --------------------------------------------- */

static void fd_cb(struct loop *l, int fd, short revents, void *arg);

void
mq_sync_fd(struct mq *mq)
{
	int s = mq->m != NULL ? mosquitto_socket(mq->m) : -1;
	short ev;

	if (s != mq->fd) {
		if (mq->fd >= 0)
			loop_del_fd(mq->loop, mq->fd);
		mq->fd = -1;
		if (s >= 0) {
			if (loop_add_fd(mq->loop, s, POLLIN, fd_cb, mq) < 0) {
				log_warn("mqtt: watching socket");
				mq->lost = true;
				return;
			}
			mq->fd = s;
			mq->fd_events = POLLIN;
		}
	}
	if (mq->fd < 0)
		return;
	ev = POLLIN;
	if (mosquitto_want_write(mq->m))
		ev |= POLLOUT;
	if (ev != mq->fd_events) {
		loop_set_fd_events(mq->loop, mq->fd, ev);
		mq->fd_events = ev;
	}
}

static const struct mqtt_broker *
cur_broker(const struct mq *mq)
{
	return &mq->conf.brokers[mq->broker];
}

static void
teardown(struct mq *mq, const char *why)
{
	bool was = mq->connected;

	if (mq->fd >= 0)
		loop_del_fd(mq->loop, mq->fd);
	mq->fd = -1;
	mq->connected = false;
	mq->lost = false;
	if (mq->m != NULL)
		mosquitto_destroy(mq->m);
	mq->m = NULL;
	mqq_reset_inflight(mq->q);
	mq->st.connected = false;
	if (was) {
		log_warnx("mqtt: connection to %s:%d lost: %s",
		    cur_broker(mq)->host, cur_broker(mq)->port, why);
		if (mq->cb.connection != NULL)
			mq->cb.connection(mq->arg, false);
	} else if (!mq->closing) {
		/* e.g. the TLS handshake or the login failed after connect() */
		if (!mq->warned_down)
			log_warnx("mqtt: cannot connect to %s:%d: %s",
			    cur_broker(mq)->host, cur_broker(mq)->port, why);
		else
			log_debug("mqtt: cannot connect to %s:%d: %s",
			    cur_broker(mq)->host, cur_broker(mq)->port, why);
	}
	if (!mq->closing)
		schedule_connect(mq, was);
}

/* After every libmosquitto call: act on a loss, follow the socket. */
static void
after_call(struct mq *mq, int rc, const char *what)
{
	if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN && !mq->lost &&
	    mq->m != NULL && mosquitto_socket(mq->m) < 0)
		mq->lost = true;
	if (rc == MOSQ_ERR_CONN_LOST || rc == MOSQ_ERR_ERRNO ||
	    rc == MOSQ_ERR_PROTOCOL || rc == MOSQ_ERR_KEEPALIVE ||
	    rc == MOSQ_ERR_TLS)
		mq->lost = true;
	if (mq->lost) {
		teardown(mq,
		    rc == MOSQ_ERR_ERRNO         ? strerror(errno)
			: rc != MOSQ_ERR_SUCCESS ? mosquitto_strerror(rc)
						 : what);
		return;
	}
	mq_sync_fd(mq);
}

static void
fd_cb(struct loop *l, int fd, short revents, void *arg)
{
	struct mq *mq = arg;
	int rc = MOSQ_ERR_SUCCESS;

	(void)l;
	(void)fd;
	if (mq->m == NULL)
		return;
	mq->in_lib = true;
	if (revents & (POLLIN | POLLHUP | POLLERR))
		rc = mosquitto_loop_read(mq->m, 1);
	if (rc == MOSQ_ERR_SUCCESS && !mq->lost && (revents & POLLOUT))
		rc = mosquitto_loop_write(mq->m, 1);
	mq->in_lib = false;
	after_call(mq, rc, "closed by the broker");
}

static int64_t
misc_cb(struct loop *l, int64_t now_ms, void *arg)
{
	struct mq *mq = arg;
	int rc;

	(void)l;
	if (mq->m == NULL)
		return 1000;
	if (!mq->connected && now_ms > mq->connect_deadline_ms) {
		log_warnx("mqtt: %s:%d: no CONNACK in time",
		    cur_broker(mq)->host, cur_broker(mq)->port);
		mq->lost = true;
		after_call(mq, MOSQ_ERR_SUCCESS, "no CONNACK");
		return 1000;
	}
	mq->in_lib = true;
	rc = mosquitto_loop_misc(mq->m);
	mq->in_lib = false;
	after_call(mq, rc, "keepalive");
	return 1000;
}

/* --- libmosquitto callbacks ------------------------------------------ */

static void
on_connect(struct mosquitto *m, void *obj, int rc, int flags,
    const mosquitto_property *props)
{
	struct mq *mq = obj;
	char *st;
	int mid;

	(void)m;
	(void)flags;
	(void)props;
	if (rc != 0) {
		log_warnx("mqtt: %s:%d refused the connection: %s",
		    cur_broker(mq)->host, cur_broker(mq)->port,
		    mosquitto_reason_string(rc));
		mq->lost = true;
		return;
	}
	mq->connected = true;
	mq->round_fails = 0;
	mq->warned_down = false;
	mq->st.connected = true;
	mq->st.connects++;
	mq->st.broker = mq->broker;
	log_info("mqtt: connected to %s:%d as %s", cur_broker(mq)->host,
	    cur_broker(mq)->port, mq->client_id);
	mq_in_subscribe(mq);
	st = mqm_status(
	    &mq->id, mq_wall_ms(), ++mq->seq_status, true, "connected");
	if (st != NULL)
		mq_send(mq, mq->t_status, st, 1, true, &mid);
	free(st);
	if (mq->state_json != NULL)
		mq_send(mq, mq->t_state, mq->state_json, 1, true, &mid);
	if (mq->ovr_json != NULL)
		mq_send(mq, mq->t_override, mq->ovr_json, 1, true, &mid);
	flush_queue(mq);
	if (mq->cb.connection != NULL)
		mq->cb.connection(mq->arg, true);
}

static void
on_disconnect(
    struct mosquitto *m, void *obj, int rc, const mosquitto_property *props)
{
	struct mq *mq = obj;

	(void)m;
	(void)props;
	(void)rc;
	mq->lost = true;
}

static void
on_publish(struct mosquitto *m, void *obj, int mid, int reason,
    const mosquitto_property *props)
{
	struct mq *mq = obj;
	uint64_t seq;

	(void)m;
	(void)props;
	if (reason >= 0x80) {
		mq->st.denied++;
		log_warnx("mqtt: broker refused message %d: %s (check the "
			  "broker's ACL)",
		    mid, mosquitto_reason_string(reason));
	}
	if (mid == mq->status_mid)
		mq->status_acked = true;
	seq = mqq_ack_mid(mq->q, mid);
	if (seq > 0) {
		mq->st.events_acked++;
		flush_queue(mq);
	}
}

static void
on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg,
    const mosquitto_property *props)
{
	struct mq *mq = obj;

	(void)m;
	(void)props;
	if (!mq->closing)
		mq_in_message(mq, msg);
}

/* --- connecting ------------------------------------------------------ */

static int
setup_client(struct mq *mq)
{
	const struct mqtt_tls_conf *t = &mq->conf.tls;
	char *will;
	int rc;

	mq->m = mosquitto_new(mq->client_id, true, mq);
	if (mq->m == NULL) {
		log_warn("mqtt: mosquitto_new");
		return -1;
	}
	mosquitto_int_option(
	    mq->m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	mosquitto_int_option(mq->m, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_connect_v5_callback_set(mq->m, on_connect);
	mosquitto_disconnect_v5_callback_set(mq->m, on_disconnect);
	mosquitto_publish_v5_callback_set(mq->m, on_publish);
	mosquitto_message_v5_callback_set(mq->m, on_message);
	if (mq->conf.username[0] != '\0' &&
	    (rc = mosquitto_username_pw_set(
		 mq->m, mq->conf.username, mq->password)) != MOSQ_ERR_SUCCESS)
		goto fail;
	if (t->enabled) {
		rc = mosquitto_tls_set(mq->m,
		    t->ca_file[0] != '\0' ? t->ca_file : NULL,
		    t->ca_path[0] != '\0' ? t->ca_path : NULL,
		    t->cert_file[0] != '\0' ? t->cert_file : NULL,
		    t->key_file[0] != '\0' ? t->key_file : NULL, NULL);
		if (rc != MOSQ_ERR_SUCCESS)
			goto fail;
		if (!t->verify) {
			mosquitto_tls_opts_set(mq->m, 0, NULL, NULL);
			mosquitto_tls_insecure_set(mq->m, true);
		}
	}
	/* The will is fixed at connect time: ts is the connect time. */
	will = mqm_status(&mq->id, mq_wall_ms(), 0, false, "connection lost");
	if (will == NULL) {
		rc = MOSQ_ERR_NOMEM;
		goto fail;
	}
	rc = mosquitto_will_set_v5(
	    mq->m, mq->t_status, (int)strlen(will), will, 1, true, NULL);
	free(will);
	if (rc != MOSQ_ERR_SUCCESS)
		goto fail;
	return 0;
fail:
	log_warnx("mqtt: client setup: %s",
	    rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
	mosquitto_destroy(mq->m);
	mq->m = NULL;
	return -1;
}

static int64_t
connect_cb(struct loop *l, int64_t now_ms, void *arg)
{
	struct mq *mq = arg;
	const struct mqtt_broker *b = cur_broker(mq);
	int rc;

	(void)l;
	mq->conn_timer = 0;
	if (mq->m != NULL)
		return LOOP_NOMORE;
	if (setup_client(mq) < 0) {
		schedule_connect(mq, false);
		return LOOP_NOMORE;
	}
	/*
	 * Blocks in connect(2): fine on loopback, where refusal is
	 * immediate. Production agents talk to a local broker that bridges
	 * upstream (broker-config/bridge.conf).
	 */
	rc = mosquitto_connect(mq->m, b->host, b->port, mq->conf.keepalive_s);
	if (rc != MOSQ_ERR_SUCCESS) {
		if (!mq->warned_down)
			log_warnx("mqtt: cannot connect to %s:%d: %s", b->host,
			    b->port,
			    rc == MOSQ_ERR_ERRNO ? strerror(errno)
						 : mosquitto_strerror(rc));
		else
			log_debug("mqtt: cannot connect to %s:%d: %s", b->host,
			    b->port,
			    rc == MOSQ_ERR_ERRNO ? strerror(errno)
						 : mosquitto_strerror(rc));
		mosquitto_destroy(mq->m);
		mq->m = NULL;
		schedule_connect(mq, false);
		return LOOP_NOMORE;
	}
	mq->connect_deadline_ms = now_ms + 10000;
	mq_sync_fd(mq);
	return LOOP_NOMORE;
}

int64_t
mq_backoff_ms(double min_s, double max_s, int rounds, double u)
{
	double d = min_s *
	    pow(2.0,
		rounds < 1        ? 0
		    : rounds > 30 ? 29
				  : rounds - 1);

	if (d > max_s)
		d = max_s;
	return (int64_t)(d * (0.75 + 0.5 * u) * 1000.0);
}

/*
 * Next attempt: the next broker of the list at once; after a whole round
 * failed, the first again after min * 2^(rounds-1) (capped at max), with
 * +-25% jitter so a room of agents does not reconnect in lockstep after a
 * broker restart.
 */
static void
schedule_connect(struct mq *mq, bool after_loss)
{
	double d;
	int64_t ms;

	if (mq->conn_timer != 0 || mq->closing)
		return;
	if (after_loss) {
		mq->broker = 0;
		d = mq->conf.reconnect_min_s;
	} else if (mq->broker + 1 < mq->conf.n_brokers) {
		mq->broker++;
		d = 0;
	} else {
		mq->broker = 0;
		mq->round_fails++;
		mq->warned_down = true;
		d = -1;
	}
	if (d < 0)
		ms = mq_backoff_ms(mq->conf.reconnect_min_s,
		    mq->conf.reconnect_max_s, mq->round_fails,
		    (rnd_next(mq) % 10001) / 10000.0);
	else if (d > 0)
		ms = (int64_t)(d *
		    (0.75 + 0.5 * (rnd_next(mq) % 10001) / 10000.0) * 1000.0);
	else
		ms = 0;
	mq->conn_timer = loop_add_timer(mq->loop, ms, connect_cb, mq);
	if (mq->conn_timer < 0) {
		log_warn("mqtt: reconnect timer");
		mq->conn_timer = 0;
	}
}

/* --- sending --------------------------------------------------------- */

int
mq_send(struct mq *mq, const char *topic, const char *payload, int qos,
    bool retain, int *mid)
{
	int rc;

	if (!mq->connected || mq->m == NULL)
		return MOSQ_ERR_NO_CONN;
	rc = mosquitto_publish_v5(mq->m, mid, topic, (int)strlen(payload),
	    payload, qos, retain, NULL);
	if (rc == MOSQ_ERR_SUCCESS)
		mq->st.published++;
	else
		log_debug(
		    "mqtt: publish %s: %s", topic, mosquitto_strerror(rc));
	/* No teardown here: we may be inside a libmosquitto callback. */
	if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN &&
	    rc != MOSQ_ERR_NOMEM && rc != MOSQ_ERR_PAYLOAD_SIZE)
		mq->lost = true;
	if (mq->fd >= 0 && !mq->lost && mosquitto_want_write(mq->m) &&
	    !(mq->fd_events & POLLOUT)) {
		mq->fd_events |= POLLOUT;
		loop_set_fd_events(mq->loop, mq->fd, mq->fd_events);
	}
	return rc;
}

/*
 * Send queued events in order, at most MQ_WINDOW awaiting PUBACK. The ones
 * in flight are at the head, so this looks at about MQ_WINDOW entries.
 */
static void
flush_queue(struct mq *mq)
{
	struct mqq_entry *e;
	int i, mid, inflight = 0, n = mqq_count(mq->q);

	for (i = 0; i < n && mq->connected && inflight < MQ_WINDOW; i++) {
		e = mqq_at(mq->q, i);
		if (e->acked)
			continue;
		if (e->mid == 0) {
			if (mq_send(mq, mq->t_event, e->json, 1, false, &mid) !=
			    MOSQ_ERR_SUCCESS)
				break;
			e->mid = mid;
		}
		inflight++;
	}
}

/*
 * Tear down a connection marked lost, unless we are inside a libmosquitto
 * call (a callback of ours published): then the caller does it after.
 */
static void
check_lost(struct mq *mq)
{
	if (mq->lost && mq->m != NULL && !mq->in_lib && !mq->closing)
		teardown(mq, "publish failed");
}

/* --- public API ------------------------------------------------------ */

static char *
drop_payload(
    void *arg, uint64_t seq, uint64_t first, uint64_t last, uint64_t count)
{
	struct mq *mq = arg;
	cJSON *f = cJSON_CreateObject();

	cJSON_AddNumberToObject(f, "first_seq", (double)first);
	cJSON_AddNumberToObject(f, "last_seq", (double)last);
	cJSON_AddNumberToObject(f, "count", (double)count);
	cJSON_AddNumberToObject(f, "queue_max", mq->conf.queue_max);
	cJSON_AddStringToObject(f, "reason",
	    "event queue full while the "
	    "broker was unreachable; oldest events dropped");
	return mqm_event(&mq->id, mq_wall_ms(), seq, "dropped", f);
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

#define TOPIC(buf, ...) snprintf(buf, sizeof(buf), __VA_ARGS__)

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
	if (lib_refs++ == 0)
		mosquitto_lib_init();
	mq->loop = l;
	mq->conf = *c;
	mq->fd = -1;
	snprintf(mq->site, sizeof(mq->site), "%s", id->site);
	snprintf(mq->zone, sizeof(mq->zone), "%s", id->zone);
	snprintf(mq->host, sizeof(mq->host), "%s", id->host);
	mq->id.site = mq->site;
	mq->id.zone = mq->zone;
	mq->id.host = mq->host;
	mq->id.tier = id->tier;
	mq->tier = id->tier;
	snprintf(mq->state_dir, sizeof(mq->state_dir), "%s",
	    state_dir != NULL ? state_dir : "");
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
	TOPIC(mq->t_telemetry, "%s/%s/%s/%s/telemetry", p, mq->site, mq->zone,
	    mq->host);
	TOPIC(
	    mq->t_state, "%s/%s/%s/%s/state", p, mq->site, mq->zone, mq->host);
	TOPIC(
	    mq->t_event, "%s/%s/%s/%s/event", p, mq->site, mq->zone, mq->host);
	TOPIC(mq->t_status, "%s/%s/%s/%s/status", p, mq->site, mq->zone,
	    mq->host);
	TOPIC(mq->t_peer, "%s/%s/%s/%s/peer", p, mq->site, mq->zone, mq->host);
	TOPIC(mq->t_override, "%s/%s/%s/%s/override", p, mq->site, mq->zone,
	    mq->host);
	TOPIC(mq->t_set_host, "%s/%s/%s/%s/override/set", p, mq->site, mq->zone,
	    mq->host);
	TOPIC(mq->t_set_zone, "%s/%s/%s/_all/override/set", p, mq->site,
	    mq->zone);
	TOPIC(mq->t_set_site, "%s/%s/_all/_all/override/set", p, mq->site);
	TOPIC(mq->t_peer_sub, "%s/%s/%s/+/peer", p, mq->site, mq->zone);
	mq->peer_pfx_len = strlen(mq->t_peer_sub) - strlen("+/peer");
	if (read_password(mq) < 0)
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
	mq->conn_timer = loop_add_timer(l, 0, connect_cb, mq);
	mq->misc_timer = loop_add_timer(l, 1000, misc_cb, mq);
	if (mq->conn_timer < 0 || mq->misc_timer < 0) {
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
	char *st;
	int64_t end;

	if (mq == NULL)
		return;
	mq->closing = true;
	if (mq->connected && mq->m != NULL) {
		st = mqm_status(
		    &mq->id, mq_wall_ms(), ++mq->seq_status, false, "shutdown");
		mq->status_mid = -1;
		if (st != NULL &&
		    mq_send(mq, mq->t_status, st, 1, true, &mq->status_mid) ==
			MOSQ_ERR_SUCCESS) {
			end = loop_clock_ms() + 1000;
			mq->in_lib = true;
			while (!mq->status_acked && !mq->lost &&
			    loop_clock_ms() < end)
				mosquitto_loop(mq->m, 100, 1);
			mq->in_lib = false;
		}
		free(st);
		if (!mq->lost) {
			mosquitto_disconnect(mq->m);
			end = loop_clock_ms() + 500;
			mq->in_lib = true;
			while (!mq->lost && loop_clock_ms() < end)
				mosquitto_loop(mq->m, 100, 1);
			mq->in_lib = false;
		}
	}
	if (mq->conn_timer > 0)
		loop_del_timer(mq->loop, mq->conn_timer);
	if (mq->misc_timer > 0)
		loop_del_timer(mq->loop, mq->misc_timer);
	if (mq->fd >= 0)
		loop_del_fd(mq->loop, mq->fd);
	if (mq->m != NULL)
		mosquitto_destroy(mq->m);
	mqq_close(mq->q);
	if (mq->password != NULL) {
		explicit_bzero(mq->password, strlen(mq->password));
		free(mq->password);
	}
	free(mq->state_json);
	free(mq->ovr_json);
	free(mq->ovr_sig);
	free(mq);
	if (--lib_refs == 0)
		mosquitto_lib_cleanup();
}

static bool
due(int64_t now_ms, int64_t last_ms, bool have, double interval_s)
{
	int64_t iv = (int64_t)(interval_s * 1000.0);
	int64_t slack = iv / 10 < 100 ? iv / 10 : 100;

	return !have || now_ms - last_ms >= iv - slack;
}

void
mq_publish_telemetry(struct mq *mq, const struct eng *e,
    const struct eng_output *o, int64_t now_ms)
{
	char *s;
	int mid;

	if (!mq->connected ||
	    !due(now_ms, mq->last_telemetry_ms, mq->have_telemetry,
		mq->conf.telemetry_interval_s))
		return;
	mq->last_telemetry_ms = now_ms;
	mq->have_telemetry = true;
	s = mqm_telemetry(&mq->id, mq_wall_ms(), ++mq->seq_telemetry, e, o);
	if (s != NULL)
		mq_send(mq, mq->t_telemetry, s, 0, false, &mid);
	free(s);
	check_lost(mq);
}

void
mq_publish_peer(struct mq *mq, const struct eng *e, int64_t now_ms)
{
	struct eng_peer p;
	char *s;
	int mid;

	if (!mq->connected ||
	    !due(now_ms, mq->last_peer_ms, mq->have_peer,
		mq->conf.peer_interval_s))
		return;
	mq->last_peer_ms = now_ms;
	mq->have_peer = true;
	if (!eng_inlet_summary(e, now_ms, &p))
		return;
	s = mqm_peer(&mq->id, mq_wall_ms(), ++mq->seq_peer, &p);
	if (s != NULL)
		mq_send(mq, mq->t_peer, s, 0, false, &mid);
	free(s);
	check_lost(mq);
}

/*
 * The retained state goes out at once when the state, the load flag or the
 * zone alarm changed; when only the reason's figures moved (it names the
 * worst sensor's value), at most once per telemetry interval.
 */
void
mq_set_hold(struct mq *mq, const char *reason)
{
	snprintf(
	    mq->hold, sizeof(mq->hold), "%s", reason != NULL ? reason : "");
}

void
mq_publish_state(struct mq *mq, const struct eng_output *o, int64_t now_ms)
{
	char sig[sizeof(mq->state_sig)];
	bool key_changed;
	char *s;
	int mid;

	snprintf(sig, sizeof(sig), "%d|%d|%d|%d|%s|", (int)o->state,
	    o->accepting_load, o->zone_alarm, (int)o->prev_state, mq->hold);
	key_changed = mq->state_json == NULL ||
	    strncmp(sig, mq->state_sig, strlen(sig)) != 0;
	snprintf(sig + strlen(sig), sizeof(sig) - strlen(sig), "%s", o->reason);
	if (!key_changed &&
	    (strcmp(sig, mq->state_sig) == 0 ||
		!due(now_ms, mq->last_state_ms, true,
		    mq->conf.telemetry_interval_s)))
		return;
	s = mqm_state_hold(&mq->id, mq_wall_ms(), ++mq->seq_state, o, now_ms,
	    mq->hold[0] != '\0' ? mq->hold : NULL);
	if (s == NULL)
		return;
	memcpy(mq->state_sig, sig, sizeof(sig));
	mq->last_state_ms = now_ms;
	free(mq->state_json);
	mq->state_json = s;
	mq_send(mq, mq->t_state, s, 1, true, &mid);
	check_lost(mq);
}

void
mq_publish_overrides(struct mq *mq, const struct eng *e, int64_t now_ms)
{
	const struct eng_override *ov;
	char *sig = NULL, *s;
	size_t len = 0;
	FILE *f;
	int i, n = eng_override_count(e), mid;

	if ((f = open_memstream(&sig, &len)) == NULL)
		return;
	for (i = 0; i < n; i++)
		if ((ov = eng_override_get(e, i)) != NULL)
			fprintf(f, "%s=%.17g@%" PRId64 "/%s/%s;", ov->key,
			    ov->value, ov->expires_ms, ov->author, ov->reason);
	fclose(f);
	if (mq->ovr_sig != NULL && strcmp(sig, mq->ovr_sig) == 0) {
		free(sig);
		return;
	}
	s = mqm_overrides(&mq->id, mq_wall_ms(), ++mq->seq_ovr, e, now_ms);
	if (s == NULL) {
		free(sig);
		return;
	}
	free(mq->ovr_sig);
	mq->ovr_sig = sig;
	free(mq->ovr_json);
	mq->ovr_json = s;
	mq_send(mq, mq->t_override, s, 1, true, &mid);
	check_lost(mq);
}

uint64_t
mq_publish_event(struct mq *mq, const char *type, cJSON *fields)
{
	uint64_t seq = mqq_next_seq(mq->q);
	char *s = mqm_event(&mq->id, mq_wall_ms(), seq, type, fields);
	int dropped;

	if (s == NULL)
		return 0;
	dropped = mqq_push(mq->q, seq, s);
	if (dropped > 0) {
		mq->st.dropped += (uint64_t)dropped;
		if (mq->st.dropped == (uint64_t)dropped ||
		    mq->st.dropped % 1000 == 0)
			log_warnx("mqtt: event queue full (%d), %" PRIu64
				  " oldest events dropped so far",
			    mq->conf.queue_max, mq->st.dropped);
	}
	flush_queue(mq);
	check_lost(mq);
	return seq;
}

bool
mq_connected(const struct mq *mq)
{
	return mq != NULL && mq->connected;
}

bool
mq_same_conf(const struct mq *mq, const struct mqtt_conf *c,
    const struct agent_group *id, const char *state_dir)
{
	return memcmp(&mq->conf, c, sizeof(*c)) == 0 &&
	    strcmp(mq->site, id->site) == 0 &&
	    strcmp(mq->zone, id->zone) == 0 &&
	    strcmp(mq->host, id->host) == 0 && mq->tier == id->tier &&
	    strcmp(mq->state_dir, state_dir != NULL ? state_dir : "") == 0;
}

void
mq_get_stats(const struct mq *mq, struct mq_stats *s)
{
	*s = mq->st;
	s->queued = mqq_count(mq->q);
	s->dropped = mqq_dropped_total(mq->q);
}
