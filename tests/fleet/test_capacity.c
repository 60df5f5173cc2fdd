/*
 * test_capacity.c - this host's offer on the real loop and child runner:
 * the config's values; the command's output over them, member by member;
 * its failures (exit status, bad output, a hang killed at its timeout)
 * fall back to the config; every change is announced once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capacity.h"
#include "log.h"

struct fx {
	struct loop *l;
	char dir[64], mode[96];
	struct agent_group id;
	struct fleet_conf conf;
	int changes;
	struct mqm_offer last;
};

static void
on_change(void *arg, const struct mqm_offer *o)
{
	struct fx *f = arg;

	f->changes++;
	f->last = *o;
}

static void
set_mode(struct fx *f, const char *mode)
{
	FILE *m = fopen(f->mode, "w");

	assert_non_null(m);
	fprintf(m, "%s\n", mode);
	fclose(m);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	static char *argv[3];

	assert_non_null(f);
	signal(SIGPIPE, SIG_IGN);
	f->l = loop_create();
	assert_non_null(f->l);
	snprintf(f->dir, sizeof(f->dir), "/tmp/tw-cap.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->mode, sizeof(f->mode), "%s/mode", f->dir);
	snprintf(f->id.host, sizeof(f->id.host), "h1");
	snprintf(f->id.site, sizeof(f->id.site), "dc1");
	snprintf(f->id.zone, sizeof(f->id.zone), "A");
	fleet_conf_defaults(&f->conf);
	argv[0] = TW_SRC_DIR "/tests/fleet/capacity_mode.sh";
	argv[1] = f->mode;
	argv[2] = NULL;
	f->conf.capacity_command = argv;
	f->conf.capacity_interval_s = 0.4;
	f->conf.capacity_timeout_s = 0.3;
	f->conf.spare_vms = 1;
	f->conf.spare_mem_mb = -1;
	snprintf(f->conf.migrate_uri, sizeof(f->conf.migrate_uri),
	    "qemu+ssh://h1/system");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	unlink(f->mode);
	rmdir(f->dir);
	loop_free(f->l);
	free(f);
	return 0;
}

static struct capacity *
start(struct fx *f)
{
	struct capacity_env env = { f->l, &f->id, &f->conf, on_change, f };
	struct capacity *c = capacity_create(&env);

	assert_non_null(c);
	return c;
}

static void
run_for(struct fx *f, int ms)
{
	int64_t end = loop_clock_ms() + ms;

	while (loop_clock_ms() < end)
		assert_int_equal(loop_run_once(f->l, 20), 0);
}

/* Run until the offer is (vms, mem), at most max_ms. */
static bool
run_until(struct fx *f, int vms, int mem, int max_ms)
{
	int64_t end = loop_clock_ms() + max_ms;

	while (loop_clock_ms() < end) {
		if (f->last.spare_vms == vms && f->last.spare_mem_mb == mem)
			return true;
		assert_int_equal(loop_run_once(f->l, 20), 0);
	}
	return false;
}

/* Processes whose command line names path. */
static int
running(const char *path)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char fn[300], buf[4096];
	int n = 0;
	size_t len, i;
	FILE *f;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(fn, sizeof(fn), "/proc/%s/cmdline", e->d_name);
		if ((f = fopen(fn, "r")) == NULL)
			continue;
		len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		for (i = 0; i < len; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		buf[len] = '\0';
		if (strstr(buf, path) != NULL)
			n++;
	}
	closedir(d);
	return n;
}

static void
test_config_then_command(void **state)
{
	struct fx *f = *state;
	struct capacity_stats st;
	struct capacity *c;

	set_mode(f, "ok 12 48000");
	c = start(f);
	/* the config's values at once, with the URI */
	assert_int_equal(f->changes, 1);
	assert_int_equal(f->last.spare_vms, 1);
	assert_int_equal(f->last.spare_mem_mb, -1);
	assert_string_equal(f->last.uri, "qemu+ssh://h1/system");
	assert_true(run_until(f, 12, 48000, 3000));
	assert_int_equal(f->changes, 2);
	/* the same answer again is no change */
	run_for(f, 900);
	assert_int_equal(f->changes, 2);
	capacity_get_stats(c, &st);
	assert_true(st.runs >= 2);
	assert_int_equal((int)st.failures, 0);
	assert_true(st.last_ok_ms > 0);
	/* a member the command leaves out comes from the config */
	set_mode(f, "vms 7");
	assert_true(run_until(f, 7, -1, 3000));
	capacity_free(c);
}

static void
test_failures_fall_back(void **state)
{
	struct fx *f = *state;
	static const char *const modes[] = { "fail", "junk", "hang" };
	struct capacity_stats st;
	struct capacity *c;
	uint64_t before;

	set_mode(f, "ok 12 48000");
	c = start(f);
	assert_true(run_until(f, 12, 48000, 3000));
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		capacity_get_stats(c, &st);
		before = st.failures;
		set_mode(f, modes[i]);
		/* back to the config's values: unknown memory, 1 VM */
		if (!run_until(f, 1, -1, 4000))
			fail_msg("mode %s did not fall back", modes[i]);
		capacity_get_stats(c, &st);
		assert_true(st.failures > before);
		/* and the command's again once it works */
		set_mode(f, "ok 12 48000");
		if (!run_until(f, 12, 48000, 4000))
			fail_msg("no recovery after %s", modes[i]);
	}
	capacity_free(c);
	/* the hung command's process group was killed: nothing left */
	run_for(f, 1500);
	assert_int_equal(running(f->mode), 0);
}

static void
test_no_command(void **state)
{
	struct fx *f = *state;
	struct capacity *c;

	f->conf.capacity_command = NULL;
	f->conf.spare_mem_mb = 2048;
	c = start(f);
	run_for(f, 600);
	assert_int_equal(f->changes, 1);
	assert_int_equal(f->last.spare_vms, 1);
	assert_int_equal(f->last.spare_mem_mb, 2048);
	capacity_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_config_then_command, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_failures_fall_back, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_no_command, setup, teardown),
	};

	log_init("test_capacity", true, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
