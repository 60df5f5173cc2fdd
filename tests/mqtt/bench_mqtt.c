/*
 * bench_mqtt.c - telemetry through one local broker: publish-to-receive
 * latency (p50/p99) and CPU per message, with many simulated hosts.
 *
 *	bench_mqtt [-p port] [-n hosts] [-r rate_hz] [-d seconds]
 *	    [-s sensors] [-b broker_pid] [-u user -P password]
 *
 * Every simulated host is its own MQTT connection and publishes the real
 * telemetry payload (mqm_telemetry() of a real engine with -s sensors) at
 * -r Hz, spread evenly over the period; one subscriber takes
 * thermwatch/v1/+/+/+/telemetry. The clients run on one poll() loop in
 * this process, like the agent's. Built, not run by ctest: run
 * tests/mqtt/bench.sh, which starts a private broker.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>

#include "engine.h"
#include "mqtt_msg.h"

#define RING 64

struct host {
	struct mosquitto *m;
	char name[16];
	char topic[96];
	uint64_t seq;
	int64_t sent_ns[RING]; /* by seq % RING */
	int64_t next_ns;
};

static struct host *hosts;
static int n_hosts = 1000;
static int64_t *lat_ns;
static size_t n_lat, cap_lat;
static uint64_t received, lost_lookup;

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double
proc_cpu_s(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	/* fields after ")": state(3) ... utime(14) stime(15) */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		&ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void
on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
	int64_t t = now_ns();
	const char *h, *s;
	int idx;
	uint64_t seq;

	(void)m;
	(void)obj;
	received++;
	/* thermwatch/v1/bench/z<k>/h<idx>/telemetry */
	h = strstr(msg->topic, "/h");
	s = memmem(msg->payload, (size_t)msg->payloadlen, "\"seq\":", 6);
	if (h == NULL || s == NULL) {
		lost_lookup++;
		return;
	}
	idx = atoi(h + 2);
	seq = strtoull(s + 6, NULL, 10);
	if (idx < 0 || idx >= n_hosts || hosts[idx].seq - seq >= RING) {
		lost_lookup++;
		return;
	}
	if (n_lat == cap_lat) {
		cap_lat = cap_lat ? cap_lat * 2 : 65536;
		lat_ns = realloc(lat_ns, cap_lat * sizeof(*lat_ns));
		if (lat_ns == NULL)
			abort();
	}
	lat_ns[n_lat++] = t - hosts[idx].sent_ns[seq % RING];
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void
service(struct mosquitto **ms, int n, struct pollfd *pfd, int64_t wait_ns)
{
	struct timespec ts = { wait_ns / 1000000000, wait_ns % 1000000000 };
	int i;

	for (i = 0; i < n; i++) {
		pfd[i].fd = mosquitto_socket(ms[i]);
		pfd[i].events = POLLIN |
		    (mosquitto_want_write(ms[i]) ? POLLOUT : 0);
		pfd[i].revents = 0;
	}
	if (ppoll(pfd, (nfds_t)n, &ts, NULL) < 0 && errno != EINTR)
		return;
	for (i = 0; i < n; i++) {
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
			mosquitto_loop_read(ms[i], 1);
		if (pfd[i].revents & POLLOUT)
			mosquitto_loop_write(ms[i], 1);
	}
}

int
main(int argc, char **argv)
{
	const char *user = NULL, *pass = NULL;
	int port = 18869, n_sensors = 8, duration = 10, bpid = 0, ch, i, mid;
	double rate = 1.0, build_us, c0, c1, b0, b1;
	struct mqm_id id = { "bench", "z0", "h0", 2 };
	struct mosquitto **ms, *sub;
	struct eng_conf conf;
	struct eng_output out;
	struct pollfd *pfd;
	struct rlimit rl;
	struct eng *e;
	int64_t period_ns, t0, end, t, last_misc;
	uint64_t published = 0;
	char *payload;

	while ((ch = getopt(argc, argv, "p:n:r:d:s:b:u:P:")) != -1) {
		switch (ch) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'n':
			n_hosts = atoi(optarg);
			break;
		case 'r':
			rate = atof(optarg);
			break;
		case 'd':
			duration = atoi(optarg);
			break;
		case 's':
			n_sensors = atoi(optarg);
			break;
		case 'b':
			bpid = atoi(optarg);
			break;
		case 'u':
			user = optarg;
			break;
		case 'P':
			pass = optarg;
			break;
		default:
			fprintf(stderr,
			    "usage: bench_mqtt [-p port] [-n hosts] "
			    "[-r hz] [-d s] [-s sensors] [-b broker_pid] "
			    "[-u user -P pw]\n");
			return 2;
		}
	}
	if (n_hosts < 1 || rate <= 0 || duration < 1)
		return 2;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)n_hosts + 64) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	/* A real engine with n_sensors sensors, for real payloads. */
	eng_conf_defaults(&conf);
	e = eng_create(&conf);
	for (i = 0; i < n_sensors; i++) {
		char sid[48];
		struct eng_reading r = { 0 };

		snprintf(sid, sizeof(sid), "coretemp-isa-0000/Core %d", i);
		r.sensor = eng_sensor_add(e, sid,
		    i == 0 ? ENG_CLASS_INLET : ENG_CLASS_CPU, 98.0,
		    ENG_TRIP_HW);
		for (int k = 0; k < 5; k++) {
			r.t_ms = k * 1000;
			r.value_c = 40.0 + i + k * 0.1;
			eng_feed(e, &r);
		}
	}
	eng_evaluate(e, 5000, &out);

	/* Cost of building one payload. */
	t = now_ns();
	for (i = 0; i < 20000; i++)
		free(mqm_telemetry(&id, 1764000000000, (uint64_t)i, e, &out));
	build_us = (double)(now_ns() - t) / 20000 / 1000.0;

	mosquitto_lib_init();
	hosts = calloc((size_t)n_hosts, sizeof(*hosts));
	ms = calloc((size_t)n_hosts + 1, sizeof(*ms));
	pfd = calloc((size_t)n_hosts + 1, sizeof(*pfd));
	sub = mosquitto_new("bench-sub", true, NULL);
	mosquitto_int_option(sub, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_message_callback_set(sub, on_message);
	if (user != NULL)
		mosquitto_username_pw_set(sub, user, pass);
	if (mosquitto_connect(sub, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS) {
		fprintf(
		    stderr, "bench_mqtt: no broker on 127.0.0.1:%d\n", port);
		return 1;
	}
	mosquitto_subscribe(sub, NULL, "thermwatch/v1/+/+/+/telemetry", 0);
	ms[0] = sub;
	period_ns = (int64_t)(1e9 / rate);
	t0 = now_ns() + 500000000;
	for (i = 0; i < n_hosts; i++) {
		struct host *h = &hosts[i];

		snprintf(h->name, sizeof(h->name), "h%d", i);
		snprintf(h->topic, sizeof(h->topic),
		    "thermwatch/v1/bench/z%d/h%d/telemetry", i / 50, i);
		h->m = mosquitto_new(NULL, true, h);
		mosquitto_int_option(h->m, MOSQ_OPT_TCP_NODELAY, 1);
		if (user != NULL)
			mosquitto_username_pw_set(h->m, user, pass);
		if (mosquitto_connect(h->m, "127.0.0.1", port, 60) !=
		    MOSQ_ERR_SUCCESS) {
			fprintf(stderr, "bench_mqtt: connect %d failed\n", i);
			return 1;
		}
		h->next_ns = t0 + period_ns * i / n_hosts;
		ms[i + 1] = h->m;
	}
	/* CONNACKs, SUBACK */
	for (t = now_ns(); now_ns() - t < 500000000;)
		service(ms, n_hosts + 1, pfd, 10000000);

	c0 = cpu_s();
	b0 = proc_cpu_s(bpid);
	t0 = now_ns();
	for (i = 0; i < n_hosts; i++) /* spread from now on */
		hosts[i].next_ns = t0 + period_ns * i / n_hosts;
	end = t0 + (int64_t)duration * 1000000000;
	last_misc = t0;
	/*
	 * Hosts are due in round-robin order (their offsets are spread
	 * evenly), so only the next one is looked at. mosquitto_publish()
	 * writes at once outside the threaded loop; publishers are serviced
	 * for pings twice a second; the subscriber is polled continuously.
	 */
	i = 0;
	while ((t = now_ns()) < end) {
		struct host *h = &hosts[i];

		while (h->next_ns <= t) {
			char zone[24];

			snprintf(zone, sizeof(zone), "z%d", i / 50);
			id.host = h->name;
			id.zone = zone;
			payload = mqm_telemetry(
			    &id, 1764000000000, ++h->seq, e, &out);
			h->sent_ns[h->seq % RING] = now_ns();
			if (mosquitto_publish(h->m, &mid, h->topic,
				(int)strlen(payload), payload, 0,
				false) == MOSQ_ERR_SUCCESS)
				published++;
			free(payload);
			h->next_ns += period_ns;
			i = (i + 1) % n_hosts;
			h = &hosts[i];
			t = now_ns();
		}
		if (t - last_misc > 500000000) {
			service(ms, n_hosts + 1, pfd, 0);
			for (int k = 0; k <= n_hosts; k++)
				mosquitto_loop_misc(ms[k]);
			last_misc = t;
		}
		t = now_ns();
		service(ms, 1, pfd, h->next_ns > t ? h->next_ns - t : 0);
	}
	/* drain */
	for (t = now_ns(); now_ns() - t < 1000000000;)
		service(ms, n_hosts + 1, pfd, 10000000);
	c1 = cpu_s();
	b1 = proc_cpu_s(bpid);

	qsort(lat_ns, n_lat, sizeof(*lat_ns), cmp64);
	payload = mqm_telemetry(&id, 1764000000000, 1, e, &out);
	printf("bench_mqtt: %d hosts x %.2f Hz for %d s, %d sensors "
	       "(telemetry payload %zu bytes), one local broker\n",
	    n_hosts, rate, duration, n_sensors, strlen(payload));
	free(payload);
	printf("  published %" PRIu64 ", received %" PRIu64 " (%.2f%%)\n",
	    published, received,
	    published ? 100.0 * (double)received / (double)published : 0.0);
	if (n_lat > 0)
		printf("  latency publish->receive: p50 %.3f ms, p99 %.3f ms, "
		       "max %.3f ms\n",
		    lat_ns[n_lat / 2] / 1e6,
		    lat_ns[(size_t)((double)n_lat * 0.99)] / 1e6,
		    lat_ns[n_lat - 1] / 1e6);
	printf("  payload build (mqm_telemetry): %.2f us/message\n", build_us);
	if (published > 0)
		printf("  CPU this process (build+publish+receive): %.2f "
		       "us/message (%.1f%% of a core)\n",
		    (c1 - c0) * 1e6 / (double)published,
		    100.0 * (c1 - c0) / duration);
	if (bpid > 0 && published > 0)
		printf("  CPU broker: %.2f us/message (%.1f%% of a core)\n",
		    (b1 - b0) * 1e6 / (double)published,
		    100.0 * (b1 - b0) / duration);
	for (i = 0; i <= n_hosts; i++) {
		mosquitto_disconnect(ms[i]);
		mosquitto_destroy(ms[i]);
	}
	mosquitto_lib_cleanup();
	eng_free(e);
	free(hosts);
	free(ms);
	free(pfd);
	free(lat_ns);
	return received > 0 ? 0 : 1;
}
