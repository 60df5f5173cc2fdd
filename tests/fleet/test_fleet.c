/*
 * test_fleet.c - the fleet view: the state payload's offer and its parser,
 * the table (freshness by age, status and bridge; the bound), the migrate
 * hook's destinations (only other zones that accept load, best first,
 * within the size bound, valid JSON) and the tiers over the zones; the
 * fleet group of the config.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "conf.h"
#include "conf_load.h"
#include "fleet.h"
#include "mqtt_fleet_msg.h"
#include "mqtt_msg.h"

#define WALL0 1764061200000LL /* a wall clock at monotonic 0 */

static struct fleet *
mk(const char *zone, const char *host, int max_hosts, double max_age_s)
{
	struct fleet_params p = { zone, host, max_hosts, max_age_s };
	struct fleet *f = fleet_create(&p);

	assert_non_null(f);
	fleet_connection(f, true, 0);
	return f;
}

/* A state as the host would publish it, parsed as a peer reads it;
 * fleet_state's answer. */
static int
put(struct fleet *f, int64_t now, const char *zone, const char *host, int tier,
    bool accepting, int vms, int mem, const char *uri, int64_t sent_ms_ago)
{
	struct mqm_id id = { "dc1", zone, host, tier };
	struct eng_output o;
	struct mqm_offer off;
	struct mqm_host_state s;
	char err[160], *js;

	memset(&o, 0, sizeof(o));
	o.state = accepting ? ENG_STATE_OK : ENG_STATE_HOT;
	o.accepting_load = accepting;
	o.eta_s = NAN;
	snprintf(o.reason, sizeof(o.reason), "test");
	mqm_offer_init(&off);
	off.spare_vms = vms;
	off.spare_mem_mb = mem;
	snprintf(off.uri, sizeof(off.uri), "%s", uri != NULL ? uri : "");
	js = mqm_state_offer(
	    &id, WALL0 + now - sent_ms_ago, 1, &o, now, NULL, &off);
	assert_non_null(js);
	assert_int_equal(mqm_host_state_parse(js, strlen(js), "dc1", zone, host,
			     &s, err, sizeof(err)),
	    0);
	free(js);
	return fleet_state(f, &s, now, WALL0 + now);
}

/* The destinations' host names, comma-separated. */
static void
hosts_of(const char *json, char *buf, size_t len)
{
	cJSON *a = cJSON_Parse(json), *e;
	size_t off = 0;

	assert_non_null(a);
	assert_true(cJSON_IsArray(a));
	buf[0] = '\0';
	cJSON_ArrayForEach(e, a)
	{
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(e, "host");

		assert_true(cJSON_IsString(h));
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    off > 0 ? "," : "", h->valuestring);
	}
	cJSON_Delete(a);
}

static void
test_offer_round_trip(void **state)
{
	struct mqm_id id = { "dc1", "B", "hv21", 1 };
	struct eng_output o;
	struct mqm_offer off;
	struct mqm_host_state s;
	char err[160], *js;
	cJSON *j;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.accepting_load = true;
	o.eta_s = NAN;
	mqm_offer_init(&off);
	off.spare_vms = 7;
	snprintf(off.uri, sizeof(off.uri), "qemu+ssh://hv21/system");
	js = mqm_state_offer(&id, WALL0, 3, &o, 0, NULL, &off);
	j = cJSON_Parse(js);
	/* only what is known is published */
	assert_int_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(j, "capacity"), "spare_vms")
		->valueint,
	    7);
	assert_null(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(j, "capacity"), "spare_mem_mb"));
	assert_string_equal(cJSON_GetObjectItem(j, "migrate_uri")->valuestring,
	    "qemu+ssh://hv21/system");
	cJSON_Delete(j);
	assert_int_equal(mqm_host_state_parse(js, strlen(js), "dc1", "B",
			     "hv21", &s, err, sizeof(err)),
	    0);
	assert_int_equal(s.offer.spare_vms, 7);
	assert_int_equal(s.offer.spare_mem_mb, -1);
	assert_int_equal(s.tier, 1);
	assert_true(s.accepting_load);
	/* the topic names the host: another name in the payload is refused */
	assert_int_equal(mqm_host_state_parse(js, strlen(js), "dc1", "B",
			     "hv22", &s, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "host"));
	assert_int_equal(mqm_host_state_parse(js, strlen(js), "dc2", "B",
			     "hv21", &s, err, sizeof(err)),
	    -1);
	free(js);
	/* without an offer, the state has neither member */
	js = mqm_state(&id, WALL0, 4, &o, 0);
	assert_null(strstr(js, "capacity"));
	assert_null(strstr(js, "migrate_uri"));
	free(js);
}

static void
test_state_parse_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{\"v\":2,\"ts\":1,\"site\":\"dc1\",\"zone\":\"B\",\"host\":"
		"\"h\",\"tier\":1,\"state\":\"ok\",\"accepting_load\":true,"
		"\"zone_alarm\":false}",
		/* accepting_load must be a boolean */
		"{\"v\":1,\"ts\":1,\"site\":\"dc1\",\"zone\":\"B\",\"host\":"
		"\"h\",\"tier\":1,\"state\":\"ok\",\"accepting_load\":1,"
		"\"zone_alarm\":false}",
		"{\"v\":1,\"ts\":1,\"site\":\"dc1\",\"zone\":\"B\",\"host\":"
		"\"h\",\"tier\":1.5,\"state\":\"ok\",\"accepting_load\":true,"
		"\"zone_alarm\":false}",
		"{\"v\":1,\"ts\":1,\"site\":\"dc1\",\"zone\":\"B\",\"host\":"
		"\"h\",\"tier\":1,\"state\":\"ok\",\"accepting_load\":true,"
		"\"zone_alarm\":false,\"capacity\":7}",
		NULL,
	};
	struct mqm_host_state s;
	char err[160];

	(void)state;
	for (int i = 0; bad[i] != NULL; i++)
		assert_int_equal(mqm_host_state_parse(bad[i], strlen(bad[i]),
				     "dc1", "B", "h", &s, err, sizeof(err)),
		    -1);
	/* capacity members that are not counts are unknown, not zero */
	const char *odd = "{\"v\":1,\"ts\":1,\"site\":\"dc1\",\"zone\":\"B\","
			  "\"host\":\"h\",\"tier\":1,\"state\":\"ok\","
			  "\"accepting_load\":true,\"zone_alarm\":false,"
			  "\"capacity\":{\"spare_vms\":-3,\"spare_mem_mb\":"
			  "\"lots\"},\"future_member\":1}";
	assert_int_equal(mqm_host_state_parse(odd, strlen(odd), "dc1", "B", "h",
			     &s, err, sizeof(err)),
	    0);
	assert_int_equal(s.offer.spare_vms, -1);
	assert_int_equal(s.offer.spare_mem_mb, -1);
}

static void
test_capacity_parse(void **state)
{
	struct mqm_offer o;
	char err[160];
	const char *ok = "{\"spare_vms\": 12, \"spare_mem_mb\": 48000}\n";
	const char *half = "{\"spare_mem_mb\": 512}";

	(void)state;
	mqm_offer_init(&o);
	assert_int_equal(
	    mqm_capacity_parse(ok, strlen(ok), &o, err, sizeof(err)), 0);
	assert_int_equal(o.spare_vms, 12);
	assert_int_equal(o.spare_mem_mb, 48000);
	mqm_offer_init(&o);
	assert_int_equal(
	    mqm_capacity_parse(half, strlen(half), &o, err, sizeof(err)), 0);
	assert_int_equal(o.spare_vms, -1);
	assert_int_equal(o.spare_mem_mb, 512);
	assert_int_equal(mqm_capacity_parse("12", 2, &o, err, sizeof(err)), -1);
	assert_int_equal(
	    mqm_capacity_parse("{\"x\":1}", 7, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "spare_vms"));
}

/* Only other zones that accept load; best first. */
static void
test_destinations_order(void **state)
{
	struct fleet *f = mk("A", "hv01", 64, 180);
	char *d, names[512];

	(void)state;
	put(f, 0, "A", "hv02", 2, true, 50, 99999, NULL, 0); /* own zone */
	put(f, 0, "B", "hv21", 2, true, -1, -1, NULL, 0);    /* no capacity */
	put(f, 0, "B", "hv22", 2, true, 10, 8000, "qemu+ssh://hv22/system", 0);
	put(f, 0, "B", "hv23", 2, false, 99, 64000, NULL,
	    0); /* not accepting */
	put(f, 0, "C", "hv31", 2, true, 20, 8000, NULL, 0);
	put(f, 0, "C", "hv32", 2, true, 1, 16000, NULL, 0);
	put(f, 0, "C", "hv30", 2, true, -1, -1, NULL, 0);
	/* ourselves: ignored */
	assert_int_equal(put(f, 0, "A", "hv01", 2, true, 1, 1, NULL, 0), 1);
	/* not settled yet: no view */
	assert_null(fleet_destinations(f, 500, FLEET_DEST_MAX));
	assert_int_equal(fleet_destination_count(f, 500), -1);
	d = fleet_destinations(f, 1000, FLEET_DEST_MAX);
	assert_non_null(d);
	hosts_of(d, names, sizeof(names));
	assert_string_equal(names, "hv32,hv31,hv22,hv21,hv30");
	assert_non_null(strstr(d, "\"uri\":\"qemu+ssh://hv22/system\""));
	assert_non_null(strstr(d, "\"zone\":\"C\""));
	assert_int_equal(fleet_destination_count(f, 1000), 5);
	free(d);
	fleet_free(f);
}

/* Fresh: by age (the sender's ts, then the local clock), status, bridge. */
static void
test_freshness(void **state)
{
	struct fleet *f = mk("A", "hv01", 64, 180);
	char *d, names[256];

	(void)state;
	put(f, 1000, "B", "old", 2, true, -1, -1, NULL, 170000); /* 10 s left */
	put(f, 1000, "B", "new", 2, true, -1, -1, NULL, 0);
	put(f, 1000, "B", "ahead", 2, true, -1, -1, NULL, -60000); /* clock */
	put(f, 1000, "B", "dead", 2, true, -1, -1, NULL, 0);
	put(f, 1000, "B", "dark", 2, true, -1, -1, NULL, 0);
	fleet_status(f, "B", "dead", false, 1000); /* its last will */
	fleet_bridge(f, "B", "dark", false, 1000); /* its broker's */
	d = fleet_destinations(f, 2000, FLEET_DEST_MAX);
	hosts_of(d, names, sizeof(names));
	assert_string_equal(names, "ahead,new,old");
	free(d);
	d = fleet_destinations(f, 12000, FLEET_DEST_MAX);
	hosts_of(d, names, sizeof(names));
	assert_string_equal(names, "ahead,new");
	free(d);
	/* a clock ahead counts as age 0, not as a longer life */
	d = fleet_destinations(f, 181500, FLEET_DEST_MAX);
	assert_string_equal(d, "[]");
	free(d);
	/* back online, and a new state: fresh again */
	fleet_status(f, "B", "dead", true, 181500);
	put(f, 181500, "B", "dead", 2, true, -1, -1, NULL, 0);
	fleet_bridge(f, "B", "dark", true, 181500);
	d = fleet_destinations(f, 181600, FLEET_DEST_MAX);
	hosts_of(d, names, sizeof(names));
	assert_string_equal(names, "dead");
	free(d);
	/* a cleared retained state forgets the host */
	fleet_forget(f, "dead");
	d = fleet_destinations(f, 181600, FLEET_DEST_MAX);
	assert_string_equal(d, "[]");
	free(d);
	/* the broker gone: the view lasts max_age_s, then there is none */
	fleet_connection(f, false, 200000);
	d = fleet_destinations(f, 300000, FLEET_DEST_MAX);
	assert_non_null(d);
	free(d);
	assert_null(fleet_destinations(f, 380001, FLEET_DEST_MAX));
	fleet_free(f);
}

/* At most max_bytes: the worst are left out, the rest stays valid JSON. */
static void
test_destinations_bound(void **state)
{
	struct fleet *f = mk("A", "hv01", 1000, 180);
	char host[32], *d, *all;
	cJSON *a;
	int i, n;

	(void)state;
	for (i = 0; i < 300; i++) {
		snprintf(host, sizeof(host), "host-%03d", i);
		put(f, 0, "B", host, 2, true, i, i * 100,
		    "qemu+ssh://some-long-host-name.zone-b.example.net/system",
		    0);
	}
	all = fleet_destinations(f, 1000, 1 << 20);
	assert_true(strlen(all) > FLEET_DEST_MAX);
	d = fleet_destinations(f, 1000, FLEET_DEST_MAX);
	assert_true(strlen(d) <= FLEET_DEST_MAX);
	assert_true(strlen(d) > FLEET_DEST_MAX - 200);
	a = cJSON_Parse(d);
	assert_non_null(a);
	n = cJSON_GetArraySize(a);
	assert_true(n > 10 && n < 300);
	/* the best are kept: the most memory first */
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(a, 0), "host")->valuestring,
	    "host-299");
	assert_int_equal(strncmp(all, d, strlen(d) - 1), 0);
	cJSON_Delete(a);
	free(d);
	free(all);
	/* nothing fits: an empty list, still JSON */
	d = fleet_destinations(f, 1000, 10);
	assert_string_equal(d, "[]");
	free(d);
	fleet_free(f);
}

/* The table is bounded: stale hosts make room, fresh ones do not. */
static void
test_table_bound(void **state)
{
	struct fleet *f = mk("A", "hv01", 3, 10);
	struct mqm_host_state s;
	struct fleet_stats st;

	(void)state;
	put(f, 0, "B", "b1", 2, true, -1, -1, NULL, 0);
	put(f, 0, "B", "b2", 2, true, -1, -1, NULL, 0);
	put(f, 5000, "B", "b3", 2, true, -1, -1, NULL, 0);
	memset(&s, 0, sizeof(s));
	mqm_offer_init(&s.offer);
	snprintf(s.zone, sizeof(s.zone), "B");
	snprintf(s.host, sizeof(s.host), "b4");
	s.ts_ms = WALL0 + 6000;
	s.accepting_load = true;
	assert_int_equal(fleet_state(f, &s, 6000, WALL0 + 6000), -1);
	fleet_get_stats(f, 6000, &st);
	assert_int_equal(st.hosts, 3);
	assert_int_equal((int)st.dropped, 1);
	/* b1 and b2 are stale at 11 s: b4 takes the place of one */
	s.ts_ms = WALL0 + 11000;
	assert_int_equal(fleet_state(f, &s, 11000, WALL0 + 11000), 0);
	fleet_get_stats(f, 11000, &st);
	assert_int_equal(st.hosts, 3);
	assert_int_equal(st.fresh, 2);
	assert_string_equal(fleet_get(f, 2)->host, "b4");
	fleet_free(f);
}

static void
test_tiers(void **state)
{
	struct fleet *f = mk("A", "hv01", 64, 180);
	struct fleet_tier t[ENG_MAX_TIER + 1];

	(void)state;
	put(f, 0, "A", "a2", 0, true, -1, -1, NULL, 0);
	put(f, 0, "A", "a3", 1, true, -1, -1, NULL, 0);
	put(f, 0, "B", "b1", 1, true, -1, -1, NULL, 0);
	put(f, 0, "B", "b2", 3, false, -1, -1, NULL, 0);
	fleet_tiers(f, 1000, 0, t); /* this host: tier 0 in A */
	assert_int_equal(t[0].hosts, 2);
	assert_int_equal(t[0].zones, 1);
	assert_string_equal(t[0].zone, "A");
	assert_int_equal(t[1].hosts, 2);
	assert_int_equal(t[1].zones, 2);
	assert_int_equal(t[3].zones, 1);
	assert_int_equal(t[2].hosts, 0);
	/* a tier-0 host in B: diverse */
	put(f, 0, "B", "b0", 0, true, -1, -1, NULL, 0);
	fleet_tiers(f, 1000, 0, t);
	assert_int_equal(t[0].zones, 2);
	/* ...until it goes offline */
	fleet_status(f, "B", "b0", false, 1000);
	fleet_tiers(f, 1000, -1, t);
	assert_int_equal(t[0].hosts, 1);
	assert_int_equal(t[0].zones, 1);
	fleet_free(f);
}

static void
test_conf(void **state)
{
	struct agent_conf c;
	char *msgs = NULL;

	(void)state;
	assert_int_equal(
	    load("fleet = { migrate_uri = "
		 "\"qemu+ssh://root@hv21.b:22/system\"; "
		 "spare_vms = 4; capacity_command = "
		 "[ \"/usr/local/sbin/cap\", \"-q\" ]; "
		 "capacity_interval_s = 30.0; };\n"
		 "prometheus = { textfile = \"/var/lib/p/t.prom\"; };",
		&c, &msgs),
	    0);
	assert_string_equal(
	    c.fleet.migrate_uri, "qemu+ssh://root@hv21.b:22/system");
	assert_int_equal(c.fleet.spare_vms, 4);
	assert_int_equal(c.fleet.spare_mem_mb, -1);
	assert_string_equal(c.fleet.capacity_command[1], "-q");
	assert_true(fleet_conf_offers(&c.fleet));
	assert_string_equal(c.prometheus.textfile, "/var/lib/p/t.prom");
	cnf_free(&c);
	free(msgs);
	expect_error("fleet = { migrate_uri = \"qemu+ssh://h/system?"
		     "command=rm\"; };",
	    "test.conf:1: 'migrate_uri'");
	expect_error(
	    "fleet = { capacity_command = [ \"cap\" ]; };", "absolute path");
	expect_error(
	    "fleet = { max_age_s = 50.0; };", "twice mqtt.state_refresh_s");
	expect_error("fleet = { capacity_timeout_s = 60.0; };",
	    "below 'capacity_interval_s'");
	expect_error("fleet = { spare_vm = 3; };", "spare_vms");
	expect_error(
	    "prometheus = { textfile = \"rel.prom\"; };", "ending in .prom");
	expect_error("prometheus = { textfile = \"/x/metrics.txt\"; };",
	    "ending in .prom");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offer_round_trip),
		cmocka_unit_test(test_state_parse_bad),
		cmocka_unit_test(test_capacity_parse),
		cmocka_unit_test(test_destinations_order),
		cmocka_unit_test(test_freshness),
		cmocka_unit_test(test_destinations_bound),
		cmocka_unit_test(test_table_bound),
		cmocka_unit_test(test_tiers),
		cmocka_unit_test(test_conf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
