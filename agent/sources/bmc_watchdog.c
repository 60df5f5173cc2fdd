/*
 * bmc_watchdog.c - the child side of the BMC watchdog: Set / Reset / Get
 * Watchdog Timer through libfreeipmi (raw commands, see below), timer use
 * SMS/OS. Runs only in a forked child, like bmc_read.c; the reply is in
 * the protocol of bmc_reply.h.
 *
 * Set Watchdog Timer is sent with ipmi_cmd_raw(), not the typed
 * ipmi_cmd_set_watchdog_timer(): some BMCs (ipmi_sim 2.0.33 among them)
 * answer Set with trailing garbage, which the typed call rejects after a
 * session timeout although the setting was applied.
 *
 * Arming is Set (don't-stop clear: stops a running timer), Set (values,
 * don't-stop set) and Reset (starts the countdown), so that arming again
 * restarts the countdown with the new value (IPMI 2.0, 27.6/27.7).
 * ipmi_sim 2.0.33 gets this wrong: its first countdown stays pending after
 * a stop and fires at the old time. Disarming is one Set with don't-stop
 * clear and action "none", which stops the timer.
 */
#include "bmc_child.h"

#include <string.h>
#include <time.h>

#include <freeipmi/freeipmi.h>

#include "bmc_reply.h"

#define WD_CMD_RESET   0x22
#define WD_CMD_SET     0x24
#define WD_CMD_GET     0x25
#define WD_USE_SMS_OS  0x04
#define WD_DONT_STOP   0x40
#define WD_FLAG_SMS_OS 0x10

static const char *
cc_text(uint8_t cc)
{
	switch (cc) {
	case 0xc1:
		return "command not supported";
	case 0xcc:
		return "invalid data (the BMC may lack power control for "
		       "this action)";
	case 0xd4:
		return "insufficient privilege (Set Watchdog Timer needs "
		       "operator or admin)";
	case 0xd5:
		return "not supported in the present state";
	case 0x80:
		return "watchdog not initialised (Set before Reset)";
	default:
		return "error completion code";
	}
}

/* One raw App command; 0 and the reply length in *rlen, or -1 with err. */
static int
raw(ipmi_ctx_t ipmi, const uint8_t *rq, unsigned int len, uint8_t *rs,
    unsigned int rsl, int *rlen, char *err, size_t errlen)
{
	int n;

	n = ipmi_cmd_raw(
	    ipmi, IPMI_BMC_IPMB_LUN_BMC, IPMI_NET_FN_APP_RQ, rq, len, rs, rsl);
	if (n < 0) {
		snprintf(err, errlen, "command 0x%02x: %s", rq[0],
		    ipmi_ctx_errormsg(ipmi));
		return -1;
	}
	if (n < 2) {
		snprintf(err, errlen, "command 0x%02x: short reply", rq[0]);
		return -1;
	}
	if (rs[1] != 0) {
		snprintf(err, errlen, "command 0x%02x refused: %s (0x%02x)",
		    rq[0], cc_text(rs[1]), rs[1]);
		return -1;
	}
	*rlen = n;
	return 0;
}

static uint8_t
action_code(int action)
{
	switch (action) {
	case IPMI_WD_HARD_RESET:
		return 0x01;
	case IPMI_WD_POWER_CYCLE:
		return 0x03;
	default:
		return 0x02; /* power down */
	}
}

int
bmc_child_watchdog(
    const struct ipmi_conf *c, const struct bmc_job_req *req, FILE *out)
{
	uint8_t rq[8], rs[64];
	char err[512];
	const char *cls;
	struct timespec ts;
	ipmi_ctx_t ipmi;
	int n, cd = req->countdown_ds;

	ipmi = bmc_ipmi_open(c,
	    req->kind == BMC_JOB_WD_GET ? c->privilege : c->watchdog.privilege,
	    err, sizeof(err), &cls);
	if (ipmi == NULL) {
		bmc_reply_error(out, cls, "%s", err);
		return 1;
	}
	if (cd < 1)
		cd = 1;
	if (cd > 0xffff)
		cd = 0xffff;
	switch (req->kind) {
	case BMC_JOB_WD_ARM:
		rq[0] = WD_CMD_SET;
		rq[1] = WD_USE_SMS_OS;
		rq[2] = action_code(c->watchdog.action);
		rq[3] = 0;
		rq[4] = WD_FLAG_SMS_OS;
		rq[5] = (uint8_t)(cd & 0xff);
		rq[6] = (uint8_t)(cd >> 8);
		if (raw(ipmi, rq, 7, rs, sizeof(rs), &n, err, sizeof(err)))
			goto fail;
		rq[1] = WD_USE_SMS_OS | WD_DONT_STOP;
		if (raw(ipmi, rq, 7, rs, sizeof(rs), &n, err, sizeof(err)))
			goto fail;
		rq[0] = WD_CMD_RESET;
		if (raw(ipmi, rq, 1, rs, sizeof(rs), &n, err, sizeof(err)))
			goto fail;
		break;
	case BMC_JOB_WD_DISARM:
		rq[0] = WD_CMD_SET;
		rq[1] = WD_USE_SMS_OS; /* don't-stop clear: stop */
		rq[2] = 0x00;          /* no action */
		rq[3] = 0;
		rq[4] = WD_FLAG_SMS_OS;
		rq[5] = (uint8_t)(cd & 0xff);
		rq[6] = (uint8_t)(cd >> 8);
		if (raw(ipmi, rq, 7, rs, sizeof(rs), &n, err, sizeof(err)))
			goto fail;
		break;
	case BMC_JOB_WD_GET:
		rq[0] = WD_CMD_GET;
		if (raw(ipmi, rq, 1, rs, sizeof(rs), &n, err, sizeof(err)))
			goto fail;
		if (n < 8) {
			snprintf(err, sizeof(err),
			    "Get Watchdog Timer: "
			    "short reply (%d bytes)",
			    n);
			goto fail;
		}
		/* Some BMCs (ipmi_sim) leave out the present countdown. */
		bmc_reply_watchdog(out, rs[2], rs[3], rs[5],
		    (unsigned int)(rs[6] | rs[7] << 8),
		    n >= 10 ? rs[8] | rs[9] << 8 : -1);
		break;
	default:
		snprintf(err, sizeof(err), "bad watchdog job");
		goto fail;
	}
	bmc_ipmi_close(ipmi);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	bmc_reply_done(
	    out, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, false);
	return 0;
fail:
	bmc_ipmi_close(ipmi);
	bmc_reply_error(out, BMC_E_OTHER, "%s", err);
	return 1;
}
