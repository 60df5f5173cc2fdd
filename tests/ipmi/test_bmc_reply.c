/*
 * test_bmc_reply.c - the IPMI child's reply protocol (bmc_reply.c): every
 * record type written and read back, names and messages that would break
 * a line, lines that are not records; and a whole reply parsed by the
 * parent (bmc_job.c, bmc_sensors.c) into readings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmc_int.h"

/* Write with fn into a buffer, return the first line parsed. */
#define ROUNDTRIP(rec, call)                                               \
	do {                                                               \
		char buf_[4096];                                           \
		FILE *out = fmemopen(buf_, sizeof(buf_), "w");             \
		assert_non_null(out);                                      \
		call;                                                      \
		fclose(out);                                               \
		assert_non_null(strchr(buf_, '\n'));                       \
		assert_int_equal(                                          \
		    bmc_reply_parse(                                       \
			buf_, (size_t)(strchr(buf_, '\n') - buf_), (rec)), \
		    0);                                                    \
	} while (0)

static void
test_sensor(void **state)
{
	struct bmc_rec r;

	(void)state;
	ROUNDTRIP(&r,
	    bmc_reply_sensor(
		out, 12, 48, 'w', 41.1234567, "Inlet \"Temp\"\tA\nB"));
	assert_int_equal(r.type, BMC_REC_SENSOR);
	assert_int_equal(r.rid, 12);
	assert_int_equal(r.num, 48);
	assert_int_equal(r.state, 'w');
	assert_float_equal(r.value, 41.123457, 1e-9);
	/* quotes kept, control characters turned into spaces */
	assert_string_equal(r.name, "Inlet \"Temp\" A B");

	ROUNDTRIP(&r, bmc_reply_sensor(out, 1, 2, 'u', NAN, "x"));
	assert_true(isnan(r.value));
	assert_int_equal(r.state, 'u');
}

static void
test_thresholds(void **state)
{
	struct bmc_rec r;

	(void)state;
	ROUNDTRIP(&r, bmc_reply_thresholds(out, 7, 40, 45.5, NAN, true));
	assert_int_equal(r.type, BMC_REC_THRESHOLDS);
	assert_int_equal(r.rid, 7);
	assert_float_equal(r.unc, 40, 0);
	assert_float_equal(r.uc, 45.5, 0);
	assert_true(isnan(r.unr));
	assert_true(r.live);
	ROUNDTRIP(&r, bmc_reply_thresholds(out, 7, NAN, NAN, 90, false));
	assert_false(r.live);
	assert_float_equal(r.unr, 90, 0);
}

static void
test_messages_watchdog_done(void **state)
{
	struct bmc_rec r;

	(void)state;
	ROUNDTRIP(&r, bmc_reply_info(out, "cache %s: %d", "/x\ty", 3));
	assert_int_equal(r.type, BMC_REC_INFO);
	assert_string_equal(r.msg, "cache /x y: 3");
	ROUNDTRIP(&r, bmc_reply_error(out, BMC_E_AUTH, "bad \"%s\"", "pw"));
	assert_int_equal(r.type, BMC_REC_ERROR);
	assert_string_equal(r.cls, "auth");
	assert_string_equal(r.msg, "bad \"pw\"");
	ROUNDTRIP(&r, bmc_reply_watchdog(out, 0x44, 0x02, 0x10, 600, -1));
	assert_int_equal(r.type, BMC_REC_WATCHDOG);
	assert_int_equal(r.wd_use, 0x44);
	assert_int_equal(r.wd_action, 2);
	assert_int_equal(r.wd_flags, 0x10);
	assert_int_equal(r.wd_initial_ds, 600);
	assert_int_equal(r.wd_present_ds, -1);
	ROUNDTRIP(&r, bmc_reply_done(out, 123456789012LL, true));
	assert_int_equal(r.type, BMC_REC_DONE);
	assert_true(r.t_ms == 123456789012LL);
	assert_true(r.rebuilt);
}

static void
test_not_records(void **state)
{
	static const char *const bad[] = {
		"",
		"S\t1\t2\tn\t40.0\tname",
		"{\"t\":\"sensor\",\"rid\":1}",
		"{\"t\":\"sensor\",\"rid\":\"1\",\"num\":2,\"state\":\"n\","
		"\"value\":1,\"name\":\"x\"}",
		"{\"t\":\"bogus\"}",
		"{\"rid\":1}",
		"[1,2]",
		"{\"t\":\"done\",\"t_ms\":1}",
		"{\"t\":\"done\",\"t_ms\":1.2e114,\"rebuilt\":false}",
		"{\"t\":\"done\",\"t_ms\":-1,\"rebuilt\":false}",
		"{\"t\":\"watchdog\",\"use\":-1,\"action\":0,\"flags\":0,"
		"\"initial_ds\":0,\"present_ds\":0}",
	};
	struct bmc_rec r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
		    bmc_reply_parse(bad[i], strlen(bad[i]), &r), -1);
}

/* --- a whole reply, parsed by the parent ------------------------------ */

struct got {
	int n;
	struct src_reading r[8];
};

static void
on_reading(void *arg, const struct src_reading *r)
{
	struct got *g = arg;

	if (g->n < 8)
		g->r[g->n++] = *r;
}

static struct bmc *
new_bmc(struct got *g)
{
	struct ipmi_conf c;
	struct bmc *b;

	memset(&c, 0, sizeof(c));
	c.driver = IPMI_DRV_LAN;
	snprintf(c.host, sizeof(c.host), "10.0.0.9");
	c.trip = IPMI_TRIP_UC;
	c.deadline_s = 3;
	b = bmc_alloc(NULL, &c, "/nonexistent", on_reading, g);
	assert_non_null(b);
	b->job.req.kind = BMC_JOB_READ;
	return b;
}

static void
reply(struct bmc *b, bool done, const char *tail)
{
	FILE *out = fmemopen(b->job.buf, BMC_OUT_MAX, "w");

	assert_non_null(out);
	bmc_reply_sensor(out, 1, 10, 'n', 30, "Inlet Temp");
	bmc_reply_sensor(out, 2, 11, 'c', 90, "CPU Temp");
	bmc_reply_sensor(out, 3, 12, 'n', NAN, "CPU Temp");
	bmc_reply_thresholds(out, 1, 40, 45, 50, true);
	bmc_reply_thresholds(out, 2, NAN, NAN, 95, false);
	bmc_reply_info(out, "one sensor without thresholds");
	if (done)
		bmc_reply_done(out, 5000, false);
	fputs(tail, out);
	b->job.len = (size_t)ftell(out);
	fclose(out);
}

static void
test_parse_reply(void **state)
{
	struct bmc_result res;
	struct got g = { 0 };
	struct bmc *b = new_bmc(&g);

	(void)state;
	reply(b, true, "{\"t\":\"sensor\",\"rid\":9,\"num\"");
	assert_int_equal(bmc_parse(b, &res, true), 3);
	assert_true(res.ok);
	assert_true(res.got_thresholds);
	assert_string_equal(res.info, "one sensor without thresholds");
	assert_int_equal(g.n, 3); /* the torn last line is not a record */
	assert_string_equal(g.r[0].id, "ipmi:10.0.0.9/Inlet Temp");
	assert_int_equal(g.r[0].cls, ENG_CLASS_INLET);
	assert_float_equal(g.r[0].trip_c, 45, 0);
	assert_string_equal(g.r[0].trip_from, "upper-critical");
	assert_string_equal(g.r[0].hw_state, "nominal");
	assert_true(g.r[0].t_ms == 5000);
	/* a name seen twice gets the sensor number */
	assert_string_equal(g.r[1].id, "ipmi:10.0.0.9/CPU Temp #11");
	assert_string_equal(g.r[2].id, "ipmi:10.0.0.9/CPU Temp #12");
	assert_float_equal(g.r[1].trip_c, 95, 0);
	assert_string_equal(g.r[1].trip_from, "upper-non-recoverable");
	assert_string_equal(g.r[1].hw_state, "critical");
	assert_int_equal(g.r[2].quality, ENG_Q_UNAVAILABLE);
	assert_true(isnan(g.r[2].trip_c));
	free(b->job.buf);
	free(b);
}

static void
test_parse_no_result(void **state)
{
	struct bmc_result res;
	struct got g = { 0 };
	struct bmc *b = new_bmc(&g);

	(void)state;
	reply(b, false, "");
	assert_int_equal(bmc_parse(b, &res, true), 0);
	assert_false(res.ok);
	assert_int_equal(g.n, 0);
	assert_string_equal(res.cls, BMC_E_CONN);
	assert_string_equal(res.msg, "IPMI child ended without a result");
	b->job.killed = true;
	bmc_parse(b, &res, true);
	assert_string_equal(
	    res.msg, "no answer within deadline_s = 3 s: IPMI child killed");
	free(b->job.buf);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sensor),
		cmocka_unit_test(test_thresholds),
		cmocka_unit_test(test_messages_watchdog_done),
		cmocka_unit_test(test_not_records),
		cmocka_unit_test(test_parse_reply),
		cmocka_unit_test(test_parse_no_result),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
