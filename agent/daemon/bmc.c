/*
 * bmc.c - the parent side of the IPMI source: one child process per
 * exchange, watched from the loop (pipe, deadline timer, exit), results
 * parsed into readings, backoff and logging. The FreeIPMI calls are in
 * bmc_read.c and bmc_watchdog.c and run only in the children.
 */
#include "bmc.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bmc_int.h"
#include "child.h"
#include "log.h"

#define MAX_SENS   ENG_MAX_SENSORS
#define NAME_LEN   64
#define OUT_MAX    (64 * 1024) /* a child's output, at most */
#define ERR_LEN    1024
#define KILLED_FMT "no answer within deadline_s = %g s: IPMI child killed"

struct sens {
	int rid;
	int snum;
	char name[NAME_LEN];
	double unc, uc, unr; /* °C, NAN = none */
	bool thr_known;      /* a threshold fetch has seen it */
	bool seen;           /* in the last read */
};

struct job {
	struct child *child; /* NULL = no child */
	struct bmc_job_req req;
	bool killed;    /* by the deadline */
	bool preempted; /* killed for a watchdog request */
	int64_t start_ms;
	bmc_done_cb done; /* watchdog jobs */
	void *done_arg;
	char *buf;
	size_t len;
	bool overflow;
};

/* A job's parsed result. */
struct result {
	bool ok;
	char cls[16];
	char msg[ERR_LEN];
	char info[ERR_LEN];
	int64_t t_ms;
	bool rebuilt;
	bool got_thresholds;
	struct bmc_wd_status wd;
};

struct bmc {
	struct loop *loop;
	struct ipmi_conf conf;
	char cache_dir[PATH_MAX];
	src_emit_cb emit;
	void *arg;
	struct job job;
	/* one watchdog request waiting for the child slot */
	bool wd_pending;
	struct bmc_job_req wd_req;
	bmc_done_cb wd_done;
	void *wd_arg;
	/* scheduling */
	int64_t next_ms;
	int64_t thr_ms; /* last threshold fetch, 0 = never */
	bool new_sensor;
	/* errors, logged once */
	char last_err[ERR_LEN];
	char last_info[ERR_LEN];
	struct bmc_stats st;
	int n_sens;
	struct sens sens[MAX_SENS];
};

enum eng_class
bmc_class_of_name(const char *name)
{
	if (strcasestr(name, "inlet") != NULL ||
	    strcasestr(name, "ambient") != NULL ||
	    strcasestr(name, "front panel") != NULL)
		return ENG_CLASS_INLET;
	if (strcasestr(name, "exhaust") != NULL ||
	    strcasestr(name, "outlet") != NULL)
		return ENG_CLASS_EXHAUST;
	if (strcasestr(name, "cpu") != NULL)
		return ENG_CLASS_CPU;
	return ENG_CLASS_OTHER;
}

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

static struct bmc *
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
	b->job.buf = malloc(OUT_MAX);
	if (b->job.buf == NULL) {
		free(b);
		return NULL;
	}
	set_cache_dir(b, state_dir);
	b->st.label = bmc_conf_label(&b->conf);
	b->st.last_error = b->last_err;
	return b;
}

struct bmc *
bmc_create(struct loop *l, const struct ipmi_conf *c, const char *state_dir,
    src_emit_cb emit, void *arg)
{
	return bmc_alloc(l, c, state_dir, emit, arg);
}

/* ---- the child ---- */

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

/* The child's output, kept whole (up to OUT_MAX) for parsing at the end. */
static void
on_output(void *arg, int stream, const char *data, size_t n)
{
	struct bmc *b = arg;
	struct job *j = &b->job;

	(void)stream;
	if (data == NULL)
		return;
	if (j->len + n > OUT_MAX - 1) {
		j->overflow = true;
		return;
	}
	memcpy(j->buf + j->len, data, n);
	j->len += n;
}

static void on_deadline(void *arg);
static void on_done(void *arg, const struct child_result *r);

static void
child_spec_of(struct bmc *b, struct child_spec *cs)
{
	memset(cs, 0, sizeof(*cs));
	cs->fn = child_main;
	cs->fn_arg = b;
	cs->deadline_s = b->conf.deadline_s;
	cs->output = on_output;
	cs->deadline = on_deadline;
	cs->done = on_done;
	cs->arg = b;
}

/* ---- parsing ---- */

static double
num(const char *s)
{
	char *end;
	double v;

	if (strcmp(s, "nan") == 0)
		return NAN;
	v = strtod(s, &end);
	return *end == '\0' && isfinite(v) ? v : NAN;
}

/* Split line at tabs into at most max fields; returns the count. The last
 * field takes the rest of the line. */
static int
fields(char *line, char **f, int max)
{
	int n = 0;
	char *p = line, *t;

	while (n < max - 1 && (t = strchr(p, '\t')) != NULL) {
		*t = '\0';
		f[n++] = p;
		p = t + 1;
	}
	f[n++] = p;
	return n;
}

static struct sens *
sens_find(struct bmc *b, int rid)
{
	int i;

	for (i = 0; i < b->n_sens; i++)
		if (b->sens[i].rid == rid)
			return &b->sens[i];
	return NULL;
}

static struct sens *
sens_get(struct bmc *b, int rid, int snum, const char *name)
{
	struct sens *s = sens_find(b, rid);

	if (s != NULL && strcmp(s->name, name) != 0) {
		/* The SDR changed under the same record id: start over. */
		s->unc = s->uc = s->unr = NAN;
		s->thr_known = false;
		snprintf(s->name, sizeof(s->name), "%s", name);
		b->new_sensor = true;
	}
	if (s == NULL) {
		if (b->n_sens == MAX_SENS)
			return NULL;
		s = &b->sens[b->n_sens++];
		s->rid = rid;
		s->unc = s->uc = s->unr = NAN;
		s->thr_known = false;
		snprintf(s->name, sizeof(s->name), "%s", name);
		b->new_sensor = true;
	}
	s->snum = snum;
	return s;
}

static const char *
hw_state(char c)
{
	switch (c) {
	case 'n':
		return "nominal";
	case 'w':
		return "warning";
	case 'c':
		return "critical";
	default:
		return NULL;
	}
}

static void
set_trip(const struct ipmi_conf *c, const struct sens *s, struct src_reading *r)
{
	double first = c->trip == IPMI_TRIP_UNR ? s->unr : s->uc;
	double second = c->trip == IPMI_TRIP_UNR ? s->uc : s->unr;
	const char *fn = c->trip == IPMI_TRIP_UNR ? "upper-non-recoverable"
						  : "upper-critical";
	const char *sn = c->trip == IPMI_TRIP_UNR ? "upper-critical"
						  : "upper-non-recoverable";

	/* The configured threshold, else the other upper one, else none
	 * (the engine then uses the class default). */
	if (!isnan(first)) {
		r->trip_c = first;
		r->trip_from = fn;
	} else if (!isnan(second)) {
		r->trip_c = second;
		r->trip_from = sn;
	} else {
		r->trip_c = NAN;
		r->trip_from = NULL;
	}
}

/*
 * Parse a job's output. For a read, sensors and thresholds go into b's
 * table (first pass) and readings are emitted (second pass, so that a
 * T line after its S line is used in the same cycle). Returns the number
 * of readings emitted (reads), 0 otherwise; res says ok or not.
 */
static int
parse(struct bmc *b, struct job *j, struct result *res, bool do_emit)
{
	char *line, *next, *f[8];
	struct sens *s;
	struct src_reading r;
	int n, pass, emitted = 0, i, dup;
	size_t off;

	memset(res, 0, sizeof(*res));
	res->wd.present_s = NAN;
	j->buf[j->len] = '\0';
	/* Pass 0: the outcome and the table; pass 1: emit. */
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1 && (!res->ok || j->req.kind != BMC_JOB_READ))
			break;
		if (pass == 1)
			for (i = 0; i < b->n_sens; i++)
				b->sens[i].seen = false;
		for (off = 0; off < j->len; off = (size_t)(next - j->buf)) {
			char copy[ERR_LEN + 64];
			size_t ll;

			line = j->buf + off;
			next = strchr(line, '\n');
			if (next == NULL)
				break; /* partial line: the child died */
			next++;
			/* Longer lines (messages) are cut, not dropped. */
			ll = (size_t)(next - line - 1);
			if (ll >= sizeof(copy))
				ll = sizeof(copy) - 1;
			memcpy(copy, line, ll);
			copy[ll] = '\0';
			n = fields(copy, f, 8);
			if (pass == 0) {
				if (f[0][0] == 'E' && n >= 3) {
					snprintf(res->cls, sizeof(res->cls),
					    "%s", f[1]);
					snprintf(res->msg, sizeof(res->msg),
					    "%s", f[2]);
				} else if (f[0][0] == 'K' && n >= 3) {
					res->ok = true;
					res->t_ms = strtoll(f[1], NULL, 10);
					res->rebuilt = f[2][0] == '1';
				} else if (f[0][0] == 'I' && n >= 2) {
					snprintf(res->info, sizeof(res->info),
					    "%s", f[1]);
				} else if (f[0][0] == 'S' && n >= 6) {
					sens_get(
					    b, atoi(f[1]), atoi(f[2]), f[5]);
				} else if (f[0][0] == 'T' && n >= 6) {
					s = sens_find(b, atoi(f[1]));
					if (s == NULL)
						continue;
					s->unc = num(f[2]);
					s->uc = num(f[3]);
					s->unr = num(f[4]);
					res->got_thresholds = true;
				} else if (f[0][0] == 'G' && n >= 6) {
					unsigned use = (unsigned)atoi(f[1]);

					res->wd.running = (use & 0x40) != 0;
					res->wd.timer_use = (int)(use & 0x07);
					res->wd.action = atoi(f[2]) & 0x07;
					res->wd.expired_sms_os = (atoi(f[3]) &
								     0x10) != 0;
					res->wd.initial_s = atoi(f[4]) / 10.0;
					if (atoi(f[5]) >= 0)
						res->wd.present_s = atoi(f[5]) /
						    10.0;
				}
				continue;
			}
			if (f[0][0] != 'S' || n < 6)
				continue;
			s = sens_find(b, atoi(f[1]));
			if (s == NULL)
				continue;
			s->seen = true;
			if (!do_emit)
				continue;
			/* A name seen twice gets its sensor number. */
			dup = 0;
			for (i = 0; i < b->n_sens; i++)
				if (&b->sens[i] != s &&
				    strcmp(b->sens[i].name, s->name) == 0)
					dup = 1;
			memset(&r, 0, sizeof(r));
			if (dup)
				snprintf(r.id, sizeof(r.id), "ipmi:%s/%s #%d",
				    bmc_conf_label(&b->conf), s->name, s->snum);
			else
				snprintf(r.id, sizeof(r.id), "ipmi:%s/%s",
				    bmc_conf_label(&b->conf), s->name);
			r.source = "ipmi";
			r.cls = bmc_class_of_name(s->name);
			r.value_c = num(f[4]);
			r.quality = isnan(r.value_c) ? ENG_Q_UNAVAILABLE
						     : ENG_Q_OK;
			r.max_c = s->unc;
			r.crit_c = s->uc;
			r.emergency_c = s->unr;
			set_trip(&b->conf, s, &r);
			r.hw_state = hw_state(f[3][0]);
			r.t_ms = res->t_ms;
			b->emit(b->arg, &r);
			emitted++;
		}
	}
	if (!res->ok && res->msg[0] == '\0') {
		if (j->killed)
			snprintf(res->msg, sizeof(res->msg), KILLED_FMT,
			    b->conf.deadline_s);
		else if (j->overflow)
			snprintf(res->msg, sizeof(res->msg),
			    "IPMI child "
			    "output too long");
		else
			snprintf(res->msg, sizeof(res->msg),
			    "IPMI child "
			    "ended without a result");
		snprintf(res->cls, sizeof(res->cls), "%s", BMC_E_CONN);
	}
	return emitted;
}

/* After a successful read: thresholds bookkeeping. */
static void
read_done(struct bmc *b, const struct result *res, int64_t now)
{
	int i, n = 0;

	if (res->got_thresholds || b->job.req.want_thresholds || res->rebuilt) {
		b->thr_ms = now;
		b->new_sensor = false;
		for (i = 0; i < b->n_sens; i++)
			if (b->sens[i].seen)
				b->sens[i].thr_known = true;
	}
	for (i = 0; i < b->n_sens; i++)
		if (b->sens[i].seen)
			n++;
	b->st.n_sensors = n;
}

static bool
want_thresholds(const struct bmc *b, int64_t now)
{
	return b->thr_ms == 0 || b->new_sensor ||
	    now - b->thr_ms >= (int64_t)(b->conf.thresholds_refresh_s * 1000);
}

/* ---- the asynchronous side ---- */

static void start_job(struct bmc *b, const struct bmc_job_req *req,
    bmc_done_cb done, void *arg, int64_t now);

static int64_t
backoff_ms(const struct bmc *b, const char *cls)
{
	double base = b->conf.interval_s > 1.0 ? b->conf.interval_s : 1.0;
	double d = base;
	int i;

	/* Authentication failures do not heal by retrying, and many BMCs
	 * lock an account after a few: wait the longest at once. */
	if (strcmp(cls, BMC_E_AUTH) == 0)
		return (int64_t)(b->conf.backoff_max_s * 1000);
	for (i = 1; i < b->st.failures && d < b->conf.backoff_max_s; i++)
		d *= 2;
	if (d > b->conf.backoff_max_s)
		d = b->conf.backoff_max_s;
	return (int64_t)(d * 1000);
}

static void
finish_read(struct bmc *b, struct job *j, int64_t now)
{
	struct result res;
	int64_t delay;

	b->st.last_duration_ms = now - j->start_ms;
	if (j->preempted) {
		/* Killed to make room for a watchdog request: not a BMC
		 * failure; read again at the next poll. */
		b->next_ms = 0;
		return;
	}
	parse(b, j, &res, true);
	if (res.info[0] != '\0' && strcmp(res.info, b->last_info) != 0) {
		log_warnx("ipmi %s: %s", b->st.label, res.info);
		snprintf(b->last_info, sizeof(b->last_info), "%s", res.info);
	}
	if (res.ok) {
		if (b->st.failures > 0)
			log_info("ipmi %s: readings back after %d failed "
				 "read%s",
			    b->st.label, b->st.failures,
			    b->st.failures > 1 ? "s" : "");
		b->st.failures = 0;
		b->st.reads_ok++;
		b->st.last_ok_ms = now;
		b->last_err[0] = '\0';
		read_done(b, &res, now);
		if (b->st.reads_ok == 1)
			log_info("ipmi %s: %d temperature sensor%s, first read "
				 "in %lld ms",
			    b->st.label, b->st.n_sensors,
			    b->st.n_sensors == 1 ? "" : "s",
			    (long long)b->st.last_duration_ms);
		if (res.got_thresholds)
			log_debug("ipmi %s: thresholds read%s", b->st.label,
			    res.rebuilt ? " (SDR cache rebuilt)" : "");
		b->next_ms = j->start_ms + (int64_t)(b->conf.interval_s * 1000);
		return;
	}
	b->st.failures++;
	b->st.reads_failed++;
	if (j->killed)
		b->st.reads_killed++;
	delay = backoff_ms(b, res.cls);
	b->next_ms = now + delay;
	if (strcmp(res.msg, b->last_err) != 0) {
		log_warnx("ipmi %s: %s (retrying in %.0f s, backing off up to "
			  "%g s)",
		    b->st.label, res.msg, delay / 1000.0,
		    b->conf.backoff_max_s);
		snprintf(b->last_err, sizeof(b->last_err), "%s", res.msg);
	} else {
		log_debug("ipmi %s: %s (failure %d, retrying in %.0f s)",
		    b->st.label, res.msg, b->st.failures, delay / 1000.0);
	}
}

static void
finish_wd(struct bmc *b, struct job *j)
{
	struct result res;
	char msg[ERR_LEN + 64];

	if (j->preempted) {
		snprintf(msg, sizeof(msg),
		    "ipmi %s: watchdog request "
		    "cancelled",
		    b->st.label);
		res.ok = false;
	} else {
		parse(b, j, &res, false);
		if (res.ok && j->req.kind == BMC_JOB_WD_ARM)
			snprintf(msg, sizeof(msg),
			    "ipmi %s: BMC watchdog "
			    "armed: %s in %.1f s unless disarmed",
			    b->st.label,
			    ipmi_wd_action_names[b->conf.watchdog.action],
			    j->req.countdown_ds / 10.0);
		else if (res.ok)
			snprintf(msg, sizeof(msg),
			    "ipmi %s: BMC watchdog "
			    "disarmed",
			    b->st.label);
		else
			snprintf(msg, sizeof(msg),
			    "ipmi %s: BMC watchdog "
			    "%s failed: %s",
			    b->st.label,
			    j->req.kind == BMC_JOB_WD_ARM ? "arm" : "disarm",
			    res.msg);
	}
	if (res.ok)
		log_info("%s", msg);
	else
		log_warnx("%s", msg);
	if (j->done != NULL)
		j->done(j->done_arg, res.ok ? 1 : 0, msg);
}

static void
finish(struct bmc *b, int64_t now)
{
	struct job *j = &b->job;
	struct bmc_job_req pending;
	bmc_done_cb done;
	void *arg;

	j->child = NULL;
	b->st.busy = false;
	if (j->req.kind == BMC_JOB_READ)
		finish_read(b, j, now);
	else
		finish_wd(b, j);
	if (b->wd_pending) {
		b->wd_pending = false;
		pending = b->wd_req;
		done = b->wd_done;
		arg = b->wd_arg;
		start_job(b, &pending, done, arg, now);
	}
}

static void
on_done(void *arg, const struct child_result *r)
{
	struct bmc *b = arg;

	(void)r;
	finish(b, loop_now_ms(b->loop));
}

static void
on_deadline(void *arg)
{
	struct bmc *b = arg;
	struct job *j = &b->job;
	char msg[128];

	j->killed = true;
	/* Say it now: a child stuck in the kernel may take long to die, and
	 * the read only finishes then. */
	snprintf(msg, sizeof(msg), KILLED_FMT, b->conf.deadline_s);
	if (j->req.kind == BMC_JOB_READ && strcmp(b->last_err, msg) != 0) {
		log_warnx("ipmi %s: %s", b->st.label, msg);
		snprintf(b->last_err, sizeof(b->last_err), "%s", msg);
	}
}

static void
start_job(struct bmc *b, const struct bmc_job_req *req, bmc_done_cb done,
    void *arg, int64_t now)
{
	struct job *j = &b->job;
	struct child_spec cs;
	char msg[ERR_LEN];

	j->req = *req;
	j->killed = false;
	j->preempted = false;
	j->len = 0;
	j->overflow = false;
	j->done = done;
	j->done_arg = arg;
	j->start_ms = now;
	child_spec_of(b, &cs);
	j->child = child_start(b->loop, &cs);
	if (j->child == NULL) {
		snprintf(msg, sizeof(msg),
		    "ipmi %s: cannot start the IPMI "
		    "child: %s",
		    b->st.label, strerror(errno));
		log_warnx("%s", msg);
		b->next_ms = now + 1000;
		if (req->kind != BMC_JOB_READ && done != NULL)
			done(arg, 0, msg);
		return;
	}
	b->st.busy = true;
}

void
bmc_poll(struct bmc *b, int64_t now_ms)
{
	struct bmc_job_req req;

	if (b == NULL)
		return;
	if (b->job.child != NULL || now_ms < b->next_ms) {
		b->st.polls_skipped++;
		return;
	}
	memset(&req, 0, sizeof(req));
	req.kind = BMC_JOB_READ;
	req.want_thresholds = want_thresholds(b, now_ms);
	start_job(b, &req, NULL, NULL, now_ms);
}

bool
bmc_busy(const struct bmc *b)
{
	return b != NULL && b->job.child != NULL;
}

void
bmc_get_stats(const struct bmc *b, struct bmc_stats *st)
{
	*st = b->st;
	st->next_ms = b->next_ms;
}

static int
countdown_ds(const struct ipmi_conf *c, int countdown_s)
{
	double s = countdown_s > 0 ? countdown_s : c->watchdog.countdown_s;
	long ds = lround(s * 10.0);

	return ds > 0xffff ? 0xffff : ds < 1 ? 1 : (int)ds;
}

static int
wd_request(struct bmc *b, enum bmc_job_kind kind, int countdown_s,
    bmc_done_cb done, void *arg)
{
	struct bmc_job_req req;

	memset(&req, 0, sizeof(req));
	req.kind = kind;
	req.countdown_ds = countdown_ds(&b->conf, countdown_s);
	if (b->wd_pending) {
		errno = EBUSY;
		return -1;
	}
	if (b->job.child == NULL) {
		start_job(b, &req, done, arg, loop_now_ms(b->loop));
		return 0;
	}
	b->wd_pending = true;
	b->wd_req = req;
	b->wd_done = done;
	b->wd_arg = arg;
	if (b->job.req.kind == BMC_JOB_READ) {
		/* The watchdog matters more than one cycle of readings. */
		b->job.preempted = true;
		child_kill(b->job.child);
	}
	return 0;
}

int
bmc_watchdog_arm(struct bmc *b, int countdown_s, bmc_done_cb done, void *arg)
{
	return wd_request(b, BMC_JOB_WD_ARM, countdown_s, done, arg);
}

int
bmc_watchdog_disarm(struct bmc *b, bmc_done_cb done, void *arg)
{
	return wd_request(b, BMC_JOB_WD_DISARM, 0, done, arg);
}

void
bmc_free(struct bmc *b)
{
	struct job *j;
	char msg[ERR_LEN];

	if (b == NULL)
		return;
	j = &b->job;
	snprintf(msg, sizeof(msg), "ipmi %s: cancelled (IPMI source stopped)",
	    b->st.label);
	if (j->child != NULL) {
		child_abandon(j->child, true, 200);
		if (j->req.kind != BMC_JOB_READ && j->done != NULL)
			j->done(j->done_arg, 0, msg);
	}
	if (b->wd_pending && b->wd_done != NULL)
		b->wd_done(b->wd_arg, 0, msg);
	free(j->buf);
	free(b);
}

/* ---- blocking variants ---- */

/* Run req in a child and wait for it, at most deadline_s. */
static void
run_blocking(struct bmc *b, const struct bmc_job_req *req)
{
	struct job *j = &b->job;
	struct child_spec cs;
	struct child_result r;

	j->req = *req;
	j->len = 0;
	j->killed = false;
	j->overflow = false;
	j->start_ms = loop_clock_ms();
	child_spec_of(b, &cs);
	cs.deadline = NULL;
	cs.done = NULL;
	if (child_run(&cs, &r) < 0) {
		j->len = (size_t)snprintf(j->buf, OUT_MAX,
		    "E\t%s\tcannot "
		    "start the IPMI child: %s\n",
		    BMC_E_OTHER, strerror(errno));
		return;
	}
	j->killed = r.timed_out;
}

static void
copy_err(
    const struct bmc *b, const struct result *res, char *err, size_t errlen)
{
	snprintf(err, errlen, "ipmi %s: %s", b->st.label, res->msg);
}

int
bmc_read_once(const struct ipmi_conf *c, const char *state_dir,
    src_emit_cb emit, void *arg, char *err, size_t errlen)
{
	struct bmc_job_req req;
	struct result res;
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
	n = parse(b, &b->job, &res, true);
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
	struct result res;
	struct bmc *b;

	b = bmc_alloc(NULL, c, NULL, NULL, NULL);
	if (b == NULL) {
		snprintf(err, errlen, "ipmi: out of memory");
		return -1;
	}
	memset(&req, 0, sizeof(req));
	req.kind = kind;
	req.countdown_ds = countdown_ds(c, countdown_s);
	run_blocking(b, &req);
	parse(b, &b->job, &res, false);
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
	char pw[BMC_PW_MAX + 1], msg[ERR_LEN];

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
