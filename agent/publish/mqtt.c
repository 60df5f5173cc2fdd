/*
 * mqtt.c - the broker connection on our own poll loop.
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

static void schedule_connect(struct mq *mq, bool after_loss);

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
	mq_limit_tick(mq, now_ms);
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
	/* the layout is the same since (telemetry, which changes it, waits
	 * for the connection): the very text again */
	if (mq->sensors.sent && (st = mq_sensors_text(mq)) != NULL) {
		mq_send(mq, mq->t_sensors, st, 1, true, &mid);
		free(st);
	}
	if (mq->ovr_json != NULL)
		mq_send(mq, mq->t_override, mq->ovr_json, 1, true, &mid);
	mq_flush_queue(mq);
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
		mq_flush_queue(mq);
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
	/* The tls group, or an mqtts:// broker: then without a tls group
	 * the system's CAs check the broker. */
	if (t->enabled || cur_broker(mq)->tls) {
		rc = mosquitto_tls_set(mq->m,
		    t->ca_file[0] != '\0' ? t->ca_file : NULL,
		    t->ca_path[0] != '\0'       ? t->ca_path
			: t->ca_file[0] == '\0' ? MQC_SYSTEM_CA_PATH
						: NULL,
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
	/* 2^k exactly, as pow(2.0, k) gives it, without pow(): its tables
	 * are 128 kB of libm the daemon would map for this alone */
	double d = min_s *
	    (double)(1u << (rounds < 1     ? 0
			     : rounds > 30 ? 29
					   : rounds - 1));

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
void
mq_flush_queue(struct mq *mq)
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
void
mq_check_lost(struct mq *mq)
{
	if (mq->lost && mq->m != NULL && !mq->in_lib && !mq->closing)
		teardown(mq, "publish failed");
}

/* --- start and stop ------------------------------------------------- */

int
mq_conn_start(struct mq *mq)
{
	mq->conn_timer = loop_add_timer(mq->loop, 0, connect_cb, mq);
	mq->misc_timer = loop_add_timer(mq->loop, 1000, misc_cb, mq);
	/* keepalive housekeeping: with the agent's tick, not a wakeup of
	 * its own */
	loop_set_timer_slack(mq->loop, mq->misc_timer, 1000);
	return mq->conn_timer < 0 || mq->misc_timer < 0 ? -1 : 0;
}

void
mq_conn_stop(struct mq *mq)
{
	char *st;
	int64_t end;

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
	mq->conn_timer = mq->misc_timer = 0;
	if (mq->fd >= 0)
		loop_del_fd(mq->loop, mq->fd);
	mq->fd = -1;
	if (mq->m != NULL)
		mosquitto_destroy(mq->m);
	mq->m = NULL;
}
