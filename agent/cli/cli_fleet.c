/*
 * cli_fleet.c - thermwatchctl fleet: the site's hosts from their retained
 * state, status and bridge messages (thermwatch-mqtt(7)), read into the
 * agent's own fleet table (fleet.h: the same freshness), printed per zone
 * and tier, with a warning for every tier whose fresh hosts all live in
 * one cooling zone: one cooling failure takes that whole tier. Tier 0
 * above all: the exit status says so (thermwatchctl(8)).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mosquitto.h>

#include "cli.h"
#include "cli_mqtt.h"
#include "fleet.h"
#include "loop.h"
#include "walltime.h"

#define FLEET_QUIET_MS  500 /* no message for this long: all retained came */
#define CLI_SINGLE_ZONE 3   /* exit status: a checked tier in one zone */

struct fleet_read {
	struct mosquitto *m;
	const struct cli_mqtt *o;
	struct fleet *f;
	char site[CNF_NAME_LEN];
	char subs[3][512];
	size_t pfx_len; /* strlen("<prefix>/<site>/") */
	int connect_rc;
	bool subscribed;
	int64_t last_ms; /* monotonic: the last message or the SUBACK */
	int messages;
	int ignored;
};

static void
on_subscribe(
    struct mosquitto *m, void *obj, int mid, int qos_count, const int *granted)
{
	struct fleet_read *r = obj;

	(void)m;
	(void)mid;
	(void)qos_count;
	(void)granted;
	r->last_ms = loop_clock_ms();
}

static void
on_connect(struct mosquitto *m, void *obj, int rc)
{
	struct fleet_read *r = obj;
	char *subs[3] = { r->subs[0], r->subs[1], r->subs[2] };

	r->connect_rc = rc;
	if (rc != 0)
		return;
	if (mosquitto_subscribe_multiple(m, NULL, 3, subs, 0, 0, NULL) ==
	    MOSQ_ERR_SUCCESS)
		r->subscribed = true;
}

/* zone and host from <prefix>/<site>/ZONE/HOST/LEAF; false when not. */
static bool
split(const struct fleet_read *r, const char *topic, char *zone, char *host,
    const char **leaf)
{
	const char *p = topic + r->pfx_len, *s1, *s2;

	if (strlen(topic) <= r->pfx_len || (s1 = strchr(p, '/')) == NULL ||
	    (s2 = strchr(s1 + 1, '/')) == NULL || s1 == p || s2 == s1 + 1 ||
	    (size_t)(s1 - p) >= MQM_NAME_LEN ||
	    (size_t)(s2 - s1 - 1) >= MQM_NAME_LEN)
		return false;
	snprintf(zone, MQM_NAME_LEN, "%.*s", (int)(s1 - p), p);
	snprintf(host, MQM_NAME_LEN, "%.*s", (int)(s2 - s1 - 1), s1 + 1);
	*leaf = s2 + 1;
	return true;
}

static void
on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
	struct fleet_read *r = obj;
	char zone[MQM_NAME_LEN], host[MQM_NAME_LEN], err[160];
	int64_t now = loop_clock_ms();
	struct mqm_host_state s;
	const char *leaf;
	size_t len = msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0;
	bool online;

	(void)m;
	r->last_ms = now;
	r->messages++;
	if (!split(r, msg->topic, zone, host, &leaf)) {
		r->ignored++;
		return;
	}
	if (strcmp(leaf, "state") == 0) {
		if (len == 0)
			fleet_forget(r->f, host);
		else if (mqm_host_state_parse(msg->payload, len, r->site, zone,
			     host, &s, err, sizeof(err)) < 0 ||
		    fleet_state(r->f, &s, now, (int64_t)(wt_now() * 1000.0)) <
			0)
			r->ignored++;
	} else if (strcmp(leaf, "status") == 0) {
		if (len > 0 &&
		    mqm_status_parse(
			msg->payload, len, &online, err, sizeof(err)) == 0)
			fleet_status(r->f, zone, host, online, now);
	} else if (strcmp(leaf, "bridge") == 0) {
		fleet_bridge(r->f, zone, host,
		    !(len == 1 && ((const char *)msg->payload)[0] == '0'), now);
	}
}

/* Read until FLEET_QUIET_MS passed without a message, or the timeout. */
static int
collect(struct fleet_read *r, double timeout_s)
{
	int64_t t0 = loop_clock_ms(), now;
	int rc;

	for (;;) {
		rc = mosquitto_loop(r->m, 100, 1);
		if (r->connect_rc != 0) {
			fprintf(stderr,
			    "thermwatchctl: the broker %s:%d refused the "
			    "connection: %s\n",
			    r->o->broker.host, r->o->broker.port,
			    mosquitto_connack_string(r->connect_rc));
			return CLI_FAIL;
		}
		if (rc != MOSQ_ERR_SUCCESS) {
			fprintf(stderr,
			    "thermwatchctl: fleet: lost the broker: "
			    "%s\n",
			    mosquitto_strerror(rc));
			return CLI_FAIL;
		}
		now = loop_clock_ms();
		if (r->last_ms > 0 && now - r->last_ms >= FLEET_QUIET_MS)
			return CLI_OK;
		if (now - t0 >= (int64_t)(timeout_s * 1000.0)) {
			if (r->last_ms > 0)
				return CLI_OK; /* still coming: what we have */
			fprintf(stderr,
			    "thermwatchctl: fleet: the broker did not answer "
			    "the subscription in %.1f s\n",
			    timeout_s);
			return CLI_FAIL;
		}
	}
}

static int
by_zone_tier(const void *a, const void *b)
{
	const struct fleet_host *x = *(const struct fleet_host *const *)a;
	const struct fleet_host *y = *(const struct fleet_host *const *)b;
	int c = strcmp(x->zone, y->zone);

	if (c != 0)
		return c;
	if (x->tier != y->tier)
		return x->tier < y->tier ? -1 : 1;
	return strcmp(x->host, y->host);
}

static const char *
status_of(const struct fleet *f, const struct fleet_host *h, int64_t now)
{
	if (!h->have_state)
		return "no state";
	if (h->offline)
		return "offline";
	if (h->dark)
		return "dark";
	return fleet_host_fresh(f, h, now) ? "fresh" : "stale";
}

static void
count_text(int v, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%d", v);
}

static void
print_hosts(
    const struct fleet *f, const struct fleet_host **v, int n, int64_t now)
{
	char vms[16], mem[16];

	printf("%-16s %4s  %-16s %-9s %-4s %-8s %5s %9s\n", "ZONE", "TIER",
	    "HOST", "STATE", "LOAD", "SEEN", "VMS", "MEM_MB");
	for (int i = 0; i < n; i++) {
		const struct fleet_host *h = v[i];

		count_text(h->offer.spare_vms, vms, sizeof(vms));
		count_text(h->offer.spare_mem_mb, mem, sizeof(mem));
		if (!h->have_state)
			printf("%-16s %4s  %-16s %-9s %-4s %-8s %5s %9s\n",
			    h->zone, "-", h->host, "-", "-",
			    status_of(f, h, now), "-", "-");
		else
			printf("%-16s %4d  %-16s %-9s %-4s %-8s %5s %9s\n",
			    h->zone, h->tier, h->host, h->state,
			    h->accepting_load ? "yes" : "no",
			    status_of(f, h, now), vms, mem);
	}
}

/* The zones of tier t's fresh hosts, comma-separated, into buf (v is
 * sorted by zone, then tier: a zone's tier-t hosts come together). */
static void
tier_zones(const struct fleet *f, const struct fleet_host **v, int n, int t,
    int64_t now, char *buf, size_t len)
{
	size_t off = 0;
	const char *last = NULL;

	buf[0] = '\0';
	for (int i = 0; i < n && off < len; i++) {
		if (v[i]->tier != t || !fleet_host_fresh(f, v[i], now) ||
		    (last != NULL && strcmp(last, v[i]->zone) == 0))
			continue;
		last = v[i]->zone;
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    off > 0 ? "," : "", v[i]->zone);
	}
}

struct tier_report {
	int hosts, zones;
	char names[1024];
	bool warn;
};

static int
report(const struct fleet_read *r, int check_tiers, bool json)
{
	struct fleet_tier tiers[ENG_MAX_TIER + 1];
	struct tier_report tr[ENG_MAX_TIER + 1];
	int64_t now = loop_clock_ms();
	int n = fleet_count(r->f), i, t, rc = CLI_OK, fresh = 0;
	const struct fleet_host **v = calloc((size_t)n + 1, sizeof(*v));
	cJSON *o, *arr, *x;
	char *s;

	if (v == NULL)
		return CLI_FAIL;
	for (i = 0; i < n; i++) {
		v[i] = fleet_get(r->f, i);
		fresh += fleet_host_fresh(r->f, v[i], now);
	}
	qsort(v, (size_t)n, sizeof(*v), by_zone_tier);
	fleet_tiers(r->f, now, -1, tiers);
	for (t = 0; t <= ENG_MAX_TIER; t++) {
		tr[t].hosts = tiers[t].hosts;
		tr[t].zones = tiers[t].zones;
		tier_zones(
		    r->f, v, n, t, now, tr[t].names, sizeof(tr[t].names));
		tr[t].warn = tiers[t].hosts > 0 && tiers[t].zones == 1;
		if (tr[t].warn && t <= check_tiers)
			rc = CLI_SINGLE_ZONE;
	}
	if (json) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "site", r->site);
		arr = cJSON_AddArrayToObject(o, "hosts");
		for (i = 0; i < n; i++) {
			x = cJSON_CreateObject();
			cJSON_AddStringToObject(x, "host", v[i]->host);
			cJSON_AddStringToObject(x, "zone", v[i]->zone);
			if (v[i]->have_state) {
				cJSON_AddNumberToObject(x, "tier", v[i]->tier);
				cJSON_AddStringToObject(
				    x, "state", v[i]->state);
				cJSON_AddBoolToObject(
				    x, "accepting_load", v[i]->accepting_load);
			}
			cJSON_AddStringToObject(
			    x, "seen", status_of(r->f, v[i], now));
			if (v[i]->offer.spare_vms >= 0)
				cJSON_AddNumberToObject(
				    x, "spare_vms", v[i]->offer.spare_vms);
			if (v[i]->offer.spare_mem_mb >= 0)
				cJSON_AddNumberToObject(x, "spare_mem_mb",
				    v[i]->offer.spare_mem_mb);
			if (v[i]->offer.uri[0] != '\0')
				cJSON_AddStringToObject(
				    x, "migrate_uri", v[i]->offer.uri);
			cJSON_AddItemToArray(arr, x);
		}
		arr = cJSON_AddArrayToObject(o, "tiers");
		for (t = 0; t <= ENG_MAX_TIER; t++) {
			if (tr[t].hosts == 0)
				continue;
			x = cJSON_CreateObject();
			cJSON_AddNumberToObject(x, "tier", t);
			cJSON_AddNumberToObject(x, "hosts", tr[t].hosts);
			cJSON_AddNumberToObject(x, "zones", tr[t].zones);
			cJSON_AddStringToObject(x, "zone_names", tr[t].names);
			cJSON_AddBoolToObject(x, "single_zone", tr[t].warn);
			cJSON_AddItemToArray(arr, x);
		}
		cJSON_AddNumberToObject(o, "exit", rc);
		if ((s = cJSON_Print(o)) != NULL)
			printf("%s\n", s);
		free(s);
		cJSON_Delete(o);
		free(v);
		return rc;
	}
	printf("site %s: %d host%s, %d fresh\n\n", r->site, n,
	    n == 1 ? "" : "s", fresh);
	print_hosts(r->f, v, n, now);
	printf("\n%4s %5s %5s  %s\n", "TIER", "HOSTS", "ZONES", "ZONE NAMES");
	for (t = 0; t <= ENG_MAX_TIER; t++)
		if (tr[t].hosts > 0)
			printf("%4d %5d %5d  %s\n", t, tr[t].hosts, tr[t].zones,
			    tr[t].names);
	for (t = 0; t <= ENG_MAX_TIER; t++)
		if (tr[t].warn)
			printf("%s: every fresh tier-%d host lives in cooling "
			       "zone %s: one cooling failure takes the whole "
			       "tier%s\n",
			    t <= check_tiers ? "WARNING" : "warning", t,
			    tr[t].names,
			    t == 0 ? " (DNS, databases: what must live "
				     "longest)"
				   : "");
	free(v);
	return rc;
}

static void
setup(struct mosquitto *m)
{
	mosquitto_connect_callback_set(m, on_connect);
	mosquitto_subscribe_callback_set(m, on_subscribe);
	mosquitto_message_callback_set(m, on_message);
}

int
cli_fleet(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "broker", required_argument, NULL, 'b' },
		{ "user", required_argument, NULL, 'u' },
		{ "password-file", required_argument, NULL, 'P' },
		{ "site", required_argument, NULL, 'S' },
		{ "max-age", required_argument, NULL, 'a' },
		{ "check-tiers", required_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct fleet_params fp = { "", "", 65536, 180.0 };
	struct fleet_read r;
	struct cli_mqtt o;
	double timeout = 10.0;
	int ch, rc, check_tiers = 0;
	char *end;

	memset(&r, 0, sizeof(r));
	cli_mqtt_init(&o);
	if (c->have_conf)
		fp.max_age_s = c->conf.fleet.max_age_s;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "b:u:P:S:a:k:T:", opts, NULL)) !=
	    -1) {
		if ((rc = cli_mqtt_opt(&o, ch, optarg, "fleet")) == 0)
			continue;
		if (rc == CLI_USAGE)
			return CLI_USAGE;
		switch (ch) {
		case 'a':
			fp.max_age_s = cli_parse_duration(optarg);
			if (!(fp.max_age_s > 0))
				return cli_usage_error(
				    "fleet: bad --max-age \"%s\"", optarg);
			break;
		case 'k':
			check_tiers = (int)strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' ||
			    check_tiers < -1 || check_tiers > ENG_MAX_TIER)
				return cli_usage_error(
				    "fleet: bad --check-tiers "
				    "\"%s\" (-1..%d)",
				    optarg, ENG_MAX_TIER);
			break;
		case 'T':
			timeout = cli_parse_duration(optarg);
			if (!(timeout > 0))
				return cli_usage_error(
				    "fleet: bad --timeout \"%s\"", optarg);
			break;
		case 'j':
			c->json = true;
			break;
		default:
			return cli_usage_error("fleet: unknown or incomplete "
					       "option %s",
			    argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error(
		    "fleet: unexpected argument %s", argv[optind]);
	if (strcmp(o.site, "+") == 0 && c->have_conf)
		o.site = c->conf.agent.site;
	if (strcmp(o.site, "+") == 0)
		return cli_usage_error("fleet: which site? (--site, or -c "
				       "with agent.site)");
	if (o.site[0] == '\0' || strpbrk(o.site, "/+#") != NULL)
		return cli_usage_error("fleet: bad --site \"%s\"", o.site);
	cli_mqtt_defaults(&o, c);
	snprintf(r.site, sizeof(r.site), "%s", o.site);
	for (int i = 0; i < 3; i++)
		snprintf(r.subs[i], sizeof(r.subs[i]), "%s/%s/+/+/%s", o.prefix,
		    o.site, (const char *[]){ "state", "status", "bridge" }[i]);
	r.pfx_len = strlen(o.prefix) + 1 + strlen(o.site) + 1;
	r.o = &o;
	if ((r.f = fleet_create(&fp)) == NULL)
		return CLI_FAIL;
	r.m = cli_mqtt_connect(&o, c, &r, setup);
	rc = r.m != NULL ? collect(&r, timeout) : CLI_FAIL;
	if (rc == CLI_OK && fleet_count(r.f) == 0) {
		fprintf(stderr,
		    "thermwatchctl: fleet: no host of site \"%s\" on %s:%d "
		    "(wrong site, or the broker's ACL hides the state "
		    "topics)\n",
		    o.site, o.broker.host, o.broker.port);
		rc = CLI_FAIL;
	}
	if (rc == CLI_OK)
		rc = report(&r, check_tiers, c->json);
	cli_mqtt_close(r.m);
	fleet_free(r.f);
	return rc;
}
