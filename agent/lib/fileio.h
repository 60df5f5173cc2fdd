/*
 * fileio.h - small file helpers shared by the modules that keep state in
 * state_dir (overrides, the thermal shutdown record) and the CLI.
 */
#ifndef THERMWATCH_FILEIO_H
#define THERMWATCH_FILEIO_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Write all n bytes (EINTR retried). 0, or -errno. */
int fio_write_all(int fd, const void *buf, size_t n);

/*
 * Replace path with text plus a newline so that a crash leaves either the
 * old or the new file, never half of one: write path.tmp (O_NOFOLLOW),
 * fsync, rename over path, fsync the directory. 0, or -errno with errno
 * set (path.tmp is removed on failure).
 */
int fio_replace(const char *path, const char *text, mode_t mode);
/*
 * The same without the fsyncs, for a file written often that nothing
 * depends on (it never blocks on a busy disk): a process crash still
 * leaves the old file or the new one, a power loss may leave an empty
 * or old one, which its reader must take as none.
 */
int fio_replace_nosync(const char *path, const char *text, mode_t mode);

/*
 * The same written piece by piece (a file too big to hold as one text):
 * begin opens path.tmp, write appends (a failure is kept: later writes
 * do nothing, commit returns it), commit fsyncs it when durable, renames
 * it over path and fsyncs the directory when durable; abort (or a failed
 * commit) removes path.tmp. path must outlive the writer. 0, or -errno.
 */
struct fio_repl {
	const char *path;
	char tmp[PATH_MAX];
	int fd;
	int err; /* the first write's failure, -errno */
};
int fio_repl_begin(struct fio_repl *r, const char *path, mode_t mode);
int fio_repl_write(struct fio_repl *r, const void *buf, size_t n);
int fio_repl_commit(struct fio_repl *r, bool durable);
void fio_repl_abort(struct fio_repl *r);

/*
 * Read a regular file whole (O_NOFOLLOW) when it has at most max bytes:
 * the text, NUL-terminated, its length in *len (malloc'ed). NULL with
 * errno: ENOENT (no file), EINVAL (not a regular file), EFBIG (larger
 * than max), ENOMEM, or what open(2) said.
 */
char *fio_read_bounded(const char *path, size_t max, size_t *len);

/*
 * Read a regular file of at most max bytes (opened as fio_read_bounded
 * does) line by line, through a buffer of about chunk bytes that grows to
 * the longest line: line(arg, text, len) for each line, NUL-terminated,
 * without its newline (a last line without one as well; none after a
 * final newline). 0; the first non-zero that line returned; or -errno:
 * -ENOENT (no file), -EINVAL (not a regular file), -EFBIG (larger than
 * max, or it grew past max while read), -ENOMEM, or what open(2) or
 * read(2) said.
 */
int fio_read_lines(const char *path, size_t max, size_t chunk,
    int (*line)(void *arg, char *text, size_t len), void *arg);

/* The first line of a small file (a system id such as
 * /proc/sys/kernel/random/boot_id) into buf; "" when unreadable. */
void fio_read_line(const char *path, char *buf, size_t len);

#endif
