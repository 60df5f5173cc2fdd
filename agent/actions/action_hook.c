/*
 * action_hook.c - run one hook program through the child runner (child.h):
 * resolve it in ACT_HOOK_PATH, cut its output into log lines within
 * output_max, turn its end into a result; or hand it to the privileged
 * part (priv_client.h) and take its report. See action_hook.h.
 */
#include "action_hook.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "priv_client.h"

#define LINE_MAX_LEN 1024 /* longer lines are handed on in pieces */

struct act_hook {
	struct child *child;
	struct prv_run *pr; /* through the privileged part instead */
	pid_t pid;
	size_t output_max;
	size_t total;
	size_t handed;
	size_t dropped;
	size_t blen[2];
	char buf[2][LINE_MAX_LEN + 1];
	act_hook_line_cb line;
	act_hook_done_cb done;
	void *arg;
};

const char *
act_hook_status_name(enum act_hook_status s)
{
	static const char *const names[] = { "ok", "failed", "signaled",
		"timeout", "error" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

void
act_hook_argv_text(char *const *argv, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; argv != NULL && argv[i] != NULL && off < len; i++)
		off += (size_t)snprintf(
		    buf + off, len - off, "%s%s", i > 0 ? " " : "", argv[i]);
}

static int
check_exec(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	if (access(path, X_OK) < 0)
		return -errno;
	return 0;
}

int
act_hook_resolve(const char *prog, char *buf, size_t len)
{
	const char *p, *end;
	int rc, best = -ENOENT;
	size_t n;

	if (prog == NULL || prog[0] == '\0')
		return -ENOENT;
	if (strchr(prog, '/') != NULL) {
		if (strlen(prog) >= len)
			return -ENAMETOOLONG;
		rc = check_exec(prog);
		if (rc == 0)
			memcpy(buf, prog, strlen(prog) + 1);
		return rc;
	}
	for (p = ACT_HOOK_PATH; *p != '\0'; p = *end ? end + 1 : end) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		n = (size_t)(end - p);
		if (n + 1 + strlen(prog) + 1 > len)
			continue;
		memcpy(buf, p, n);
		buf[n] = '/';
		memcpy(buf + n + 1, prog, strlen(prog) + 1);
		rc = check_exec(buf);
		if (rc == 0)
			return 0;
		if (rc == -EACCES)
			best = rc;
	}
	return best;
}

static void
emit_line(struct act_hook *h, int stream, const char *s, size_t n)
{
	char tmp[LINE_MAX_LEN + 1];
	size_t i;

	if (h->handed >= h->output_max) {
		h->dropped += n;
		return;
	}
	if (n > h->output_max - h->handed) {
		h->dropped += n - (h->output_max - h->handed);
		n = h->output_max - h->handed;
	}
	h->handed += n;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	/* The log is line-oriented text: no control characters in it. */
	for (i = 0; i < n; i++)
		if ((unsigned char)tmp[i] < 0x20 && tmp[i] != '\t')
			tmp[i] = ' ';
	if (h->line != NULL)
		h->line(h->arg, h->pid, stream, tmp);
}

static void
take_output(void *arg, int stream, const char *data, size_t n)
{
	struct act_hook *h = arg;
	int idx = stream - 1;
	size_t i;

	if (data == NULL) {
		/* the stream ended: a last line without its newline */
		if (h->blen[idx] > 0)
			emit_line(h, stream, h->buf[idx], h->blen[idx]);
		h->blen[idx] = 0;
		return;
	}
	h->total += n;
	for (i = 0; i < n; i++) {
		if (data[i] == '\n') {
			emit_line(h, stream, h->buf[idx], h->blen[idx]);
			h->blen[idx] = 0;
			continue;
		}
		h->buf[idx][h->blen[idx]++] = data[i];
		if (h->blen[idx] == LINE_MAX_LEN) {
			emit_line(h, stream, h->buf[idx], h->blen[idx]);
			h->blen[idx] = 0;
		}
	}
}

static void
on_exit_status(void *arg, const struct child_result *cr)
{
	struct act_hook *h = arg;
	struct act_hook_result r;
	act_hook_done_cb done = h->done;
	void *done_arg = h->arg;

	memset(&r, 0, sizeof(r));
	r.pid = cr->pid;
	r.exit_code = -1;
	r.duration_s = cr->duration_s;
	if (WIFEXITED(cr->status)) {
		r.exit_code = WEXITSTATUS(cr->status);
		r.status = r.exit_code == 0 ? ACT_HOOK_OK : ACT_HOOK_FAILED;
	} else if (WIFSIGNALED(cr->status)) {
		r.signo = WTERMSIG(cr->status);
		r.status = ACT_HOOK_SIGNALED;
	} else {
		r.status = ACT_HOOK_FAILED;
	}
	if (cr->timed_out)
		r.status = ACT_HOOK_TIMEOUT;
	r.output_bytes = h->total;
	r.output_dropped = h->dropped;
	free(h);
	if (done != NULL)
		done(done_arg, &r);
}

static void
priv_line(void *arg, pid_t pid, int stream, const char *line)
{
	struct act_hook *h = arg;

	if (h->line != NULL)
		h->line(h->arg, pid, stream, line);
}

static void
priv_done(void *arg, const struct act_hook_result *pr, enum prv_status st,
    const char *msg)
{
	struct act_hook *h = arg;
	struct act_hook_result r = *pr;
	act_hook_done_cb done = h->done;
	void *done_arg = h->arg;

	(void)msg;
	r.dry_run = st == PRV_DRY_RUN;
	if (st == PRV_NONE) {
		/* privd's configuration has no such hook: ours does */
		r.status = ACT_HOOK_ERROR;
		r.err = ENOENT;
	}
	free(h);
	if (done != NULL)
		done(done_arg, &r);
}

static struct act_hook *
start_priv(const struct act_hook_spec *s, struct act_hook_result *res)
{
	struct prv_run_spec ps;
	struct act_hook *h;
	char err[256];

	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		res->err = errno;
		return NULL;
	}
	h->line = s->line;
	h->done = s->done;
	h->arg = s->arg;
	memset(&ps, 0, sizeof(ps));
	ps.kind = s->kind;
	ps.id = s->id;
	ps.attempt = s->attempt;
	ps.dry_run = s->dry_run;
	ps.envp = s->envp;
	ps.line = priv_line;
	ps.done = priv_done;
	ps.arg = h;
	h->pr = prv_run_start(s->priv, &ps, err, sizeof(err));
	if (h->pr == NULL) {
		res->err = ENOTCONN;
		free(h);
		return NULL;
	}
	res->status = ACT_HOOK_OK;
	return h;
}

struct act_hook *
act_hook_start(
    struct loop *l, const struct act_hook_spec *s, struct act_hook_result *res)
{
	struct child_spec cs;
	char path[PATH_MAX];
	struct act_hook *h;
	int rc;

	memset(res, 0, sizeof(*res));
	res->status = ACT_HOOK_ERROR;
	res->exit_code = -1;
	if (s->argv == NULL || s->argv[0] == NULL) {
		res->err = EINVAL;
		return NULL;
	}
	if (s->priv != NULL)
		return start_priv(s, res);
	rc = act_hook_resolve(s->argv[0], path, sizeof(path));
	if (rc < 0) {
		res->err = -rc;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		res->err = errno;
		return NULL;
	}
	h->output_max = s->output_max;
	h->line = s->line;
	h->done = s->done;
	h->arg = s->arg;
	memset(&cs, 0, sizeof(cs));
	cs.path = path;
	cs.argv = s->argv;
	cs.envp = s->envp;
	cs.own_group = true;
	cs.deadline_s = s->timeout_s;
	cs.term_first = true;
	cs.kill_after_s = s->kill_after_s;
	cs.output = take_output;
	cs.done = on_exit_status;
	cs.arg = h;
	h->child = child_start(l, &cs);
	if (h->child == NULL) {
		res->err = errno;
		free(h);
		return NULL;
	}
	h->pid = child_pid(h->child);
	res->status = ACT_HOOK_OK;
	res->pid = h->pid;
	return h;
}

pid_t
act_hook_pid(const struct act_hook *h)
{
	return h->pr != NULL ? prv_run_pid(h->pr) : h->pid;
}

void
act_hook_abandon(struct act_hook *h, bool kill_it)
{
	if (h == NULL)
		return;
	if (h->pr != NULL)
		prv_run_abandon(h->pr, kill_it);
	else
		child_abandon(h->child, kill_it, 0);
	free(h);
}
