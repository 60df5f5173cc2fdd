/*
 * bmc_job.c - one exchange with a BMC as the agent sees it: the state of
 * a BMC source, the IPMI reader that does the exchange (thermwatch-ipmi,
 * run with an argv and its settings in the environment), and its reply
 * read back into results and readings.
 */
#include "bmc_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>

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

/* The settings for the reader, in thermwatch.conf syntax (BMC_CONF_ENV). */
static char *
settings_text(const struct ipmi_conf *c)
{
	char *text = NULL;
	size_t len = 0;
	config_t cfg;
	FILE *f;

	f = open_memstream(&text, &len);
	if (f == NULL)
		return NULL;
	config_init(&cfg);
	ipmi_conf_emit(config_root_setting(&cfg), c);
	config_write(&cfg, f);
	config_destroy(&cfg);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* path is an executable file. */
static bool
runnable(const char *path)
{
	return access(path, X_OK) == 0;
}

/*
 * The reader: $THERMWATCH_IPMI_HELPER, else next to the running program
 * (a build tree), else where the install put it relative to the running
 * program (any --prefix), else the configured path.
 */
static void
find_helper(char *path, size_t len)
{
	const char *env = getenv("THERMWATCH_IPMI_HELPER");
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env != NULL && env[0] == '/') {
		snprintf(path, len, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			if (snprintf(path, len, "%s/%s", self,
				BMC_HELPER_NAME) < (int)len &&
			    runnable(path))
				return;
			if (snprintf(path, len, "%s/%s/%s", self,
				TW_IPMI_HELPER_REL,
				BMC_HELPER_NAME) < (int)len &&
			    runnable(path))
				return;
		}
	}
	snprintf(path, len, "%s", TW_IPMI_HELPER);
}

struct bmc *
bmc_alloc(struct loop *l, const struct ipmi_conf *c, const char *state_dir,
    src_attach_cb attach, src_emit_cb emit, void *arg)
{
	struct bmc *b;

	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->loop = l;
	b->conf = *c;
	b->attach = attach;
	b->emit = emit;
	b->arg = arg;
	b->job.buf = malloc(BMC_OUT_MAX);
	if (b->job.buf == NULL) {
		free(b);
		return NULL;
	}
	set_cache_dir(b, state_dir);
	find_helper(b->helper, sizeof(b->helper));
	b->settings = settings_text(c);
	if (b->settings == NULL) {
		free(b->job.buf);
		free(b);
		return NULL;
	}
	b->st.label = bmc_conf_label(&b->conf);
	b->st.last_error = b->last_err;
	return b;
}

/* The child's reply, kept whole (up to BMC_OUT_MAX) for parsing at the
 * end. */
static void
on_output(void *arg, int stream, const char *data, size_t n)
{
	struct bmc *b = arg;
	struct bmc_job *j = &b->job;

	if (data == NULL)
		return;
	if (stream == 2) {
		/* the last words on stderr, for when no reply came */
		bmc_job_note(j, data, n);
		return;
	}
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
	int k = 0;

	j->req = *req;
	j->killed = false;
	j->preempted = false;
	j->len = 0;
	j->overflow = false;
	j->note[0] = '\0';
	j->done = NULL;
	j->done_arg = NULL;
	j->start_ms = now_ms;
	snprintf(j->deadline, sizeof(j->deadline), "%g", b->conf.deadline_s);
	j->argv[k++] = BMC_HELPER_NAME;
	j->argv[k++] = "-d";
	j->argv[k++] = j->deadline;
	j->argv[k++] = (char *)bmc_job_names[req->kind];
	if (req->kind == BMC_JOB_READ) {
		if (req->want_thresholds)
			j->argv[k++] = "--thresholds";
		j->argv[k++] = b->cache_dir;
	} else if (req->kind == BMC_JOB_WD_ARM) {
		snprintf(j->countdown, sizeof(j->countdown), "%d",
		    req->countdown_ds);
		j->argv[k++] = j->countdown;
	}
	j->argv[k] = NULL;
	memset(cs, 0, sizeof(*cs));
	cs->path = b->helper;
	cs->argv = j->argv;
	cs->deadline_s = b->conf.deadline_s;
	cs->output = on_output;
	cs->arg = b;
}

char **
bmc_job_env(const struct bmc *b)
{
	size_t n = 0, k = 0, len = strlen(BMC_CONF_ENV);
	char **env, *var;

	while (environ[n] != NULL)
		n++;
	env = calloc(n + 2, sizeof(*env));
	var = malloc(len + 2 + strlen(b->settings));
	if (env == NULL || var == NULL) {
		free(env);
		free(var);
		return NULL;
	}
	sprintf(var, "%s=%s", BMC_CONF_ENV, b->settings);
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], BMC_CONF_ENV "=", len + 1) != 0)
			env[k++] = environ[i];
	env[k++] = var;
	env[k] = NULL;
	return env;
}

void
bmc_job_env_free(char **env)
{
	size_t n = 0;

	if (env == NULL)
		return;
	while (env[n] != NULL)
		n++;
	free(env[n - 1]); /* ours, the last */
	free(env);
}

void
bmc_job_note(struct bmc_job *j, const char *data, size_t n)
{
	size_t cap = sizeof(j->note) - 1, have = strlen(j->note), drop;

	if (n >= cap) {
		data += n - cap;
		n = cap;
		have = 0;
	} else if (have + n > cap) {
		drop = have + n - cap;
		memmove(j->note, j->note + drop, have - drop);
		have -= drop;
	}
	memcpy(j->note + have, data, n);
	j->note[have + n] = '\0';
}

int
bmc_countdown_ds(const struct ipmi_conf *c, int countdown_s)
{
	double s = countdown_s > 0 ? countdown_s : c->watchdog.countdown_s;
	long ds = lround(s * 10.0);

	return ds > 0xffff ? 0xffff : ds < 1 ? 1 : (int)ds;
}

/* The last non-empty line of text, without its newline (in place). */
static const char *
last_line(char *text)
{
	char *end = text + strlen(text), *p;

	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	p = strrchr(text, '\n');
	return p != NULL ? p + 1 : text;
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
	if (r.id == NULL)
		return 1; /* out of memory: not read this time */
	if (s->id != r.id) {
		/* new, or its id changed (a name now seen twice); interned
		 * ids are equal when their pointers are */
		s->id = r.id;
		r.handle = -1;
		s->handle = b->attach != NULL ? b->attach(b->arg, &r) : 0;
		r.handle = s->handle;
	}
	if (r.handle >= 0)
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
			    "the IPMI reader %.300s ended without a "
			    "result%s%.400s",
			    b->helper, j->note[0] != '\0' ? ": " : "",
			    last_line(j->note));
		snprintf(res->cls, sizeof(res->cls), "%s", BMC_E_CONN);
	}
	return emitted;
}
