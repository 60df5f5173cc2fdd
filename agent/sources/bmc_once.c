/*
 * bmc_once.c - the IPMI source's blocking one-shot commands (thermwatchd
 * --once, thermwatchctl, tests): one read, the watchdog's arm, disarm and
 * get, each bounded by ipmi.deadline_s; and the --check-config check of
 * the password file. See bmc.h.
 */
#include "bmc_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Run req in a child and wait for it, at most deadline_s. */
static void
run_blocking(struct bmc *b, const struct bmc_job_req *req)
{
	struct bmc_job *j = &b->job;
	struct child_spec cs;
	struct child_result r;
	FILE *f;

	bmc_job_prepare(b, req, loop_clock_ms(), &cs);
	if (child_run(&cs, &r) < 0) {
		/* the reply the child could not give */
		f = fmemopen(j->buf, BMC_OUT_MAX, "w");
		if (f != NULL) {
			bmc_reply_error(f, BMC_E_OTHER,
			    "cannot start the IPMI child: %s", strerror(errno));
			j->len = (size_t)ftell(f);
			fclose(f);
		}
		return;
	}
	j->killed = r.timed_out;
}

static void
copy_err(
    const struct bmc *b, const struct bmc_result *res, char *err, size_t errlen)
{
	snprintf(err, errlen, "ipmi %s: %s", b->st.label, res->msg);
}

int
bmc_read_once(const struct ipmi_conf *c, const char *state_dir,
    src_emit_cb emit, void *arg, char *err, size_t errlen)
{
	struct bmc_job_req req;
	struct bmc_result res;
	struct bmc *b;
	int n;

	b = bmc_alloc(NULL, c, state_dir, emit, arg);
	if (b == NULL) {
		snprintf(err, errlen, "ipmi: out of memory");
		return -1;
	}
	memset(&req, 0, sizeof(req));
	req.kind = BMC_JOB_READ;
	req.want_thresholds = true;
	run_blocking(b, &req);
	n = bmc_parse(b, &res, true);
	if (!res.ok) {
		copy_err(b, &res, err, errlen);
		n = -1;
	} else if (res.info[0] != '\0') {
		snprintf(err, errlen, "ipmi %s: %s", b->st.label, res.info);
	} else if (errlen > 0) {
		err[0] = '\0';
	}
	bmc_free(b);
	return n;
}

static int
wd_once(const struct ipmi_conf *c, enum bmc_job_kind kind, int countdown_s,
    struct bmc_wd_status *st, char *err, size_t errlen)
{
	struct bmc_job_req req;
	struct bmc_result res;
	struct bmc *b;

	b = bmc_alloc(NULL, c, NULL, NULL, NULL);
	if (b == NULL) {
		snprintf(err, errlen, "ipmi: out of memory");
		return -1;
	}
	memset(&req, 0, sizeof(req));
	req.kind = kind;
	req.countdown_ds = bmc_countdown_ds(c, countdown_s);
	run_blocking(b, &req);
	bmc_parse(b, &res, false);
	if (!res.ok)
		copy_err(b, &res, err, errlen);
	else if (st != NULL)
		*st = res.wd;
	bmc_free(b);
	return res.ok ? 0 : -1;
}

int
bmc_watchdog_arm_once(
    const struct ipmi_conf *c, int countdown_s, char *err, size_t errlen)
{
	return wd_once(c, BMC_JOB_WD_ARM, countdown_s, NULL, err, errlen);
}

int
bmc_watchdog_disarm_once(const struct ipmi_conf *c, char *err, size_t errlen)
{
	return wd_once(c, BMC_JOB_WD_DISARM, 0, NULL, err, errlen);
}

int
bmc_watchdog_get_once(const struct ipmi_conf *c, struct bmc_wd_status *st,
    char *err, size_t errlen)
{
	return wd_once(c, BMC_JOB_WD_GET, 0, st, err, errlen);
}

int
bmc_conf_check(const struct ipmi_conf *c, char *err, size_t errlen)
{
	char pw[BMC_PW_MAX + 1], msg[BMC_ERR_LEN];

	if (!c->enabled || c->driver != IPMI_DRV_LAN)
		return 0;
	if (bmc_password_load(
		c->password_file, pw, sizeof(pw), msg, sizeof(msg)) != 0) {
		snprintf(err, errlen, "ipmi %s: %s", c->host, msg);
		return -1;
	}
	explicit_bzero(pw, sizeof(pw));
	return 0;
}
