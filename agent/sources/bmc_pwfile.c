/*
 * bmc_pwfile.c - what both sides of the IPMI source need without
 * FreeIPMI: the password file's checks (the reader opens sessions with
 * it, --check-config looks at it), the BMC's label and the privilege
 * names used in messages.
 */
#include "bmc_child.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const bmc_job_names[] = { "read", "watchdog-arm", "watchdog-disarm",
	"watchdog-get", NULL };

const char *
bmc_conf_label(const struct ipmi_conf *c)
{
	return c->driver == IPMI_DRV_LAN ? c->host : "local";
}

const char *
bmc_priv_name(int priv)
{
	if (priv >= 0 && priv < IPMI_PRIV_COUNT)
		return ipmi_priv_names[priv];
	return "?";
}

int
bmc_password_load(
    const char *path, char *buf, size_t len, char *err, size_t errlen)
{
	char raw[128];
	struct stat st;
	ssize_t n;
	size_t i, end;
	int fd;

	buf[0] = '\0';
	if (path[0] == '\0')
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "cannot read password file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "password file %s is not a regular file",
		    path);
		goto fail;
	}
	if (st.st_mode & S_IROTH) {
		snprintf(err, errlen,
		    "password file %s is readable by "
		    "everyone (mode %04o): chmod o-rwx it",
		    path, (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	n = read(fd, raw, sizeof(raw));
	if (n < 0) {
		snprintf(err, errlen, "cannot read password file %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	close(fd);
	fd = -1;
	if ((size_t)n == sizeof(raw)) {
		snprintf(err, errlen,
		    "password file %s is not a password: "
		    "more than %zu bytes",
		    path, sizeof(raw) - 1);
		return -1;
	}
	/* One line: the password, optionally ended by \n or \r\n. */
	end = (size_t)n;
	if (end > 0 && raw[end - 1] == '\n')
		end--;
	if (end > 0 && raw[end - 1] == '\r')
		end--;
	for (i = 0; i < end; i++) {
		if (raw[i] == '\n') {
			snprintf(err, errlen,
			    "password file %s is not a "
			    "password: more than one line",
			    path);
			return -1;
		}
		if ((unsigned char)raw[i] < 0x20 || raw[i] == 0x7f) {
			snprintf(err, errlen,
			    "password file %s is not a "
			    "password: it holds control or binary bytes",
			    path);
			return -1;
		}
	}
	if (end == 0) {
		snprintf(err, errlen, "password file %s is empty", path);
		return -1;
	}
	if (end > BMC_PW_MAX || end >= len) {
		snprintf(err, errlen,
		    "password file %s is not a password: "
		    "%zu bytes, IPMI allows at most %d",
		    path, end, BMC_PW_MAX);
		return -1;
	}
	memcpy(buf, raw, end);
	buf[end] = '\0';
	explicit_bzero(raw, sizeof(raw));
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}
