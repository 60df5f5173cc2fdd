/*
 * capacity.c - this host's offer: the config's values, refreshed from the
 * capacity command on a timer. See capacity.h.
 */
#include "capacity.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "child.h"
#include "log.h"

#define OUT_MAX 4096 /* stdout kept for the parse */
#define ENV_N   8
#define ENV_LEN 160

/* The same fixed path as the hooks get (thermwatchd(8)). */
#define CAP_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct capacity {
	struct capacity_env env;
	struct agent_group id;
	struct fleet_conf conf; /* capacity_command is our own copy */
	struct mqm_offer offer;
	struct child *child;
	char out[OUT_MAX + 1];
	size_t out_len;
	bool out_cut;
	char err_line[256];
	int timer;
	struct capacity_stats st;
	bool failing; /* log a failure once per streak */
};

static void
set_offer(struct capacity *c, const struct mqm_offer *cmd)
{
	struct mqm_offer o;

	mqm_offer_init(&o);
	snprintf(o.uri, sizeof(o.uri), "%s", c->conf.migrate_uri);
	o.spare_vms = cmd != NULL && cmd->spare_vms >= 0 ? cmd->spare_vms
							 : c->conf.spare_vms;
	o.spare_mem_mb = cmd != NULL && cmd->spare_mem_mb >= 0
	    ? cmd->spare_mem_mb
	    : c->conf.spare_mem_mb;
	if (mqm_offer_same(&o, &c->offer))
		return;
	c->offer = o;
	if (c->env.changed != NULL)
		c->env.changed(c->env.arg, &c->offer);
}

static void
failed(struct capacity *c, const char *fmt, const char *what)
{
	c->st.failures++;
	if (!c->failing)
		log_warnx(fmt, c->conf.capacity_command[0], what);
	c->failing = true;
	set_offer(c, NULL);
}

static void
on_output(void *arg, int stream, const char *data, size_t n)
{
	struct capacity *c = arg;
	size_t room;

	if (data == NULL)
		return;
	if (stream == 2) {
		/* the last line of stderr says why, when it fails */
		room = sizeof(c->err_line) - 1;
		n = n < room ? n : room;
		memcpy(c->err_line, data, n);
		c->err_line[n] = '\0';
		c->err_line[strcspn(c->err_line, "\r\n")] = '\0';
		return;
	}
	room = OUT_MAX - c->out_len;
	if (n > room) {
		c->out_cut = true;
		n = room;
	}
	memcpy(c->out + c->out_len, data, n);
	c->out_len += n;
}

static void
on_done(void *arg, const struct child_result *r)
{
	struct capacity *c = arg;
	struct mqm_offer o;
	char why[320], err[160];

	c->child = NULL;
	c->out[c->out_len] = '\0';
	if (r->timed_out) {
		snprintf(why, sizeof(why), "timed out after %.1f s",
		    c->conf.capacity_timeout_s);
		failed(c, "capacity command %s: %s", why);
		return;
	}
	if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0) {
		snprintf(why, sizeof(why), "%s %d%s%s",
		    WIFEXITED(r->status) ? "exit" : "signal",
		    WIFEXITED(r->status) ? WEXITSTATUS(r->status)
					 : WTERMSIG(r->status),
		    c->err_line[0] != '\0' ? ": " : "", c->err_line);
		failed(c, "capacity command %s: %s", why);
		return;
	}
	mqm_offer_init(&o);
	if (c->out_cut) {
		snprintf(
		    why, sizeof(why), "more than %d bytes of output", OUT_MAX);
		failed(c, "capacity command %s: %s", why);
		return;
	}
	if (mqm_capacity_parse(c->out, c->out_len, &o, err, sizeof(err)) < 0) {
		failed(
		    c, "capacity command %s: output not understood: %s", err);
		return;
	}
	if (c->failing)
		log_info("capacity command %s works again",
		    c->conf.capacity_command[0]);
	c->failing = false;
	c->st.last_ok_ms = loop_now_ms(c->env.loop);
	set_offer(c, &o);
}

static void
run(struct capacity *c)
{
	char buf[ENV_N][ENV_LEN], *envp[ENV_N + 1];
	struct child_spec cs;
	int n = 0;

#define ENV(...) snprintf(buf[n], ENV_LEN, __VA_ARGS__), envp[n] = buf[n], n++
	ENV("PATH=%s", CAP_PATH);
	ENV("THERMWATCH_HOST=%s", c->id.host);
	ENV("THERMWATCH_SITE=%s", c->id.site);
	ENV("THERMWATCH_ZONE=%s", c->id.zone);
	ENV("THERMWATCH_TIER=%d", c->id.tier);
	ENV("THERMWATCH_TIMEOUT_S=%g", c->conf.capacity_timeout_s);
#undef ENV
	envp[n] = NULL;
	c->out_len = 0;
	c->out_cut = false;
	c->err_line[0] = '\0';
	memset(&cs, 0, sizeof(cs));
	cs.path = c->conf.capacity_command[0];
	cs.argv = c->conf.capacity_command;
	cs.envp = envp;
	cs.own_group = true;
	cs.deadline_s = c->conf.capacity_timeout_s;
	cs.term_first = true;
	cs.kill_after_s = 1.0;
	cs.output = on_output;
	cs.done = on_done;
	cs.arg = c;
	c->st.runs++;
	c->child = child_start(c->env.loop, &cs);
	if (c->child == NULL)
		failed(c, "capacity command %s: %s", strerror(errno));
}

static int64_t
timer_cb(struct loop *l, int64_t now_ms, void *arg)
{
	struct capacity *c = arg;

	(void)l;
	(void)now_ms;
	if (c->child == NULL)
		run(c);
	return (int64_t)(c->conf.capacity_interval_s * 1000.0);
}

struct capacity *
capacity_create(const struct capacity_env *env)
{
	struct capacity *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		log_warn("capacity");
		return NULL;
	}
	c->env = *env;
	c->id = *env->id;
	c->conf = *env->conf;
	c->conf.capacity_command = NULL;
	if (env->conf->capacity_command != NULL &&
	    (c->conf.capacity_command = cnf_strv_dup(
		 env->conf->capacity_command)) == NULL) {
		log_warn("capacity");
		free(c);
		return NULL;
	}
	mqm_offer_init(&c->offer);
	c->offer.spare_vms = -2; /* differs from anything: announce once */
	set_offer(c, NULL);
	if (c->conf.capacity_command != NULL) {
		c->timer = loop_add_timer(env->loop, 0, timer_cb, c);
		if (c->timer < 0) {
			log_warn("capacity: timer");
			c->timer = 0;
		}
	}
	return c;
}

void
capacity_free(struct capacity *c)
{
	if (c == NULL)
		return;
	if (c->timer > 0)
		loop_del_timer(c->env.loop, c->timer);
	child_abandon(c->child, true, 0);
	cnf_strv_free(c->conf.capacity_command);
	free(c);
}

const struct mqm_offer *
capacity_offer(const struct capacity *c)
{
	return &c->offer;
}

void
capacity_get_stats(const struct capacity *c, struct capacity_stats *st)
{
	*st = c->st;
}
