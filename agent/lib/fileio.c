/*
 * fileio.c - see fileio.h.
 */
#include "fileio.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
fio_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
sync_dir_of(const char *path)
{
	char dir[PATH_MAX], *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	(void)fsync(fd);
	close(fd);
}

int
fio_repl_begin(struct fio_repl *r, const char *path, mode_t mode)
{
	r->path = path;
	r->fd = -1;
	r->err = 0;
	if (snprintf(r->tmp, sizeof(r->tmp), "%s.tmp", path) >=
	    (int)sizeof(r->tmp)) {
		errno = ENAMETOOLONG;
		return -ENAMETOOLONG;
	}
	r->fd = open(r->tmp,
	    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	return r->fd < 0 ? -errno : 0;
}

int
fio_repl_write(struct fio_repl *r, const void *buf, size_t n)
{
	if (r->err == 0 && r->fd < 0)
		r->err = -EBADF;
	if (r->err == 0)
		r->err = fio_write_all(r->fd, buf, n);
	return r->err;
}

void
fio_repl_abort(struct fio_repl *r)
{
	if (r->fd >= 0) {
		close(r->fd);
		r->fd = -1;
		(void)unlink(r->tmp);
	}
}

int
fio_repl_commit(struct fio_repl *r, bool durable)
{
	int rc = r->fd < 0 ? -EBADF : r->err;

	if (r->fd < 0)
		return rc;
	if (rc == 0 && durable && fsync(r->fd) != 0)
		rc = -errno;
	if (close(r->fd) != 0 && rc == 0)
		rc = -errno;
	r->fd = -1;
	if (rc == 0 && rename(r->tmp, r->path) != 0)
		rc = -errno;
	if (rc != 0) {
		(void)unlink(r->tmp);
		errno = -rc;
		return rc;
	}
	if (durable)
		sync_dir_of(r->path);
	return 0;
}

static int
replace(const char *path, const char *text, mode_t mode, bool durable)
{
	struct fio_repl r;
	int rc = fio_repl_begin(&r, path, mode);

	if (rc != 0)
		return rc;
	/* text and its newline, in one write when they fit a page */
	{
		char small[4096];
		size_t n = strlen(text);

		if (n + 1 <= sizeof(small)) {
			memcpy(small, text, n);
			small[n] = '\n';
			(void)fio_repl_write(&r, small, n + 1);
		} else {
			(void)fio_repl_write(&r, text, n);
			(void)fio_repl_write(&r, "\n", 1);
		}
	}
	return fio_repl_commit(&r, durable);
}

int
fio_replace(const char *path, const char *text, mode_t mode)
{
	return replace(path, text, mode, true);
}

int
fio_replace_nosync(const char *path, const char *text, mode_t mode)
{
	return replace(path, text, mode, false);
}

char *
fio_read_bounded(const char *path, size_t max, size_t *len)
{
	struct stat st;
	char *buf;
	size_t n = 0;
	ssize_t r;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0)
		err = errno;
	else if (!S_ISREG(st.st_mode))
		err = EINVAL;
	else if ((size_t)st.st_size > max)
		err = EFBIG;
	else if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		err = ENOMEM;
	else {
		while (n < (size_t)st.st_size) {
			r = read(fd, buf + n, (size_t)st.st_size - n);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			n += (size_t)r;
		}
		close(fd);
		buf[n] = '\0';
		*len = n;
		return buf;
	}
	close(fd);
	errno = err;
	return NULL;
}

int
fio_read_lines(const char *path, size_t max, size_t chunk,
    int (*line)(void *arg, char *text, size_t len), void *arg)
{
	struct stat st;
	char *buf = NULL, *nl, *bigger;
	size_t cap = chunk > 0 ? chunk : 4096, have = 0, start, total = 0;
	ssize_t r;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0)
		rc = -errno;
	else if (!S_ISREG(st.st_mode))
		rc = -EINVAL;
	else if ((size_t)st.st_size > max)
		rc = -EFBIG;
	else if ((buf = malloc(cap + 1)) == NULL)
		rc = -ENOMEM;
	while (rc == 0) {
		if (have == cap) { /* a line longer than the buffer */
			bigger = realloc(buf, 2 * cap + 1);
			if (bigger == NULL) {
				rc = -ENOMEM;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
		r = read(fd, buf + have, cap - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			break;
		}
		total += (size_t)r;
		if (total > max) {
			rc = -EFBIG;
			break;
		}
		if (r == 0) { /* the end: a last line without a newline */
			if (have > 0) {
				buf[have] = '\0';
				rc = line(arg, buf, have);
			}
			break;
		}
		start = 0;
		have += (size_t)r;
		while (rc == 0 &&
		    (nl = memchr(buf + start, '\n', have - start)) != NULL) {
			*nl = '\0';
			rc = line(arg, buf + start, (size_t)(nl - buf) - start);
			start = (size_t)(nl - buf) + 1;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
	}
	free(buf);
	close(fd);
	return rc;
}

void
fio_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}
