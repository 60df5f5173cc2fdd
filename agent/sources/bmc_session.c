/*
 * bmc_session.c - the child side's way in to the BMC: the password file,
 * the FreeIPMI session (LAN 2.0 or in-band) with its workaround flags and
 * privilege level, and the names used in messages.
 */
#include "bmc_child.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <freeipmi/freeipmi.h>

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

static uint8_t
priv_level(int priv)
{
	switch (priv) {
	case IPMI_PRIV_ADMIN:
		return IPMI_PRIVILEGE_LEVEL_ADMIN;
	case IPMI_PRIV_OPERATOR:
		return IPMI_PRIVILEGE_LEVEL_OPERATOR;
	default:
		return IPMI_PRIVILEGE_LEVEL_USER;
	}
}

/* The FreeIPMI workaround bits for the LAN 2.0 / in-band paths. The
 * values are the same in libfreeipmi and libipmimonitoring. */
#define WA2(x) IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_##x
#define WAI(x) IPMI_WORKAROUND_FLAGS_INBAND_##x

unsigned int
bmc_wa_flags(const struct ipmi_conf *c)
{
	unsigned int f = 0, w = c->workarounds;

	if (c->driver == IPMI_DRV_LAN) {
		if (w & IPMI_WA_AUTHCAP)
			f |= WA2(AUTHENTICATION_CAPABILITIES);
		if (w & IPMI_WA_INTEL20)
			f |= WA2(INTEL_2_0_SESSION);
		if (w & IPMI_WA_SUPERMICRO20)
			f |= WA2(SUPERMICRO_2_0_SESSION);
		if (w & IPMI_WA_SUN20)
			f |= WA2(SUN_2_0_SESSION);
		if (w & IPMI_WA_OPENSESSPRIV)
			f |= WA2(OPEN_SESSION_PRIVILEGE);
		if (w & IPMI_WA_INTEGRITYCHECK)
			f |= WA2(NON_EMPTY_INTEGRITY_CHECK_VALUE);
		if (w & IPMI_WA_NOCHECKSUM)
			f |= WA2(NO_CHECKSUM_CHECK);
	} else {
		if (w & IPMI_WA_ASSUMEIO)
			f |= WAI(ASSUME_IO_BASE_ADDRESS);
		if (w & IPMI_WA_SPINPOLL)
			f |= WAI(SPIN_POLL);
	}
	return f;
}

const char bmc_inband_hint[] =
    " (are the ipmi_si or ipmi_ssif and the ipmi_devintf modules loaded, and"
    " may the agent open /dev/ipmi0? see udev/60-thermwatch-ipmi.rules)";

void *
bmc_ipmi_open(const struct ipmi_conf *c, int priv, char *err, size_t errlen,
    const char **cls)
{
	char pw[BMC_PW_MAX + 1];
	ipmi_ctx_t ipmi;
	ipmi_driver_type_t type;
	const char *dev = c->device[0] != '\0' ? c->device : NULL;
	unsigned int tmo = (unsigned int)(c->timeout_s * 1000.0);
	unsigned int rtx = (unsigned int)(c->retransmit_s * 1000.0);
	int rv, e;

	*cls = BMC_E_OTHER;
	ipmi = ipmi_ctx_create();
	if (ipmi == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	switch (c->driver) {
	case IPMI_DRV_LAN:
		if (bmc_password_load(
			c->password_file, pw, sizeof(pw), err, errlen) != 0) {
			*cls = BMC_E_AUTH;
			ipmi_ctx_destroy(ipmi);
			return NULL;
		}
		rv = ipmi_ctx_open_outofband_2_0(ipmi, c->host,
		    c->username[0] != '\0' ? c->username : NULL,
		    pw[0] != '\0' ? pw : NULL, NULL, 0, priv_level(priv),
		    (uint8_t)c->cipher_suite, tmo, rtx, bmc_wa_flags(c),
		    IPMI_FLAGS_DEFAULT);
		explicit_bzero(pw, sizeof(pw));
		break;
	case IPMI_DRV_AUTO:
		rv = ipmi_ctx_find_inband(ipmi, &type, 0, 0, 0, dev,
		    bmc_wa_flags(c), IPMI_FLAGS_DEFAULT);
		if (rv == 0) {
			snprintf(err, errlen,
			    "no in-band IPMI interface "
			    "found%s",
			    bmc_inband_hint);
			ipmi_ctx_destroy(ipmi);
			return NULL;
		}
		rv = rv > 0 ? 0 : -1;
		break;
	default:
		type = c->driver == IPMI_DRV_OPENIPMI ? IPMI_DEVICE_OPENIPMI
		    : c->driver == IPMI_DRV_KCS       ? IPMI_DEVICE_KCS
						      : IPMI_DEVICE_SSIF;
		rv = ipmi_ctx_open_inband(ipmi, type, 0, 0, 0, dev,
		    bmc_wa_flags(c), IPMI_FLAGS_DEFAULT);
		break;
	}
	if (rv < 0) {
		e = ipmi_ctx_errnum(ipmi);
		switch (e) {
		case IPMI_ERR_USERNAME_INVALID:
		case IPMI_ERR_PASSWORD_INVALID:
		case IPMI_ERR_PRIVILEGE_LEVEL_INSUFFICIENT:
		case IPMI_ERR_PRIVILEGE_LEVEL_CANNOT_BE_OBTAINED:
		case IPMI_ERR_K_G_INVALID:
			*cls = BMC_E_AUTH;
			break;
		case IPMI_ERR_CONNECTION_TIMEOUT:
		case IPMI_ERR_SESSION_TIMEOUT:
		case IPMI_ERR_HOSTNAME_INVALID:
			*cls = BMC_E_CONN;
			break;
		default:
			break;
		}
		if (c->driver == IPMI_DRV_LAN)
			snprintf(err, errlen, "%s (user \"%s\", privilege %s)",
			    ipmi_ctx_errormsg(ipmi), c->username,
			    bmc_priv_name(priv));
		else
			snprintf(err, errlen, "%s%s", ipmi_ctx_errormsg(ipmi),
			    bmc_inband_hint);
		ipmi_ctx_destroy(ipmi);
		return NULL;
	}
	return ipmi;
}

void
bmc_ipmi_close(void *ipmi)
{
	if (ipmi == NULL)
		return;
	ipmi_ctx_close(ipmi);
	ipmi_ctx_destroy(ipmi);
}
