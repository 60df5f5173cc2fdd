/*
 * cpubusy.c - the host's CPU utilisation from /proc/stat (see
 * cpubusy.h).
 */
#include "cpubusy.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* The fields of the "cpu " line (proc(5)); Linux 2.4 has the first 4,
 * 2.6 adds iowait, irq and softirq, 2.6.11 steal, 2.6.24 guest, 2.6.33
 * guest_nice. Fields a kernel does not have count as 0, fields after
 * guest_nice are ignored. */
enum {
	F_USER,
	F_NICE,
	F_SYSTEM,
	F_IDLE,
	F_IOWAIT,
	F_IRQ,
	F_SOFTIRQ,
	F_STEAL,
	F_GUEST,
	F_GUEST_NICE,
	F_COUNT
};
#define F_MIN 4

/* A failure warned about less than this after the last warning is logged
 * at debug level: a file that flaps says so once, not once a cycle. */
#define REWARN_MS (10 * 60 * 1000)

/* The line is at most "cpu " and 10 numbers of 20 digits (220 bytes). */
#define BUF_SIZE 512

struct cpb {
	int fd;
	bool have_prev;    /* busy and idle hold the baseline */
	uint64_t busy;     /* user + nice + system + irq + softirq */
	uint64_t idle;     /* idle + iowait + steal */
	bool failing;      /* no figure since the last failure */
	bool told;         /* ... and it was warned about */
	bool ever_warned;  /* warned_ms is set */
	int64_t warned_ms; /* the last warning */
	char why[128];     /* the last failure, "" after a figure */
	char path[];
};

struct cpb *
cpb_create(const char *path)
{
	struct cpb *c;
	size_t len;

	if (path == NULL)
		path = CPB_PROC_STAT;
	len = strlen(path) + 1;
	c = calloc(1, sizeof(*c) + len);
	if (c == NULL)
		return NULL;
	memcpy(c->path, path, len);
	c->fd = open(c->path, O_RDONLY | O_CLOEXEC);
	return c;
}

void
cpb_free(struct cpb *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

const char *
cpb_path(const struct cpb *c)
{
	return c->path;
}

const char *
cpb_error(const struct cpb *c)
{
	return c->why[0] != '\0' ? c->why : NULL;
}

static double fail(struct cpb *c, int64_t now_ms, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static double
fail(struct cpb *c, int64_t now_ms, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	if (c->failing)
		return NAN;
	c->failing = true;
	if (c->ever_warned && now_ms - c->warned_ms < REWARN_MS) {
		log_debug("cpu busy: %s: %s", c->path, c->why);
		c->told = false;
		return NAN;
	}
	log_warnx("cpu busy: %s: %s; the host's CPU utilisation is unknown "
		  "until it reads again",
	    c->path, c->why);
	c->told = true;
	c->ever_warned = true;
	c->warned_ms = now_ms;
	return NAN;
}

/* A decimal counter of at most 20 digits that fits 64 bits; *p moves
 * past it. */
static bool
counter(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	unsigned d;

	if (s >= end || *s < '0' || *s > '9')
		return false;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		d = (unsigned)(*s - '0');
		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*p = s;
	*v = x;
	return true;
}

/*
 * The fields of the first line of buf[0..n), which must be the aggregate
 * "cpu " line (the per-CPU lines are "cpu0 " ...). NULL, or why not.
 * full: the read filled the buffer (a line without its end is too long,
 * not the file's last).
 */
static const char *
parse(const char *buf, size_t n, bool full, uint64_t f[F_COUNT])
{
	const char *p = buf, *end = memchr(buf, '\n', n);
	int k = 0;
	uint64_t ignored;

	if (end == NULL) {
		if (full)
			return "its first line is too long";
		end = buf + n;
	}
	if (end - p < 4 || memcmp(p, "cpu ", 4) != 0)
		return "its first line is not the \"cpu \" line";
	p += 4;
	memset(f, 0, sizeof(*f) * F_COUNT);
	for (;;) {
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		if (!counter(&p, end, k < F_COUNT ? &f[k] : &ignored) ||
		    (p < end && *p != ' '))
			return "the \"cpu \" line has a field that is not a "
			       "counter";
		k++;
	}
	if (k < F_MIN)
		return "the \"cpu \" line has fewer than 4 counters";
	return NULL;
}

double
cpb_read(struct cpb *c, int64_t now_ms)
{
	char buf[BUF_SIZE];
	uint64_t f[F_COUNT], busy, idle, db, di;
	const char *why;
	ssize_t n;

	if (c->fd < 0) {
		c->fd = open(c->path, O_RDONLY | O_CLOEXEC);
		if (c->fd < 0) {
			c->have_prev = false;
			return fail(
			    c, now_ms, "cannot open it: %s", strerror(errno));
		}
	}
	n = pread(c->fd, buf, sizeof(buf), 0);
	if (n < 0) {
		int err = errno;

		/* opened afresh at the next read */
		close(c->fd);
		c->fd = -1;
		c->have_prev = false;
		return fail(c, now_ms, "cannot read it: %s", strerror(err));
	}
	why = parse(buf, (size_t)n, (size_t)n == sizeof(buf), f);
	if (why != NULL) {
		c->have_prev = false;
		return fail(c, now_ms, "%s", why);
	}
	busy = f[F_USER] + f[F_NICE] + f[F_SYSTEM] + f[F_IRQ] + f[F_SOFTIRQ];
	idle = f[F_IDLE] + f[F_IOWAIT] + f[F_STEAL];
	if (!c->have_prev) {
		c->have_prev = true;
		c->busy = busy;
		c->idle = idle;
		c->why[0] = '\0';
		return NAN;
	}
	if (busy < c->busy || idle < c->idle) {
		/* a new baseline: the next read can give a figure again */
		c->busy = busy;
		c->idle = idle;
		return fail(c, now_ms, "counters went backwards");
	}
	db = busy - c->busy;
	di = idle - c->idle;
	if (db + di == 0)
		return fail(
		    c, now_ms, "counters did not move since the last read");
	c->busy = busy;
	c->idle = idle;
	c->why[0] = '\0';
	if (c->failing) {
		c->failing = false;
		if (c->told)
			log_info("cpu busy: %s reads again", c->path);
		else
			log_debug("cpu busy: %s reads again", c->path);
	}
	return (double)db / (double)(db + di);
}
