/*
 * loop.h - the agent's single-threaded event loop (poll + signalfd), after
 * Redis ae.h and chrony sched.h.
 *
 * Nothing registered here may block: a slow source (a BMC) runs in a child
 * process and is watched through a pipe fd and loop_watch_child().
 * The monotonic time is read once per wakeup and handed to every handler.
 */
#ifndef THERMWATCH_LOOP_H
#define THERMWATCH_LOOP_H

#include <stdint.h>
#include <sys/types.h>

#define LOOP_NOMORE (-1) /* a timer callback returns this to stop */

struct loop;

typedef void (*loop_fd_cb)(struct loop *l, int fd, short revents, void *arg);
/* Returns the delay in ms until the next call, or LOOP_NOMORE. */
typedef int64_t (*loop_timer_cb)(struct loop *l, int64_t now_ms, void *arg);
typedef void (*loop_child_cb)(struct loop *l, pid_t pid, int status, void *arg);
typedef void (*loop_signal_cb)(struct loop *l, int signo, void *arg);
/* Called before every poll(): a place to refresh fds (e.g. MQTT). */
typedef void (*loop_prepare_cb)(struct loop *l, void *arg);

/* Monotonic clock in ms (CLOCK_MONOTONIC). */
int64_t loop_clock_ms(void);

/* Blocks SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2, ignores SIGPIPE;
 * they are delivered through a signalfd. NULL on failure (errno set). */
struct loop *loop_create(void);
void loop_free(struct loop *l);

/* fd watchers: events are POLLIN/POLLOUT. One watcher per fd. */
int loop_add_fd(struct loop *l, int fd, short events, loop_fd_cb cb, void *arg);
int loop_set_fd_events(struct loop *l, int fd, short events);
void loop_del_fd(struct loop *l, int fd);

/* Timers: returns an id > 0, or -1. Delay 0 runs at the next wakeup. */
int
loop_add_timer(struct loop *l, int64_t delay_ms, loop_timer_cb cb, void *arg);
void loop_del_timer(struct loop *l, int id);

/* Called once when pid exits (status as from waitpid). Children nobody
 * watches are reaped too. */
int loop_watch_child(struct loop *l, pid_t pid, loop_child_cb cb, void *arg);
void loop_unwatch_child(struct loop *l, pid_t pid);

int loop_on_signal(struct loop *l, int signo, loop_signal_cb cb, void *arg);
int loop_add_prepare(struct loop *l, loop_prepare_cb cb, void *arg);

/* In a forked child before execve: unblock signals, default handlers. */
void loop_child_reset_signals(void);

/* Monotonic time of the current wakeup. */
int64_t loop_now_ms(const struct loop *l);
/* Run until loop_stop(); returns 0, or -1 on a fatal poll error. */
int loop_run(struct loop *l);
/* Run one iteration waiting at most max_wait_ms (tests, shutdown drains). */
int loop_run_once(struct loop *l, int64_t max_wait_ms);
void loop_stop(struct loop *l);

#endif
