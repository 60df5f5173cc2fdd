/*
 * priv_proto.h - the one channel between thermwatchd (the long-lived agent,
 * user thermwatch) and thermwatch-privd (its privileged part, root): the
 * messages, their limits, and the checks both sides make. thermwatchd(8),
 * section PRIVILEGES, describes the same protocol for administrators.
 *
 * Transport: one connected SOCK_SEQPACKET socket, so each message is one
 * packet: a JSON object of at most PRV_MSG_MAX bytes, never split, never
 * joined. Requests go from the agent to privd; privd answers each one and
 * reports hook output and ends as they happen.
 *
 *   agent -> privd
 *   {"req":"hello","version":1}              first, once
 *   {"req":"run","id":ID,"kind":KIND,"attempt":N,"dry_run":B,"env":{...}}
 *   {"req":"kill","id":ID}                   SIGKILL a running hook
 *   {"req":"watchdog","countdown_s":N}       arm the BMC watchdog
 *   {"req":"reload"}                         re-read the configuration
 *
 *   privd -> agent
 *   {"rep":"hello","version":1,"pid":P}
 *   {"rep":"started","id":ID,"pid":P}        the hook runs
 *   {"rep":"line","id":ID,"stream":1|2,"text":T}   one line of its output
 *   {"rep":"done","id":ID,"status":S,"exit":E,"signal":G,"duration_s":D,
 *    "output_dropped":N,"program":ARGV0,"would_run":TEXT}
 *   {"rep":"watchdog","ok":B,"msg":M}
 *   {"rep":"reloaded","ok":B,"msg":M}
 *   {"rep":"refused","req":R,"id":ID,"why":W}   anything else (and logged;
 *                                            ID "" when there is none)
 *
 * What a request cannot do, by construction: name a program (the hook of a
 * KIND is the argv in privd's own copy of the configuration), set PATH or
 * any variable outside THERMWATCH_* (so no LD_PRELOAD, BASH_ENV, IFS...),
 * switch a dry run off (privd runs nothing when its configuration or the
 * request says dry run), set a hook's timeout (privd's configuration), or
 * run more than PRV_RUNS_MAX hooks at once.
 *
 * ID: 1 to PRV_ID_MAX of [A-Za-z0-9._:-]. KIND: notify, migrate, shutdown,
 * on_boot_hold. attempt: 1 to PRV_ATTEMPT_MAX. env: at most PRV_ENV_MAX
 * names THERMWATCH_[A-Z0-9_] (up to PRV_ENV_NAME_MAX characters) with
 * string values of at most PRV_ENV_VALUE_MAX bytes and no control
 * characters. countdown_s: 1 to 6553 (the IPMI watchdog counts 100 ms in
 * 16 bits). S: ok, failed, signaled, timeout, error, dry_run, none (no hook
 * of that kind is configured).
 */
#ifndef THERMWATCH_PRIV_PROTO_H
#define THERMWATCH_PRIV_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "conf_actions.h"

#define PRV_VERSION      1
#define PRV_MSG_MAX      16384
#define PRV_ID_MAX       95
#define PRV_ATTEMPT_MAX  1000
#define PRV_ENV_MAX      32
#define PRV_ENV_NAME_MAX 48
#define PRV_ENV_VALUE_MAX \
	4096 /* THERMWATCH_DESTINATIONS: 4096 (thermwatchd(8)) */
#define PRV_TEXT_MAX      1024 /* a line, a message, an argv as text */
#define PRV_COUNTDOWN_MAX 6553
#define PRV_RUNS_MAX      4

enum prv_req_type {
	PRV_REQ_HELLO,
	PRV_REQ_RUN,
	PRV_REQ_KILL,
	PRV_REQ_WATCHDOG,
	PRV_REQ_RELOAD
};

struct prv_env {
	char name[PRV_ENV_NAME_MAX + 1];
	char value[PRV_ENV_VALUE_MAX + 1];
};

struct prv_request {
	enum prv_req_type type;
	int version;             /* hello */
	char id[PRV_ID_MAX + 1]; /* run, kill */
	enum act_kind kind;      /* run */
	int attempt;             /* run */
	bool dry_run;            /* run */
	int n_env;               /* run */
	struct prv_env env[PRV_ENV_MAX];
	int countdown_s; /* watchdog */
};

enum prv_rep_type {
	PRV_REP_HELLO,
	PRV_REP_STARTED,
	PRV_REP_LINE,
	PRV_REP_DONE,
	PRV_REP_WATCHDOG,
	PRV_REP_RELOADED,
	PRV_REP_REFUSED
};

/* A hook run's end as privd reports it. */
enum prv_status {
	PRV_OK,
	PRV_FAILED,
	PRV_SIGNALED,
	PRV_TIMEOUT,
	PRV_ERROR,
	PRV_DRY_RUN,
	PRV_NONE
};

struct prv_reply {
	enum prv_rep_type type;
	int version;             /* hello */
	pid_t pid;               /* hello (privd), started (the hook) */
	char id[PRV_ID_MAX + 1]; /* started, line, done, refused */
	int stream;              /* line: 1 stdout, 2 stderr */
	/* line: the text; done: would_run; watchdog, reloaded: msg;
	 * refused: why */
	char text[PRV_TEXT_MAX + 1];
	enum prv_status status;         /* done */
	int exit_code;                  /* done: -1 unless it exited */
	int signo;                      /* done: 0 unless a signal ended it */
	double duration_s;              /* done */
	long output_dropped;            /* done */
	char program[PRV_TEXT_MAX + 1]; /* done: argv[0] */
	bool ok;                        /* watchdog, reloaded */
	char req[16];                   /* refused: the request's name */
};

/* "hello", "run", ... and "ok", "failed", ..., "dry_run", "none". */
const char *prv_req_name(enum prv_req_type t);
const char *prv_status_name(enum prv_status s);

/*
 * Check one request as it came off the socket (n bytes, not
 * NUL-terminated). 0 with *r filled, or -1 with the reason in why (and
 * the request's name, "?" when there is none, in req): privd refuses it.
 */
int prv_request_parse(const char *msg, size_t n, struct prv_request *r,
    char *req, size_t reqlen, char *why, size_t whylen);
/* The same for a reply (the agent checks privd too). */
int prv_reply_parse(
    const char *msg, size_t n, struct prv_reply *r, char *why, size_t whylen);

/*
 * Encode into buf (at most PRV_MSG_MAX): the length, or -1 when it does not
 * fit or is not a valid message (what parse would refuse).
 */
int prv_request_encode(const struct prv_request *r, char *buf, size_t len);
int prv_reply_encode(const struct prv_reply *r, char *buf, size_t len);

/* Name and value acceptable in a request's env (the rule above). */
bool prv_env_ok(const char *name, const char *value);

/*
 * Messages waiting for the socket to take them (MSG_DONTWAIT): each side
 * queues what it sends and flushes on POLLOUT, so neither ever blocks on
 * the other.
 */
#define PRV_OUTQ_MAX 256
struct prv_outq {
	char *msg[PRV_OUTQ_MAX];
	size_t len[PRV_OUTQ_MAX];
	int head, n;
};
/* Copy msg in: 0, or -1 when the queue is full or out of memory. */
int prv_outq_push(struct prv_outq *q, const char *msg, size_t len);
/* Send what the socket takes: 0 when all is sent, 1 when some waits for
 * POLLOUT, -1 on an error (errno; the peer is gone). */
int prv_outq_flush(struct prv_outq *q, int fd);
void prv_outq_clear(struct prv_outq *q);

#endif
