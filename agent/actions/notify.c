/*
 * notify.c - the notify hook: one run per state change, one at a time,
 * in order; when too many wait, the oldest waiting one is dropped. See
 * action.h.
 */
#include <stdio.h>

#include "action_int.h"
#include "log.h"

void
act_notify(struct act *act, const struct act_ctx *ctx)
{
	struct act_job *job = &act->notify;
	int i;

	if (!job->active) {
		job->ctx = *ctx;
		act_job_run(job);
		return;
	}
	/* One at a time, in order; when too many pile up the oldest
	 * waiting one goes (the newest says the most). */
	if (act->nq_len == ACT_NOTIFY_QUEUE) {
		log_warnx("notify: %d runs waiting, dropping %s",
		    ACT_NOTIFY_QUEUE, act->notify_q[act->nq_head].id);
		act->nq_head = (act->nq_head + 1) % ACT_NOTIFY_QUEUE;
		act->nq_len--;
	}
	i = (act->nq_head + act->nq_len) % ACT_NOTIFY_QUEUE;
	act->notify_q[i] = *ctx;
	act->nq_len++;
}

void
act_notify_next(struct act *act)
{
	struct act_job *job = &act->notify;

	while (!job->active && act->nq_len > 0) {
		job->ctx = act->notify_q[act->nq_head];
		act->nq_head = (act->nq_head + 1) % ACT_NOTIFY_QUEUE;
		act->nq_len--;
		act_job_run(job);
	}
}
