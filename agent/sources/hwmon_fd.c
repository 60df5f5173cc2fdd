/*
 * hwmon_fd.c - the hwmon source's per-cycle reads: each sensor's input
 * and fault files kept open and read with pread(2) at offset
 * 0 (sysfs makes a fresh value for every read at offset 0), parsed the
 * way libsensors parses them. An input that libsensors would transform
 * (a compute statement in sensors3.conf) is read through
 * sensors_get_value instead, so the value is always the one libsensors
 * gives. Which one applies is decided once, at scan time, by the compute
 * probe below.
 */
#include "hwmon_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* Raw values the probe writes, and what libsensors must make of them
 * when no compute statement applies (temperatures are millidegrees). */
static const char *const probe_raw[] = { "12345", "-6789" };

/* A plain integer of at most 15 digits (what hwmon files hold) ending
 * the text or a line, which a double holds exactly: the value strtod
 * gives, without its cost (a tenth of a cycle's instructions). */
static bool
plain_integer(const char *p, double *v)
{
	long long x = 0;
	bool neg = *p == '-';
	int digits = 0;

	p += neg;
	for (; *p >= '0' && *p <= '9' && digits < 16; p++, digits++)
		x = x * 10 + (*p - '0');
	if (digits == 0 || digits > 15 || (*p != '\0' && *p != '\n'))
		return false;
	*v = neg ? -(double)x : (double)x;
	return true;
}

/* The number at the start of a sysfs file, as libsensors' fscanf("%lf")
 * reads it. -1 when the read fails or there is no number. */
static int
read_number(int fd, double *v)
{
	char buf[64], *end;
	ssize_t n;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (plain_integer(buf, v))
		return 0;
	*v = strtod(buf, &end);
	return end == buf ? -1 : 0;
}

/* Raise the soft limit on open files to the hard one, once: a big host
 * keeps two descriptors per sensor. */
static bool
more_fds(void)
{
	static bool tried;
	struct rlimit rl;

	if (tried)
		return false;
	tried = true;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
		return false;
	rl.rlim_cur = rl.rlim_max;
	return setrlimit(RLIMIT_NOFILE, &rl) == 0;
}

static int
open_attr(const sensors_chip_name *chip, const char *file)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", chip->path, file) >=
	    (int)sizeof(path))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == EMFILE && more_fds())
		fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd;
}

/* Where the probe directory goes: a RAM file system first, it is
 * written at every scan. */
static const char *
probe_parent(int i)
{
	switch (i) {
	case 0:
		return getenv("RUNTIME_DIRECTORY");
	case 1:
		return "/dev/shm";
	case 2:
		return getenv("TMPDIR");
	case 3:
		return "/tmp";
	}
	return NULL;
}

void
hwm_probe_begin(char *dir, size_t len)
{
	char sub[PATH_MAX];
	const char *p;

	for (int i = 0; i < 4; i++) {
		p = probe_parent(i);
		if (p == NULL || p[0] != '/' ||
		    snprintf(dir, len, "%s/thermwatch-probe.XXXXXX", p) >=
			(int)len ||
		    mkdtemp(dir) == NULL)
			continue;
		for (size_t k = 0; k < sizeof(probe_raw) / sizeof(*probe_raw);
		     k++) {
			snprintf(sub, sizeof(sub), "%s/%zu", dir, k);
			if (mkdir(sub, 0700) != 0) {
				hwm_probe_end(dir);
				break;
			}
		}
		if (dir[0] != '\0')
			return;
	}
	dir[0] = '\0';
}

static void
remove_dir(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	rmdir(dir);
}

void
hwm_probe_end(char *dir)
{
	char sub[PATH_MAX];

	if (dir[0] == '\0')
		return;
	for (size_t k = 0; k < sizeof(probe_raw) / sizeof(*probe_raw); k++) {
		snprintf(sub, sizeof(sub), "%s/%zu", dir, k);
		remove_dir(sub);
	}
	rmdir(dir);
	dir[0] = '\0';
}

/* probe_dir/k/name holds probe_raw[k] (written once per scan and name). */
static bool
probe_file(const char *dir, size_t k, const char *name)
{
	char path[PATH_MAX];
	FILE *f;
	bool ok;

	if (snprintf(path, sizeof(path), "%s/%zu/%s", dir, k, name) >=
	    (int)sizeof(path))
		return false;
	f = fopen(path, "wxe");
	if (f == NULL)
		return errno == EEXIST;
	ok = fprintf(f, "%s\n", probe_raw[k]) > 0;
	return fclose(f) == 0 && ok;
}

/*
 * Does libsensors return the input file's number divided by 1000? Asked
 * of libsensors itself: a copy of the chip name whose path is a probe
 * directory makes sensors_get_value read known numbers from there, with
 * the chip's compute statement (if any) applied.
 */
static bool
value_is_plain(const struct hwm_lib *l, const char *probe_dir)
{
	sensors_chip_name probe = *l->chip;
	char path[PATH_MAX];
	double v;

	if (probe_dir[0] == '\0')
		return false;
	for (size_t k = 0; k < sizeof(probe_raw) / sizeof(*probe_raw); k++) {
		snprintf(path, sizeof(path), "%s/%zu", probe_dir, k);
		probe.path = path;
		if (!probe_file(probe_dir, k, l->input_name) ||
		    sensors_get_value(&probe, l->input_nr, &v) != 0 ||
		    v != strtod(probe_raw[k], NULL) / 1000.0)
			return false;
	}
	return true;
}

/* The live value by both paths agrees (a last check on the real file).
 * The file is read before and after libsensors reads it: a value that
 * moved in between (a busy sensor) agrees with one of the two, where a
 * single read made one sensor in a thousand go through libsensors, which
 * then stayed loaded (its chip list and configuration, ~200 kB at 128
 * chips) for that one. */
static bool
same_as_library(const struct hwm_sensor *s, const struct hwm_lib *l)
{
	double lib, before, after;

	if (read_number(s->fd_input, &before) != 0 ||
	    sensors_get_value(l->chip, l->input_nr, &lib) != 0 ||
	    read_number(s->fd_input, &after) != 0)
		return true; /* nothing to compare: the probe decides */
	return before / 1000.0 == lib || after / 1000.0 == lib;
}

void
hwm_fd_open(
    struct hwm_sensor *s, const struct hwm_lib *l, const char *probe_dir)
{
	s->fd_fault = l->fault_name != NULL ? open_attr(l->chip, l->fault_name)
					    : -1;
	s->fd_input = -1;
	if (!value_is_plain(l, probe_dir))
		return;
	s->fd_input = open_attr(l->chip, l->input_name);
	if (s->fd_input >= 0 && !same_as_library(s, l)) {
		close(s->fd_input);
		s->fd_input = -1;
	}
}

void
hwm_fd_close(struct hwm_sensor *s)
{
	if (s->fd_input >= 0)
		close(s->fd_input);
	if (s->fd_fault >= 0)
		close(s->fd_fault);
	s->fd_input = s->fd_fault = -1;
}

/* A flag (fault, crit_alarm) reads non-zero: through its descriptor,
 * else (none could be opened) through libsensors, while it is up. */
static bool
flag_set(const struct hwm_lib *l, int fd, int nr)
{
	double v;

	if (fd >= 0)
		return read_number(fd, &v) == 0 && v != 0.0;
	return l != NULL && nr >= 0 &&
	    sensors_get_value(l->chip, nr, &v) == 0 && v != 0.0;
}

void
hwm_fd_read(const struct hwm_sensor *s, const struct hwm_lib *l, bool alarms,
    struct src_reading *r)
{
	double v;
	int rc = -1;

	if (s->fd_input >= 0) {
		rc = read_number(s->fd_input, &v);
		v /= 1000.0;
	} else if (l != NULL) {
		rc = sensors_get_value(l->chip, l->input_nr, &v);
	}
	r->quality = ENG_Q_OK;
	r->hw_state = "nominal";
	if (rc != 0) {
		r->value_c = NAN;
		r->quality = ENG_Q_UNAVAILABLE;
		r->hw_state = NULL;
	} else {
		r->value_c = v;
	}
	/* A faulty input still reads as a number: the fault flag says so. */
	if (flag_set(l, s->fd_fault, l != NULL ? l->fault_nr : -1)) {
		r->quality = ENG_Q_FAULT;
		r->hw_state = "fault";
	} else if (alarms && r->quality == ENG_Q_OK &&
	    flag_set(l, -1, l != NULL ? l->alarm_nr : -1)) {
		r->hw_state = "alarm";
	}
}
