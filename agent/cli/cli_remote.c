/*
 * cli_remote.c - "override set/clear ... --broker": a request published
 * on an agent's, a zone's or a site's override/set topic
 * (thermwatch-mqtt(7)), signed with the operator's key when --key is
 * given, then the agents' answers (their "override" and
 * "override_rejected" events carrying the request's id) are collected
 * and printed.
 */
#include <errno.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mqtt_protocol.h>

#include "cli_remote.h"
#include "mqtt_sig.h"
#include "sodlib.h"

enum {
	OPT_BROKER = 1000,
	OPT_USER,
	OPT_PWFILE,
	OPT_KEY,
	OPT_TO,
	OPT_WAIT,
	OPT_ID
};

static const struct option cli_remote_opts[] = {
	{ "broker", required_argument, NULL, OPT_BROKER },
	{ "user", required_argument, NULL, OPT_USER },
	{ "password-file", required_argument, NULL, OPT_PWFILE },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "to", required_argument, NULL, OPT_TO },
	{ "wait", required_argument, NULL, OPT_WAIT },
	{ "id", required_argument, NULL, OPT_ID },
	{ NULL, 0, NULL, 0 },
};

void
cli_remote_init(struct cli_remote *r)
{
	memset(r, 0, sizeof(*r));
	cli_mqtt_init(&r->mq);
	r->wait_s = -1;
}

int
cli_remote_merge(const struct option *local, struct option *out, size_t n)
{
	size_t i = 0, j;

	for (j = 0; local[j].name != NULL && i + 1 < n; j++)
		out[i++] = local[j];
	for (j = 0; cli_remote_opts[j].name != NULL && i + 1 < n; j++)
		out[i++] = cli_remote_opts[j];
	memset(&out[i], 0, sizeof(out[i]));
	return local[j].name == NULL && cli_remote_opts[j].name == NULL ? 0
									: -1;
}

int
cli_remote_opt(struct cli_remote *r, int ch, const char *arg)
{
	switch (ch) {
	case OPT_BROKER:
		if (cli_mqtt_opt(&r->mq, 'b', arg, "override") != 0)
			return -1;
		break;
	case OPT_USER:
		r->mq.user = arg;
		break;
	case OPT_PWFILE:
		r->mq.pwfile = arg;
		break;
	case OPT_KEY:
		r->keyfile = arg;
		break;
	case OPT_TO:
		r->to = arg;
		break;
	case OPT_WAIT: /* 0: do not wait for answers */
		r->wait_s = strcmp(arg, "0") == 0 ? 0 : cli_parse_duration(arg);
		if (!(r->wait_s >= 0)) {
			cli_usage_error("override: bad --wait \"%s\"", arg);
			return -1;
		}
		break;
	case OPT_ID:
		r->id = arg;
		break;
	default:
		return 0;
	}
	r->on = true;
	return 1;
}

/* What a send is waiting for. */
struct wait {
	const char *id;
	char sub[600];
	bool host_scope;
	int connect_rc;
	bool subscribed;
	int pub_mid;
	int pub_reason; /* -1 until the PUBACK */
	int applied, refused;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
on_connect(struct mosquitto *m, void *obj, int rc)
{
	struct wait *w = obj;

	w->connect_rc = rc;
	if (rc == 0)
		mosquitto_subscribe(m, NULL, w->sub, 1);
}

static void
on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *q)
{
	struct wait *w = obj;

	(void)m;
	(void)mid;
	(void)n;
	(void)q;
	w->subscribed = true;
}

static void
on_publish(struct mosquitto *m, void *obj, int mid, int reason,
    const mosquitto_property *props)
{
	struct wait *w = obj;

	(void)m;
	(void)props;
	if (mid == w->pub_mid)
		w->pub_reason = reason;
}

static const char *
jstr(const cJSON *o, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(m) ? m->valuestring : "";
}

static void
on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
	struct wait *w = obj;
	const char *type;
	cJSON *o;

	(void)m;
	o = cJSON_ParseWithLength(msg->payload, (size_t)msg->payloadlen);
	if (o == NULL)
		return;
	type = jstr(o, "type");
	if (strcmp(jstr(o, "id"), w->id) == 0 &&
	    (strcmp(type, "override") == 0 ||
		strcmp(type, "override_rejected") == 0)) {
		bool ok = type[8] == '\0';

		printf("%s/%s/%s: %s%s%s\n", jstr(o, "site"), jstr(o, "zone"),
		    jstr(o, "host"),
		    ok ? (jstr(o, "action")[0] == 'c' ? "cleared" : "applied")
		       : "refused",
		    jstr(o, "message")[0] != '\0' ? ": " : "",
		    jstr(o, "message"));
		fflush(stdout);
		if (ok)
			w->applied++;
		else
			w->refused++;
	}
	cJSON_Delete(o);
}

/* MQTT 5 (the PUBACK says when the broker's ACL refused the request)
 * and the callbacks, before the connection is made. */
static void
setup(struct mosquitto *m)
{
	mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	mosquitto_connect_callback_set(m, on_connect);
	mosquitto_subscribe_callback_set(m, on_subscribe);
	mosquitto_publish_v5_callback_set(m, on_publish);
	mosquitto_message_callback_set(m, on_message);
}

/* The topic for --to (or this host's own, from the config); 0 or -1. */
static int
target(struct cli *c, const struct cli_remote *r, const char *prefix,
    char *topic, size_t tlen, char *sub, size_t slen, bool *host_scope)
{
	char to[3 * 64 + 3], *lv[3] = { NULL, NULL, NULL }, *save = NULL;
	int n = 0;

	if (r->to != NULL)
		snprintf(to, sizeof(to), "%s", r->to);
	else if (c->have_conf)
		snprintf(to, sizeof(to), "%s/%s/%s", c->conf.agent.site,
		    c->conf.agent.zone, c->conf.agent.host);
	else
		return cli_usage_error("override: --to SITE[/ZONE[/HOST]] is "
				       "required with --broker"),
		       -1;
	for (char *p = strtok_r(to, "/", &save); p != NULL;
	     p = strtok_r(NULL, "/", &save)) {
		if (n == 3 || strpbrk(p, "+#") != NULL ||
		    strcmp(p, "_all") == 0)
			return cli_usage_error(
				   "override: bad --to \"%s\"", r->to),
			       -1;
		lv[n++] = p;
	}
	if (n == 0)
		return cli_usage_error("override: bad --to \"%s\"", r->to), -1;
	snprintf(topic, tlen, "%s/%s/%s/%s/override/set", prefix, lv[0],
	    n > 1 ? lv[1] : "_all", n > 2 ? lv[2] : "_all");
	snprintf(sub, slen, "%s/%s/%s/%s/event", prefix, lv[0],
	    n > 1 ? lv[1] : "+", n > 2 ? lv[2] : "+");
	*host_scope = n == 3;
	return 0;
}

/* The author: the key's name when signing, else --by or the login. */
static int
author(const struct cli_remote *r, const char *by, const char *key_name,
    char *buf, size_t len)
{
	struct passwd *pw;

	if (key_name != NULL) {
		if (by != NULL && strcmp(by, key_name) != 0) {
			fprintf(stderr,
			    "thermwatchctl: --by %s: a signed request's "
			    "author is its key's name (%s)\n",
			    by, key_name);
			return -1;
		}
		snprintf(buf, len, "%s", key_name);
	} else if (by != NULL) {
		snprintf(buf, len, "%s", by);
	} else if ((pw = getpwuid(getuid())) != NULL) {
		snprintf(buf, len, "%s", pw->pw_name);
	} else {
		snprintf(buf, len, "uid %lu", (unsigned long)getuid());
	}
	(void)r;
	return 0;
}

/* Build the payload to publish (signed when a key is given). */
static char *
payload(struct cli_remote *r, cJSON *req, const char *topic, const char *by)
{
	unsigned char sk[MQS_SK_LEN];
	char name[MQS_NAME_LEN], who[64], err[256], *text, *out;
	struct timespec ts;

	if (r->keyfile != NULL &&
	    mqs_read_secret(
		r->keyfile, name, sizeof(name), sk, err, sizeof(err)) < 0) {
		fprintf(stderr, "thermwatchctl: %s\n", err);
		return NULL;
	}
	if (author(r, by, r->keyfile != NULL ? name : NULL, who, sizeof(who)) <
	    0) {
		sdm_memzero(sk, sizeof(sk));
		return NULL;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	cJSON_AddNumberToObject(req, "v", 1);
	cJSON_AddNumberToObject(req, "ts",
	    (double)ts.tv_sec * 1000.0 + (double)(ts.tv_nsec / 1000000));
	cJSON_AddStringToObject(req, "author", who);
	cJSON_AddStringToObject(req, "id", r->id);
	text = cJSON_PrintUnformatted(req);
	if (text == NULL || r->keyfile == NULL) {
		sdm_memzero(sk, sizeof(sk));
		return text;
	}
	out = mqs_sign(topic, text, name, sk);
	sdm_memzero(sk, sizeof(sk));
	free(text);
	if (out == NULL)
		fprintf(stderr, "thermwatchctl: cannot sign the request\n");
	return out;
}

int
cli_remote_send(struct cli *c, struct cli_remote *r, cJSON *req, const char *by)
{
	char topic[600], idbuf[64], *msg = NULL;
	const char *prefix = c->have_conf ? c->conf.mqtt.topic_prefix
					  : r->mq.prefix;
	struct mosquitto *m = NULL;
	struct wait w;
	double t0, deadline, wait_s = r->wait_s > 0 ? r->wait_s : 5;
	int rc = CLI_FAIL;

	memset(&w, 0, sizeof(w));
	w.pub_reason = -1;
	if (r->id == NULL) {
		snprintf(idbuf, sizeof(idbuf), "ctl-%ld-%ld", (long)getpid(),
		    (long)time(NULL));
		r->id = idbuf;
	}
	w.id = r->id;
	if (target(c, r, prefix, topic, sizeof(topic), w.sub, sizeof(w.sub),
		&w.host_scope) < 0) {
		cJSON_Delete(req);
		return CLI_USAGE;
	}
	msg = payload(r, req, topic, by);
	cJSON_Delete(req);
	if (msg == NULL)
		return CLI_FAIL;
	cli_mqtt_defaults(&r->mq, c);
	m = cli_mqtt_connect(&r->mq, c, &w, setup);
	if (m == NULL)
		goto out;
	t0 = now_s();
	/* subscribed to the answers before the request goes out */
	while (!w.subscribed && w.connect_rc == 0 && now_s() - t0 < 10)
		if (mosquitto_loop(m, 100, 1) != MOSQ_ERR_SUCCESS)
			break;
	if (!w.subscribed) {
		fprintf(stderr, "thermwatchctl: the broker %s:%d: %s\n",
		    r->mq.broker.host, r->mq.broker.port,
		    w.connect_rc != 0 ? mosquitto_connack_string(w.connect_rc)
				      : "no answer");
		goto out;
	}
	if (mosquitto_publish_v5(m, &w.pub_mid, topic, (int)strlen(msg), msg, 1,
		false, NULL) != MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "thermwatchctl: cannot publish to %s\n", topic);
		goto out;
	}
	deadline = now_s() + wait_s;
	while (w.pub_reason < 0 && now_s() < deadline)
		if (mosquitto_loop(m, 100, 1) != MOSQ_ERR_SUCCESS)
			break;
	if (w.pub_reason >= 0x80 || w.pub_reason < 0) {
		fprintf(stderr,
		    "thermwatchctl: the broker did not take the request on "
		    "%s: %s (check its ACL)\n",
		    topic,
		    w.pub_reason < 0 ? "no acknowledgement"
				     : mosquitto_reason_string(w.pub_reason));
		goto out;
	}
	fprintf(stderr, "sent %s to %s%s\n", r->id, topic,
	    r->keyfile != NULL ? " (signed)" : "");
	if (r->wait_s == 0) { /* --wait 0: sent is all that was asked */
		rc = CLI_OK;
		goto out;
	}
	deadline = t0 + wait_s;
	while (now_s() < deadline && !(w.host_scope && w.applied + w.refused))
		if (mosquitto_loop(m, 100, 1) != MOSQ_ERR_SUCCESS)
			break;
	if (w.applied + w.refused == 0)
		fprintf(stderr,
		    "thermwatchctl: no answer in %.0f s (is the agent "
		    "connected, with mqtt.overrides on?)\n",
		    deadline - t0);
	else if (!w.host_scope)
		fprintf(
		    stderr, "%d applied, %d refused\n", w.applied, w.refused);
	rc = w.applied > 0 && w.refused == 0 ? CLI_OK : CLI_FAIL;
out:
	cli_mqtt_close(m);
	free(msg);
	return rc;
}

int
cli_keygen(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { { "out", required_argument, NULL,
						  'o' },
		{ "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 } };
	char path[4096], pk[128], err[512];
	const char *out = NULL;
	cJSON *j;
	char *s;
	int ch;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (ch == 'o')
			out = optarg;
		else if (ch == 'j')
			c->json = true;
		else
			return cli_usage_error("keygen: unknown or incomplete "
					       "option %s",
			    argv[optind - 1]);
	}
	if (argc - optind != 1)
		return cli_usage_error("keygen: need the key's NAME");
	snprintf(path, sizeof(path), "%s", out != NULL ? out : argv[optind]);
	if (out == NULL)
		snprintf(
		    path + strlen(path), sizeof(path) - strlen(path), ".key");
	if (mqs_keygen(argv[optind], path, pk, sizeof(pk), err, sizeof(err)) <
	    0) {
		fprintf(stderr, "thermwatchctl: keygen: %s\n", err);
		return CLI_FAIL;
	}
	if (c->json) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "name", argv[optind]);
		cJSON_AddStringToObject(j, "key", pk);
		cJSON_AddStringToObject(j, "file", path);
		s = cJSON_Print(j);
		cJSON_Delete(j);
		if (s != NULL)
			printf("%s\n", s);
		free(s);
		return CLI_OK;
	}
	fprintf(stderr,
	    "secret key written to %s (mode 0600: keep it to yourself)\n"
	    "the public key, for mqtt.override_keys on every host:\n",
	    path);
	printf("{ name = \"%s\"; key = \"%s\"; }\n", argv[optind], pk);
	return CLI_OK;
}
