/*
 * bmc_job.c - one exchange with a BMC as the parent sees it: the state of
 * a BMC source, the forked child that does the exchange, and the child's
 * reply read back into results and readings.
 */
#include "bmc_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
set_cache_dir(struct bmc *b, const char *state_dir)
{
	char label[IPMI_HOST_LEN];
	char *p;

	snprintf(label, sizeof(label), "%s", bmc_conf_label(&b->conf));
	for (p = label; *p != '\0'; p++)
		if (*p == '/' || *p == '[' || *p == ']' || *p == ' ')
			*p = '_';
	snprintf(b->cache_dir, sizeof(b->cache_dir), "%s/ipmi-%s",
	    state_dir != NULL && state_dir[0] != '\0' ? state_dir : ".", label);
}

struct bmc *
bmc_alloc(struct loop *l, const struct ipmi_conf *c, const char *state_dir,
    src_emit_cb emit, void *arg)
{
	struct bmc *b;

	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->loop = l;
	b->conf = *c;
	b->emit = emit;
	b->arg = arg;
	b->job.buf = malloc(BMC_OUT_MAX);
	if (b->job.buf == NULL) {
		free(b);
		return NULL;
	}
	set_cache_dir(b, state_dir);
	b->st.label = bmc_conf_label(&b->conf);
	b->st.last_error = b->last_err;
	return b;
}

/* Runs in the forked child (child.h function mode). */
static int
child_main(void *arg, int fd)
{
	const struct bmc *b = arg;
	const struct bmc_job_req *req = &b->job.req;
	FILE *out;
	int rc;

	out = fdopen(fd, "w");
	if (out == NULL)
		return 127;
	if (req->kind == BMC_JOB_READ)
		rc = bmc_child_read(
		    &b->conf, b->cache_dir, req->want_thresholds, out);
	else
		rc = bmc_child_watchdog(&b->conf, req, out);
	fflush(out);
	return rc;
}

/* The child's reply, kept whole (up to BMC_OUT_MAX) for parsing at the
 * end. */
static void
on_output(void *arg, int stream, const char *data, size_t n)
{
	struct bmc *b = arg;
	struct bmc_job *j = &b->job;

	(void)stream;
	if (data == NULL)
		return;
	if (j->len + n > BMC_OUT_MAX - 1) {
		j->overflow = true;
		return;
	}
	memcpy(j->buf + j->len, data, n);
	j->len += n;
}

void
bmc_job_prepare(struct bmc *b, const struct bmc_job_req *req, int64_t now_ms,
    struct child_spec *cs)
{
	struct bmc_job *j = &b->job;

	j->req = *req;
	j->killed = false;
	j->preempted = false;
	j->len = 0;
	j->overflow = false;
	j->done = NULL;
	j->done_arg = NULL;
	j->start_ms = now_ms;
	memset(cs, 0, sizeof(*cs));
	cs->fn = child_main;
	cs->fn_arg = b;
	cs->deadline_s = b->conf.deadline_s;
	cs->output = on_output;
	cs->arg = b;
}

int
bmc_countdown_ds(const struct ipmi_conf *c, int countdown_s)
{
	double s = countdown_s > 0 ? countdown_s : c->watchdog.countdown_s;
	long ds = lround(s * 10.0);

	return ds > 0xffff ? 0xffff : ds < 1 ? 1 : (int)ds;
}

/* Pass 0: the outcome and the table. */
static void
take(struct bmc *b, const struct bmc_rec *rec, struct bmc_result *res)
{
	struct bmc_sens *s;

	switch (rec->type) {
	case BMC_REC_ERROR:
		snprintf(res->cls, sizeof(res->cls), "%s", rec->cls);
		snprintf(res->msg, sizeof(res->msg), "%s", rec->msg);
		break;
	case BMC_REC_DONE:
		res->ok = true;
		res->t_ms = rec->t_ms;
		res->rebuilt = rec->rebuilt;
		break;
	case BMC_REC_INFO:
		snprintf(res->info, sizeof(res->info), "%s", rec->msg);
		break;
	case BMC_REC_SENSOR:
		bmc_table_add(&b->table, rec->rid, rec->num, rec->name);
		break;
	case BMC_REC_THRESHOLDS:
		s = bmc_table_find(&b->table, rec->rid);
		if (s == NULL)
			break;
		s->unc = rec->unc;
		s->uc = rec->uc;
		s->unr = rec->unr;
		res->got_thresholds = true;
		break;
	case BMC_REC_WATCHDOG:
		res->wd.running = (rec->wd_use & 0x40) != 0;
		res->wd.timer_use = (int)(rec->wd_use & 0x07);
		res->wd.action = (int)(rec->wd_action & 0x07);
		res->wd.expired_sms_os = (rec->wd_flags & 0x10) != 0;
		res->wd.initial_s = rec->wd_initial_ds / 10.0;
		if (rec->wd_present_ds >= 0)
			res->wd.present_s = rec->wd_present_ds / 10.0;
		break;
	}
}

/* Pass 1: a reading for every sensor record. */
static int
emit(struct bmc *b, const struct bmc_rec *rec, const struct bmc_result *res,
    bool do_emit)
{
	struct src_reading r;
	struct bmc_sens *s;

	if (rec->type != BMC_REC_SENSOR)
		return 0;
	s = bmc_table_find(&b->table, rec->rid);
	if (s == NULL)
		return 0;
	s->seen = true;
	if (!do_emit)
		return 0;
	bmc_reading(&b->table, s, &b->conf, rec, res->t_ms, &r);
	b->emit(b->arg, &r);
	return 1;
}

int
bmc_parse(struct bmc *b, struct bmc_result *res, bool do_emit)
{
	struct bmc_job *j = &b->job;
	struct bmc_rec rec;
	const char *line, *next;
	int pass, emitted = 0, i;
	size_t off;

	memset(res, 0, sizeof(*res));
	res->wd.present_s = NAN;
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1 && (!res->ok || j->req.kind != BMC_JOB_READ))
			break;
		if (pass == 1)
			for (i = 0; i < b->table.n; i++)
				b->table.s[i].seen = false;
		for (off = 0; off < j->len; off = (size_t)(next - j->buf)) {
			line = j->buf + off;
			next = memchr(line, '\n', j->len - off);
			if (next == NULL)
				break; /* partial line: the child died */
			next++;
			if (bmc_reply_parse(
				line, (size_t)(next - line - 1), &rec) < 0)
				continue;
			if (pass == 0)
				take(b, &rec, res);
			else
				emitted += emit(b, &rec, res, do_emit);
		}
	}
	if (!res->ok && res->msg[0] == '\0') {
		if (j->killed)
			snprintf(res->msg, sizeof(res->msg), BMC_KILLED_FMT,
			    b->conf.deadline_s);
		else if (j->overflow)
			snprintf(res->msg, sizeof(res->msg),
			    "IPMI child output too long");
		else
			snprintf(res->msg, sizeof(res->msg),
			    "IPMI child ended without a result");
		snprintf(res->cls, sizeof(res->cls), "%s", BMC_E_CONN);
	}
	return emitted;
}
