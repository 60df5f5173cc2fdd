/*
 * mqtt_queue.c - bounded, persisted, in-order event queue (see mqtt_queue.h).
 */
#include "mqtt_queue.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"

#define HEADER "#thermwatch-mqtt-queue 1 next="

struct mqq {
	char *path; /* NULL: memory only */
	int fd;     /* append fd of the log, -1 if none */
	int max;
	int cap;  /* max + MQQ_NOISE_MAX + 1: noise, the dropped record */
	int size; /* slots of ring: grown up to cap as entries wait */
	int head;
	int count;
	int n_real;  /* real events queued (the dropped record is neither) */
	int n_noise; /* noise events queued */
	uint64_t noise_refused;
	uint64_t drop_noise; /* noise in the current dropped record */
	struct mqq_entry *ring;
	uint64_t next_seq;
	uint64_t dropped_total;
	long log_lines; /* lines in the log since the last compaction */
	int io_errors;
	mqq_drop_fn drop;
	void *drop_arg;
};

static struct mqq_entry *
ent(struct mqq *q, int i)
{
	return &q->ring[(q->head + i) % q->size];
}

/*
 * Room for one more entry. The ring grows as entries wait (by doubling,
 * up to cap) and is given back when the queue empties: a full-sized ring
 * (cap x 56 bytes, ~0.5 MB at the default queue_max) would become resident
 * bit by bit as its head goes round, event after event, though a broker
 * that answers keeps a few entries waiting at most. False when out of
 * memory.
 */
static bool
reserve(struct mqq *q)
{
	struct mqq_entry *r;
	int i, size;

	if (q->count < q->size)
		return true;
	if (q->size >= q->cap)
		return false; /* not reached: the bound comes first */
	size = q->size > 0 ? 2 * q->size : MQQ_RING_MIN;
	if (size > q->cap)
		size = q->cap;
	if ((r = calloc((size_t)size, sizeof(*r))) == NULL)
		return false;
	for (i = 0; i < q->count; i++)
		r[i] = *ent(q, i);
	free(q->ring);
	q->ring = r;
	q->size = size;
	q->head = 0;
	return true;
}

/* An empty queue gives its ring back (after an outage it may be big). */
static void
release_if_empty(struct mqq *q)
{
	if (q->count > 0 || q->size <= MQQ_RING_MIN)
		return;
	free(q->ring);
	q->ring = NULL;
	q->size = 0;
	q->head = 0;
}

static int
write_all(int fd, struct iovec *iov, int n)
{
	ssize_t w;

	while (n > 0) {
		w = writev(fd, iov, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* One log line: the prefix (e.g. "+12 ") and, for adds, the json. */
static int
write_line(int fd, const char *prefix, const char *json, size_t len)
{
	struct iovec iov[3];
	int n = 0;

	iov[n].iov_base = (void *)(uintptr_t)prefix;
	iov[n++].iov_len = strlen(prefix);
	if (json != NULL) {
		iov[n].iov_base = (void *)(uintptr_t)json;
		iov[n++].iov_len = len;
	}
	iov[n].iov_base = (void *)(uintptr_t) "\n";
	iov[n++].iov_len = 1;
	return write_all(fd, iov, n);
}

static int
write_entry(int fd, const struct mqq_entry *e)
{
	char pfx[96];

	if (e->is_drop)
		snprintf(pfx, sizeof(pfx),
		    "D%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " ", e->seq,
		    e->drop_first, e->drop_last, e->drop_count);
	else
		snprintf(pfx, sizeof(pfx), "%c%" PRIu64 " ",
		    e->noise ? '~' : '+', e->seq);
	return write_line(fd, pfx, e->json, e->len);
}

static void
log_append(struct mqq *q, const struct mqq_entry *e, uint64_t removed);

/* Rewrite the log with just the header and the entries, atomically. */
static int
compact(struct mqq *q)
{
	char *tmp;
	char hdr[64];
	int fd, i;
	size_t n;

	if (q->path == NULL)
		return 0;
	n = strlen(q->path) + 5;
	if ((tmp = malloc(n)) == NULL)
		return -1;
	snprintf(tmp, n, "%s.tmp", q->path);
	fd = open(
	    tmp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	snprintf(hdr, sizeof(hdr), HEADER "%" PRIu64, q->next_seq);
	if (write_line(fd, hdr, NULL, 0) < 0)
		goto fail_close;
	for (i = 0; i < q->count; i++)
		if (!ent(q, i)->acked && write_entry(fd, ent(q, i)) < 0)
			goto fail_close;
	if (fsync(fd) < 0 || rename(tmp, q->path) < 0)
		goto fail_close;
	if (q->fd >= 0)
		close(q->fd);
	q->fd = fd; /* O_APPEND: the log goes on in the new file */
	q->log_lines = q->count + 1;
	free(tmp);
	return 0;
fail_close:
	log_warn("mqtt queue: writing %s", tmp);
	close(fd);
	unlink(tmp);
fail:
	free(tmp);
	q->io_errors++;
	return -1;
}

static void
maybe_compact(struct mqq *q)
{
	if (q->path != NULL && q->log_lines > 2L * q->cap + 64)
		compact(q);
}

/* Log that e was added (removed == 0) or that seq removed went. */
static void
log_append(struct mqq *q, const struct mqq_entry *e, uint64_t removed)
{
	char pfx[32];
	int rc;

	if (q->fd < 0)
		return;
	if (e != NULL) {
		rc = write_entry(q->fd, e);
	} else {
		snprintf(pfx, sizeof(pfx), "-%" PRIu64, removed);
		rc = write_line(q->fd, pfx, NULL, 0);
	}
	if (rc < 0) {
		if (q->io_errors++ == 0)
			log_warn("mqtt queue: appending to %s, continuing in "
				 "memory",
			    q->path);
		return;
	}
	q->log_lines++;
}

static void
ent_free(struct mqq_entry *e)
{
	free(e->json);
	memset(e, 0, sizeof(*e));
}

/* Keep n_real and n_noise in step with an entry coming (+1) or going. */
static void
tally(struct mqq *q, const struct mqq_entry *e, int d)
{
	if (e->is_drop)
		return;
	if (e->noise)
		q->n_noise += d;
	else
		q->n_real += d;
}

static void
pop_head(struct mqq *q, bool log)
{
	struct mqq_entry *e = ent(q, 0);

	if (log && !e->acked)
		log_append(q, NULL, e->seq);
	tally(q, e, -1);
	ent_free(e);
	q->head = (q->head + 1) % q->size;
	q->count--;
}

/* e in front of the head; the caller made room (reserve). */
static void
push_front(struct mqq *q, const struct mqq_entry *e)
{
	q->head = (q->head + q->size - 1) % q->size;
	q->count++;
	*ent(q, 0) = *e;
}

/* Drop the oldest event and fold it into the dropped record at the head. */
static void
drop_oldest(struct mqq *q)
{
	struct mqq_entry d = { 0 }, *h;
	struct mqq_drop info = { 0 };

	h = ent(q, 0);
	if (h->is_drop) {
		/* A record already sent (in flight) is not folded again. */
		if (h->mid == 0 && !h->acked) {
			info.first = h->drop_first;
			info.count = h->drop_count;
			info.noise = q->drop_noise;
		}
		pop_head(q, true);
	}
	if (q->count == 0)
		return;
	h = ent(q, 0);
	info.seq = info.last = h->seq;
	if (info.first == 0)
		info.first = h->seq;
	info.count++;
	if (h->noise)
		info.noise++;
	pop_head(q, true);
	q->dropped_total++;
	q->drop_noise = info.noise;
	d.seq = info.seq;
	d.is_drop = true;
	d.drop_first = info.first;
	d.drop_last = info.last;
	d.drop_count = info.count;
	d.json = q->drop(q->drop_arg, &info);
	if (d.json == NULL)
		return;    /* out of memory: the loss is still counted */
	if (!reserve(q)) { /* not reached: two entries went, one comes */
		free(d.json);
		return;
	}
	d.len = strlen(d.json);
	push_front(q, &d);
	log_append(q, &d, 0);
}

/* The caller made room (reserve). */
static void
append(struct mqq *q, uint64_t seq, char *json, bool noise)
{
	struct mqq_entry *e;

	if (seq >= q->next_seq)
		q->next_seq = seq + 1;
	e = ent(q, q->count);
	memset(e, 0, sizeof(*e));
	e->seq = seq;
	e->noise = noise;
	e->json = json;
	e->len = strlen(json);
	q->count++;
	tally(q, e, 1);
	log_append(q, e, 0);
	maybe_compact(q);
}

int
mqq_push(struct mqq *q, uint64_t seq, char *json)
{
	int dropped = 0;

	/* Only real events count against max: noise queued ahead is dropped
	 * on the way (it is older), never in place of a real event. */
	while (q->n_real >= q->max) {
		drop_oldest(q);
		dropped++;
	}
	/* out of memory for a bigger ring: the oldest make room, and with
	 * none waiting this one is lost (counted) */
	while (!reserve(q) && q->count > 0) {
		drop_oldest(q);
		dropped++;
	}
	if (q->count >= q->size) {
		free(json);
		q->dropped_total++;
		return dropped + 1;
	}
	append(q, seq, json, false);
	return dropped;
}

int
mqq_push_noise(struct mqq *q, uint64_t seq, char *json)
{
	if (q->n_noise >= MQQ_NOISE_MAX || !reserve(q)) {
		q->noise_refused++;
		return -1;
	}
	append(q, seq, json, true);
	return 0;
}

/* --- loading --------------------------------------------------------- */

struct loadv {
	struct mqq_entry *v;
	size_t n, cap;
};

static ssize_t
loadv_find(const struct loadv *lv, uint64_t seq)
{
	size_t lo = 0, hi = lv->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (lv->v[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (ssize_t)lo;
}

static int
loadv_put(struct loadv *lv, const struct mqq_entry *e)
{
	size_t i = (size_t)loadv_find(lv, e->seq);

	if (i < lv->n && lv->v[i].seq == e->seq) {
		free(lv->v[i].json);
		lv->v[i] = *e;
		return 0;
	}
	if (lv->n == lv->cap) {
		size_t nc = lv->cap ? lv->cap * 2 : 64;
		struct mqq_entry *nv = realloc(lv->v, nc * sizeof(*nv));

		if (nv == NULL)
			return -1;
		lv->v = nv;
		lv->cap = nc;
	}
	memmove(&lv->v[i + 1], &lv->v[i], (lv->n - i) * sizeof(*lv->v));
	lv->v[i] = *e;
	lv->n++;
	return 0;
}

static void
loadv_del(struct loadv *lv, uint64_t seq)
{
	size_t i = (size_t)loadv_find(lv, seq);

	if (i >= lv->n || lv->v[i].seq != seq)
		return;
	free(lv->v[i].json);
	memmove(&lv->v[i], &lv->v[i + 1], (lv->n - i - 1) * sizeof(*lv->v));
	lv->n--;
}

/* Parse one log line into lv. Returns 0, or -1 when malformed. */
static int
load_line(struct mqq *q, struct loadv *lv, char *line)
{
	struct mqq_entry e = { 0 };
	unsigned long long a, b, c, d;
	int off = 0;

	if (strncmp(line, HEADER, strlen(HEADER)) == 0) {
		if (sscanf(line + strlen(HEADER), "%llu", &a) != 1)
			return -1;
		if (a > q->next_seq)
			q->next_seq = a;
		return 0;
	}
	switch (line[0]) {
	case '-':
		if (sscanf(line + 1, "%llu%n", &a, &off) != 1 ||
		    line[1 + off] != '\0')
			return -1;
		loadv_del(lv, a);
		return 0;
	case '+':
	case '~':
		if (sscanf(line + 1, "%llu %n", &a, &off) != 1 ||
		    line[1 + off] != '{')
			return -1;
		e.seq = a;
		e.noise = line[0] == '~';
		break;
	case 'D':
		if (sscanf(line + 1, "%llu %llu %llu %llu %n", &a, &b, &c, &d,
			&off) != 4 ||
		    line[1 + off] != '{')
			return -1;
		e.seq = a;
		e.is_drop = true;
		e.drop_first = b;
		e.drop_last = c;
		e.drop_count = d;
		break;
	default:
		return -1;
	}
	if (e.seq == 0)
		return -1;
	if ((e.json = strdup(line + 1 + off)) == NULL)
		return -1;
	e.len = strlen(e.json);
	if (e.seq >= q->next_seq)
		q->next_seq = e.seq + 1;
	if (loadv_put(lv, &e) < 0) {
		free(e.json);
		return -1;
	}
	return 0;
}

static int
load(struct mqq *q, struct loadv *lv)
{
	FILE *f;
	char *line = NULL;
	size_t sz = 0;
	ssize_t n;
	int bad = 0;

	if ((f = fopen(q->path, "re")) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((n = getline(&line, &sz, f)) > 0) {
		if (line[n - 1] != '\n') {
			bad++; /* torn write at the end */
			break;
		}
		line[n - 1] = '\0';
		if (load_line(q, lv, line) < 0)
			bad++;
	}
	free(line);
	fclose(f);
	if (bad > 0)
		log_warnx(
		    "mqtt queue: %s: %d malformed lines ignored", q->path, bad);
	return 0;
}

struct mqq *
mqq_open(const char *path, int max, mqq_drop_fn drop, void *arg)
{
	struct mqq *q;
	struct loadv lv = { 0 };
	size_t i;

	if (max < 1) {
		errno = EINVAL;
		return NULL;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->fd = -1;
	q->max = max;
	q->cap = max + MQQ_NOISE_MAX + 1;
	q->next_seq = 1;
	q->drop = drop;
	q->drop_arg = arg;
	if (path != NULL) {
		if ((q->path = strdup(path)) == NULL)
			goto fail;
		if (load(q, &lv) < 0)
			goto fail;
	}
	for (i = 0; i < lv.n; i++) {
		struct mqq_entry *e = &lv.v[i];

		if (e->is_drop && q->count > 0) {
			/* A dropped record can only stand at the head. */
			free(e->json);
			continue;
		}
		if (!reserve(q))
			goto fail_loading;
		if (e->is_drop) {
			*ent(q, q->count++) = *e;
			continue;
		}
		if (e->noise && q->n_noise >= MQQ_NOISE_MAX) {
			free(e->json);
			continue;
		}
		while (!e->noise && q->n_real >= q->max)
			drop_oldest(q);
		if (!reserve(q))
			goto fail_loading;
		*ent(q, q->count++) = *e;
		tally(q, e, 1);
	}
	free(lv.v);
	lv.v = NULL;
	lv.n = 0;
	if (q->path != NULL && compact(q) < 0)
		goto fail;
	return q;
fail_loading: /* the entries before i are the queue's */
	for (; i < lv.n; i++)
		free(lv.v[i].json);
	lv.n = 0;
fail:
	for (i = 0; i < lv.n; i++)
		free(lv.v[i].json);
	free(lv.v);
	mqq_close(q);
	return NULL;
}

void
mqq_close(struct mqq *q)
{
	if (q == NULL)
		return;
	while (q->count > 0)
		pop_head(q, false);
	if (q->fd >= 0)
		close(q->fd);
	free(q->ring);
	free(q->path);
	free(q);
}

uint64_t
mqq_next_seq(const struct mqq *q)
{
	return q->next_seq;
}

int
mqq_count(const struct mqq *q)
{
	return q->count;
}

int
mqq_slots(const struct mqq *q)
{
	return q->size;
}

struct mqq_entry *
mqq_at(struct mqq *q, int i)
{
	if (i < 0 || i >= q->count)
		return NULL;
	return ent(q, i);
}

uint64_t
mqq_ack_mid(struct mqq *q, int mid)
{
	uint64_t seq = 0;
	int i;

	if (mid == 0)
		return 0;
	for (i = 0; i < q->count; i++) {
		struct mqq_entry *e = ent(q, i);

		if (e->mid == mid && !e->acked) {
			e->acked = true;
			e->mid = 0;
			seq = e->seq;
			log_append(q, NULL, seq);
			break;
		}
	}
	while (q->count > 0 && ent(q, 0)->acked)
		pop_head(q, false);
	release_if_empty(q);
	maybe_compact(q);
	return seq;
}

void
mqq_reset_inflight(struct mqq *q)
{
	for (int i = 0; i < q->count; i++)
		ent(q, i)->mid = 0;
}

uint64_t
mqq_dropped_total(const struct mqq *q)
{
	return q->dropped_total;
}

uint64_t
mqq_noise_refused(const struct mqq *q)
{
	return q->noise_refused;
}

int
mqq_noise_count(const struct mqq *q)
{
	return q->n_noise;
}

int
mqq_io_errors(const struct mqq *q)
{
	return q->io_errors;
}
