/*
 * cli_watch.c - thermwatchctl watch: subscribe to the agents' MQTT topics
 * (thermwatch-mqtt(7)) and print one line per message.
 *
 * A CLI may block, so this uses mosquitto_loop() in a plain loop (the
 * daemon never does).
 */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>

#include "cli.h"
#include "cli_mqtt.h"

struct watch {
	bool json;
	long count; /* stop after this many, 0 = never */
	long seen;
	char topic[512];
	char prefix[MQC_NAME_LEN];
	bool subscribed;
	int connect_rc;
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char *
jstr(const cJSON *o, const char *name, const char *def)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(m) ? m->valuestring : def;
}

static double
jnum(const cJSON *o, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(m) ? m->valuedouble : NAN;
}

/* The part of the topic after prefix/site/zone/host/, or the topic. */
static const char *
topic_kind(const char *topic, const char *prefix, char *who, size_t wlen)
{
	size_t n = strlen(prefix);
	const char *p = topic, *start;
	int i;

	who[0] = '\0';
	if (strncmp(topic, prefix, n) != 0 || topic[n] != '/')
		return topic;
	p = start = topic + n + 1;
	for (i = 0; i < 3; i++) {
		p = strchr(p, '/');
		if (p == NULL)
			return topic;
		p++;
	}
	snprintf(who, wlen, "%.*s", (int)(p - start - 1), start);
	return p;
}

static void
summary_sensors(const cJSON *arr, char *buf, size_t len)
{
	const cJSON *s;
	size_t off = 0;
	int n = 0, shown = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach(s, arr)
	{
		double v = jnum(s, "value_c");

		n++;
		if (isnan(v))
			v = jnum(s, "filtered_c");
		if (shown >= 4 || off + 64 >= len)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s=%s",
		    shown > 0 ? " " : "", jstr(s, "id", "?"),
		    isfinite(v) ? "" : "-");
		if (isfinite(v))
			off += (size_t)snprintf(
			    buf + off, len - off, "%.1f", v);
		shown++;
	}
	if (n > shown && off + 16 < len)
		snprintf(buf + off, len - off, " (+%d more)", n - shown);
}

/* Fields of an event beside the common header, as k=v. */
static void
summary_fields(const cJSON *o, char *buf, size_t len)
{
	static const char *const skip[] = { "v", "ts", "seq", "site", "zone",
		"host", "type", NULL };
	const cJSON *m;
	size_t off = 0;
	int i;
	bool hide;

	buf[0] = '\0';
	cJSON_ArrayForEach(m, o)
	{
		hide = false;
		for (i = 0; skip[i] != NULL; i++)
			if (strcmp(m->string, skip[i]) == 0)
				hide = true;
		if (hide || off + 32 >= len)
			continue;
		if (cJSON_IsString(m))
			off += (size_t)snprintf(buf + off, len - off,
			    "%s%s=\"%s\"", off > 0 ? " " : "", m->string,
			    m->valuestring);
		else if (cJSON_IsNumber(m))
			off += (size_t)snprintf(buf + off, len - off, "%s%s=%g",
			    off > 0 ? " " : "", m->string, m->valuedouble);
		else if (cJSON_IsBool(m))
			off += (size_t)snprintf(buf + off, len - off, "%s%s=%s",
			    off > 0 ? " " : "", m->string,
			    cJSON_IsTrue(m) ? "true" : "false");
		if (off >= len)
			off = len - 1;
	}
}

static void
print_human(
    struct watch *w, const struct mosquitto_message *msg, const cJSON *o)
{
	char who[256], text[1024], tbuf[16];
	const char *kind = topic_kind(msg->topic, w->prefix, who, sizeof(who));
	double ts = jnum(o, "ts");
	struct tm tm;
	time_t t;

	t = isfinite(ts) ? (time_t)(ts / 1000.0) : time(NULL);
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm) == 0)
		snprintf(tbuf, sizeof(tbuf), "?");
	text[0] = '\0';
	if (o == NULL) {
		snprintf(text, sizeof(text), "(not JSON, %d bytes)",
		    msg->payloadlen);
	} else if (strcmp(kind, "telemetry") == 0) {
		char s[768];

		summary_sensors(cJSON_GetObjectItemCaseSensitive(o, "sensors"),
		    s, sizeof(s));
		snprintf(text, sizeof(text), "%s %s", jstr(o, "state", "?"), s);
	} else if (strcmp(kind, "state") == 0) {
		snprintf(text, sizeof(text), "%s (was %s): %s",
		    jstr(o, "state", "?"), jstr(o, "prev_state", "?"),
		    jstr(o, "reason", ""));
	} else if (strcmp(kind, "status") == 0) {
		snprintf(text, sizeof(text), "%s %s", jstr(o, "status", "?"),
		    jstr(o, "reason", ""));
	} else if (strcmp(kind, "event") == 0) {
		char f[768];

		summary_fields(o, f, sizeof(f));
		snprintf(text, sizeof(text), "%s %s", jstr(o, "type", "?"), f);
	} else if (strcmp(kind, "override") == 0) {
		const cJSON *arr = cJSON_GetObjectItemCaseSensitive(
				o, "overrides"),
			    *x;
		size_t off = 0;

		cJSON_ArrayForEach(x, arr) if (off + 80 < sizeof(text))
		    off += (size_t)snprintf(text + off, sizeof(text) - off,
			"%s%s=%g", off > 0 ? " " : "", jstr(x, "key", "?"),
			jnum(x, "value"));
		if (off == 0)
			snprintf(text, sizeof(text), "none");
	} else {
		summary_fields(o, text, sizeof(text));
	}
	printf("%s %s %s%s %s\n", tbuf, who[0] != '\0' ? who : "-", kind,
	    msg->retain ? " (retained)" : "", text);
}

static void
on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	struct watch *w = arg;
	cJSON *o = NULL, *line;
	char *s;

	(void)m;
	if (msg->payloadlen > 0)
		o = cJSON_ParseWithLength(
		    msg->payload, (size_t)msg->payloadlen);
	if (w->json) {
		line = cJSON_CreateObject();
		cJSON_AddStringToObject(line, "topic", msg->topic);
		cJSON_AddBoolToObject(line, "retained", msg->retain);
		if (o != NULL) {
			cJSON_AddItemToObject(line, "payload", o);
			o = NULL;
		} else {
			cJSON_AddNullToObject(line, "payload");
		}
		s = cJSON_PrintUnformatted(line);
		cJSON_Delete(line);
		if (s != NULL) {
			printf("%s\n", s);
			free(s);
		}
	} else {
		print_human(w, msg, o);
	}
	cJSON_Delete(o);
	fflush(stdout);
	w->seen++;
	if (w->count > 0 && w->seen >= w->count)
		stop = 1;
}

static void
on_connect(struct mosquitto *m, void *arg, int rc)
{
	struct watch *w = arg;

	w->connect_rc = rc;
	if (rc != 0)
		return;
	if (mosquitto_subscribe(m, NULL, w->topic, 0) == MOSQ_ERR_SUCCESS)
		w->subscribed = true;
}

static void
set_callbacks(struct mosquitto *m)
{
	mosquitto_connect_callback_set(m, on_connect);
	mosquitto_message_callback_set(m, on_message);
}

int
cli_watch(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { CLI_MQTT_OPTIONS,
		{ "topic", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 } };
	const char *topic = NULL;
	struct cli_mqtt mo;
	struct watch w;
	struct mosquitto *m = NULL;
	double timeout = 0, t0;
	struct timespec ts;
	char *end;
	int ch, rc = CLI_FAIL, r;

	memset(&w, 0, sizeof(w));
	cli_mqtt_init(&mo);
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, CLI_MQTT_SHORTOPTS "t:n:T:", opts,
		    NULL)) != -1) {
		if ((r = cli_mqtt_opt(&mo, ch, optarg, "watch")) != 1) {
			if (r != 0)
				return r;
			continue;
		}
		switch (ch) {
		case 't':
			topic = optarg;
			break;
		case 'n':
			w.count = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || w.count <= 0)
				return cli_usage_error("watch: bad --count "
						       "\"%s\"",
				    optarg);
			break;
		case 'T':
			timeout = cli_parse_duration(optarg);
			if (!(timeout > 0))
				return cli_usage_error("watch: bad --timeout "
						       "\"%s\"",
				    optarg);
			break;
		case 'j':
			c->json = true;
			break;
		default:
			return cli_usage_error("watch: unknown or incomplete "
					       "option %s",
			    argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error(
		    "watch: unexpected argument %s", argv[optind]);
	w.json = c->json;
	cli_mqtt_defaults(&mo, c);
	snprintf(w.prefix, sizeof(w.prefix), "%s", mo.prefix);
	if (topic != NULL)
		snprintf(w.topic, sizeof(w.topic), "%s", topic);
	else
		snprintf(w.topic, sizeof(w.topic), "%s/%s/%s/%s/#", w.prefix,
		    mo.site, mo.zone, mo.host);
	m = cli_mqtt_connect(&mo, c, &w, set_callbacks);
	if (m == NULL)
		return CLI_FAIL;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	if (!w.json)
		fprintf(stderr, "watching %s on %s:%d\n", w.topic,
		    mo.broker.host, mo.broker.port);
	while (!stop) {
		r = mosquitto_loop(m, 200, 1);
		if (w.connect_rc != 0) {
			fprintf(stderr,
			    "thermwatchctl: the broker %s:%d "
			    "refused the connection: %s\n",
			    mo.broker.host, mo.broker.port,
			    mosquitto_connack_string(w.connect_rc));
			goto out;
		}
		if (r != MOSQ_ERR_SUCCESS && r != MOSQ_ERR_NO_CONN &&
		    r != MOSQ_ERR_CONN_LOST && r != MOSQ_ERR_ERRNO)
			break;
		if (r != MOSQ_ERR_SUCCESS) {
			fprintf(stderr,
			    "thermwatchctl: lost the broker: %s; "
			    "reconnecting\n",
			    mosquitto_strerror(r));
			sleep(1);
			(void)mosquitto_reconnect(m);
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (timeout > 0 &&
		    (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - t0 >=
			timeout)
			break;
	}
	if (w.count > 0 && w.seen < w.count) {
		fprintf(stderr,
		    "thermwatchctl: %ld of %ld messages before "
		    "the timeout\n",
		    w.seen, w.count);
		rc = CLI_FAIL;
	} else {
		rc = CLI_OK;
	}
out:
	cli_mqtt_close(m);
	return rc;
}
