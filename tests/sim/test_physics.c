/*
 * test_physics.c - the thermal model's terms, each shown on a small room
 * (recirculation, the structure's heat capacity, fans, CPU throttling),
 * and the calibration of the default figures against published rooms
 * that lost their cooling (FIELD.md; the table in thermwatch-sim(1)).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "simtest.h"

static struct sim_scenario scn;

/* Cut all cooling of every zone now, as a cooling event would. */
static void
lose_cooling(struct sim_run *r)
{
	int z, k;

	for (z = 0; z < r->n_zones; z++)
		for (k = 0; k < r->scn->zones[z].n_coolers; k++) {
			r->zone[z].cool_from[k] = r->zone[z].cool_frac[k] = 0;
			r->zone[z].cool_to[k] = 0;
			r->zone[z].ramp_end_ms[k] = 0;
		}
}

/* Physics only (policy none): step the room for t_s seconds. */
static void
physics(struct sim_run *r, double t_s)
{
	int64_t end = r->now_ms + ST_S(t_s);
	int i, z;

	for (; r->now_ms < end; r->now_ms += r->tick_ms) {
		for (z = 0; z < r->n_zones; z++) {
			mdl_step_zone(r, z);
			r->zone[z].it_w = 0;
		}
		for (i = 0; i < r->n_hosts; i++) {
			mdl_step_host(r, &r->host[i]);
			r->zone[r->host[i].zone].it_w += r->host[i].power_w;
		}
	}
}

/* Recirculation: with cooling lost, an inlet with a recirc_share takes
 * in exhaust air and runs ahead of the room; without, it follows it. */
static void
test_recirculation(void **state)
{
	struct sim_run r;
	double a, b;

	(void)state;
	assert_int_equal(
	    st_setup(&r, &scn, "recirc_share = 0.4;", "", ENG_POLICY_NONE, 1),
	    0);
	physics(&r, 600);
	/* cooling working: no recirculation */
	a = r.host[0].t_inlet - r.zone[0].t_air;
	assert_true(fabs(a - r.host[0].inlet_off_c) < 0.01);
	lose_cooling(&r);
	physics(&r, 600);
	/* 0.4 / 0.6 of the air's rise across the server, ~9 K */
	b = r.host[0].t_inlet - r.zone[0].t_air - r.host[0].inlet_off_c;
	assert_true(b > 4 && b < 9);
	st_done(&r, &scn);
	assert_int_equal(
	    st_setup(&r, &scn, "recirc_share = 0.0;", "", ENG_POLICY_NONE, 1),
	    0);
	lose_cooling(&r);
	physics(&r, 600);
	b = r.host[0].t_inlet - r.zone[0].t_air - r.host[0].inlet_off_c;
	assert_true(fabs(b) < 0.01);
	st_done(&r, &scn);
}

/* The structure: the heating rate starts at (P_it + P_other) / C and
 * falls as the walls take heat (Khankari); without a structure it falls
 * only through the building exchange. */
static void
test_structure(void **state)
{
	const char *rooms[2] = { "structure_kj_per_k = 6000.0; "
				 "structure_w_per_k = 400.0;",
		"structure_kj_per_k = 0.0; structure_w_per_k = 0.0;" };
	double first[2], later[2], t0;
	struct sim_run r;
	char txt[2048];
	int k;

	(void)state;
	for (k = 0; k < 2; k++) {
		snprintf(txt, sizeof(txt),
		    "name = \"w\"; building = { swing_c = 0.0; };\n"
		    "zones = ( { name = \"A\"; heat_capacity_kj_per_k = 300.0;"
		    " ua_w_per_k = 0.0; %s\n"
		    "  cooling = ( { name = \"c\"; capacity_kw = 5.0; } );\n"
		    "  hosts = ( { count = 8; fan_max = 1.0; } ); } );\n",
		    rooms[k]);
		assert_int_equal(
		    st_setup_text(&r, &scn, txt, ENG_POLICY_NONE, 1), 0);
		physics(&r, 60);
		lose_cooling(&r);
		t0 = r.zone[0].t_air;
		physics(&r, 60);
		first[k] = r.zone[0].t_air - t0;
		physics(&r, 1740);
		t0 = r.zone[0].t_air;
		physics(&r, 60);
		later[k] = r.zone[0].t_air - t0;
		st_done(&r, &scn);
	}
	/* the same start, 8 x 260 W / 300 kJ/K = 0.42 K/min */
	assert_true(fabs(first[0] - first[1]) < 0.05);
	assert_true(first[1] > 0.35 && first[1] < 0.5);
	/* after half an hour the walls take a good part of it */
	assert_true(later[0] < 0.75 * first[0]);
	assert_true(later[1] > 0.9 * first[1]);
}

/* Fans: above fan_start_c they speed up, the host draws more and the
 * air leaves it less heated. */
static void
test_fans(void **state)
{
	struct sim_run r;
	struct sim_host *h;
	double p0, dt0;

	(void)state;
	assert_int_equal(st_setup(&r, &scn, "", "", ENG_POLICY_NONE, 1), 0);
	physics(&r, 600);
	h = &r.host[0];
	p0 = h->power_w;
	dt0 = h->t_exh - h->t_inlet;
	assert_true(h->phi == 1);
	/* a hot spot: the inlet to 35 C, fans at full speed */
	h->inlet_off_c = h->inlet_off_to = 35 - r.zone[0].t_air;
	physics(&r, 900);
	assert_true(fabs(h->phi - 1.6) < 1e-9);
	assert_true(fabs(h->power_w - p0 - 15 * (1.6 * 1.6 * 1.6 - 1)) < 1);
	/* exhaust rise R_exh P / phi: more air, less rise per watt */
	assert_true(fabs(h->t_exh - h->t_inlet -
			h->hw->r_exh * h->power_w / 1.6) < 0.05);
	assert_true(h->t_exh - h->t_inlet < dt0);
	st_done(&r, &scn);
}

/* Throttling: at full load on a hot inlet the CPU holds at
 * throttle_cpu_c by drawing less; it trips only when even that is not
 * enough. */
static void
test_throttle(void **state)
{
	struct sim_run r;
	struct sim_host *h;
	double max_cpu = 0;

	(void)state;
	assert_int_equal(st_setup(&r, &scn,
			     "r_cpu_k_per_w = 0.2; max_w = 500.0; "
			     "capacity_vms = 8; "
			     "trip_inlet_c = 70.0; trip_exhaust_c = 110.0;",
			     "", ENG_POLICY_NONE, 1),
	    0);
	h = &r.host[0];
	/* a hot spot: the inlet 20 K up within ten minutes */
	h->inlet_off_to = h->inlet_off_c + 20;
	h->inlet_off_rate = 20.0 / 600;
	for (int k = 0; k < 1800; k++) {
		physics(&r, 1);
		max_cpu = fmax(max_cpu, h->t_cpu);
	}
	assert_true(h->throttled);
	print_message(
	    "max cpu %.3f throttle %.1f\n", max_cpu, h->hw->throttle_c);
	assert_true(max_cpu < h->hw->throttle_c + 0.01);
	assert_true(max_cpu > h->hw->throttle_c - 1);
	assert_true(h->power_w < 500 - 50);
	assert_true(r.res.throttled_s > 1000);
	st_done(&r, &scn);
}

struct room_fig {
	double rate_c_per_min; /* room air, first minute */
	double trip_s;         /* first inlet at its trip */
	double rise_1h_c;      /* room air after an hour (no trip yet) */
	double rise_8h_c;      /* ...and after eight */
};

/* A room, all cooling lost at 10 min: the air's rate in the first
 * minute and the time to the first inlet trip. */
static struct room_fig
room_figures(const char *text)
{
	struct room_fig f = { 0, -1, NAN, NAN };
	struct sim_run r;
	double t0;
	int i;

	assert_int_equal(st_setup_text(&r, &scn, text, ENG_POLICY_NONE, 1), 0);
	physics(&r, 600);
	lose_cooling(&r);
	t0 = r.zone[0].t_air;
	physics(&r, 60);
	f.rate_c_per_min = r.zone[0].t_air - t0;
	for (int k = 60; k < 8 * 3600 && f.trip_s < 0; k++) {
		physics(&r, 1);
		if (k + 1 == 3600)
			f.rise_1h_c = r.zone[0].t_air - t0;
		for (i = 0; i < r.n_hosts; i++)
			if (r.host[i].t_inlet >= r.host[i].hw->trip_c[0])
				f.trip_s = k + 1;
	}
	if (f.trip_s < 0)
		f.rise_8h_c = r.zone[0].t_air - t0;
	st_done(&r, &scn);
	return f;
}

/*
 * Calibration against published rooms (FIELD.md), with the defaults:
 *  - Opengate / Active Power: 5 kW per cabinet reached thermal shutdown
 *    3 min 9 s after the cooling stopped; 10 kW per cabinet in < 1 min.
 *    Here: cabinets of 20 x 250 W hosts with 45 kJ/K of air and
 *    equipment each (a cabinet's share of the aisles, 7.5 m3 of air, and
 *    the servers' fast mass) -> the dense-room scenario.
 *  - Hosting365: about 2 C/min with all chillers lost.
 *  - The built-in zone A (13 kW in a larger room): between those and
 *  - a small room whose temperature creeps by a few degrees overnight.
 */
static void
test_calibration(void **state)
{
	static const char dense[] =
	    "zones = ( { name = \"D\"; heat_capacity_kj_per_k = 450.0;\n"
	    " ua_w_per_k = 500.0;\n"
	    " cooling = ( { name = \"c\"; capacity_kw = 70.0; } );\n"
	    " hosts = ( { count = 200; idle_w = 150.0; max_w = 350.0;\n"
	    "  vms = 8; recirc_share = 0.4; } ); } );\n";
	static const char dense10[] =
	    "zones = ( { name = \"D\"; heat_capacity_kj_per_k = 450.0;\n"
	    " ua_w_per_k = 500.0;\n"
	    " cooling = ( { name = \"c\"; capacity_kw = 140.0; } );\n"
	    " hosts = ( { count = 200; idle_w = 300.0; max_w = 700.0;\n"
	    "  vms = 8; recirc_share = 0.4; } ); } );\n";
	static const char hosting[] =
	    "zones = ( { name = \"H\"; heat_capacity_kj_per_k = 4500.0;\n"
	    " ua_w_per_k = 2000.0;\n"
	    " cooling = ( { name = \"c\"; capacity_kw = 250.0; } );\n"
	    " hosts = ( { count = 600; idle_w = 150.0; max_w = 350.0;\n"
	    "  vms = 8; } ); } );\n";
	static const char small[] =
	    "building = { temp_c = 22.0; swing_c = 0.0; };\n"
	    "zones = ( { name = \"S\"; heat_capacity_kj_per_k = 800.0;\n"
	    " ua_w_per_k = 300.0; setpoint_c = 21.0;\n"
	    " cooling = ( { name = \"c\"; capacity_kw = 4.0; } );\n"
	    " hosts = ( { count = 8; } ); } );\n";
	struct room_fig f;
	char *zoneA = strdup(sim_builtin_text), *p;

	(void)state;
	f = room_figures(dense);
	print_message("dense 5 kW/cabinet: %.2f C/min, first trip %.0f s\n",
	    f.rate_c_per_min, f.trip_s);
	assert_true(f.trip_s >= 180 && f.trip_s <= 300);
	f = room_figures(dense10);
	print_message("dense 10 kW/cabinet: %.2f C/min, first trip %.0f s\n",
	    f.rate_c_per_min, f.trip_s);
	assert_true(f.trip_s > 0 && f.trip_s <= 120);
	f = room_figures(hosting);
	print_message("Hosting365-like: %.2f C/min, first trip %.0f s\n",
	    f.rate_c_per_min, f.trip_s);
	assert_true(f.rate_c_per_min > 1.5 && f.rate_c_per_min < 2.5);
	/* the built-in room: its events cut, its zone B dropped */
	p = strstr(zoneA, "\t{\n\t\tname = \"B\"");
	assert_non_null(p);
	strcpy(p - 2, "\n);\n");
	f = room_figures(zoneA);
	print_message("built-in zone A: %.2f C/min, first trip %.0f s\n",
	    f.rate_c_per_min, f.trip_s);
	assert_true(f.trip_s > 600 && f.trip_s < 3600);
	free(zoneA);
	f = room_figures(small);
	print_message("small room: %.2f C/min, +%.1f C in 1 h, +%.1f C in "
		      "8 h, no trip\n",
	    f.rate_c_per_min, f.rise_1h_c, f.rise_8h_c);
	assert_true(f.trip_s < 0);
	/* degrees over a night, not minutes */
	assert_true(f.rise_1h_c < 4 && f.rise_8h_c > 3 && f.rise_8h_c < 12);
	assert_true(f.rate_c_per_min < 0.2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recirculation),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_fans),
		cmocka_unit_test(test_throttle),
		cmocka_unit_test(test_calibration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
