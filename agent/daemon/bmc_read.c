/*
 * bmc_read.c - the child side of an IPMI read: sensor readings through
 * libipmimonitoring, thresholds through libfreeipmi (live Get Sensor
 * Thresholds, else the SDR copy), written to the parent as lines (see
 * bmc_int.h). Runs only in a forked child: it may block as long as the
 * libraries like, the parent kills it at the deadline.
 */
#include "bmc_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <freeipmi/freeipmi.h>
#include <ipmi_monitoring.h>
#include <ipmi_monitoring_bitmasks.h>

#define MAX_SENSORS  256
#define NAME_LEN     64
#define CACHE_PREFIX "sdrcache."

struct rd {
	int rid;
	int snum;
	char state;   /* n w c u */
	double value; /* °C or NAN */
	bool fahrenheit;
	char name[NAME_LEN];
};

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

void
bmc_sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
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

static unsigned int
wa_flags(const struct ipmi_conf *c)
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

static const char inband_hint[] =
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
		    (uint8_t)c->cipher_suite, tmo, rtx, wa_flags(c),
		    IPMI_FLAGS_DEFAULT);
		explicit_bzero(pw, sizeof(pw));
		break;
	case IPMI_DRV_AUTO:
		rv = ipmi_ctx_find_inband(
		    ipmi, &type, 0, 0, 0, dev, wa_flags(c), IPMI_FLAGS_DEFAULT);
		if (rv == 0) {
			snprintf(err, errlen,
			    "no in-band IPMI interface "
			    "found%s",
			    inband_hint);
			ipmi_ctx_destroy(ipmi);
			return NULL;
		}
		rv = rv > 0 ? 0 : -1;
		break;
	default:
		type = c->driver == IPMI_DRV_OPENIPMI ? IPMI_DEVICE_OPENIPMI
		    : c->driver == IPMI_DRV_KCS       ? IPMI_DEVICE_KCS
						      : IPMI_DEVICE_SSIF;
		rv = ipmi_ctx_open_inband(
		    ipmi, type, 0, 0, 0, dev, wa_flags(c), IPMI_FLAGS_DEFAULT);
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
			    inband_hint);
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

/*
 * libipmimonitoring says little more than "internal system error" when
 * the in-band device is missing or closed to us: look for ourselves.
 */
static void
inband_diagnose(
    const struct ipmi_conf *c, const char *libmsg, char *err, size_t errlen)
{
	const char *dev = c->device[0] != '\0' ? c->device : "/dev/ipmi0";
	const char *cls;
	char msg[512];
	void *ipmi;
	int fd;

	if (c->driver == IPMI_DRV_AUTO || c->driver == IPMI_DRV_OPENIPMI) {
		fd = open(dev, O_RDWR | O_CLOEXEC | O_NOCTTY);
		if (fd >= 0)
			close(fd);
		else if (errno == EACCES || errno == EPERM) {
			snprintf(err, errlen,
			    "cannot open %s: %s (the agent "
			    "needs read and write access, e.g. through "
			    "udev/60-thermwatch-ipmi.rules)",
			    dev, strerror(errno));
			return;
		} else if (c->driver == IPMI_DRV_OPENIPMI ||
		    c->device[0] != '\0') {
			snprintf(err, errlen, "cannot open %s: %s%s", dev,
			    strerror(errno), inband_hint);
			return;
		}
	}
	ipmi = bmc_ipmi_open(c, c->privilege, msg, sizeof(msg), &cls);
	if (ipmi == NULL) {
		snprintf(err, errlen, "%s", msg);
		return;
	}
	bmc_ipmi_close(ipmi);
	snprintf(err, errlen, "%s%s", libmsg, inband_hint);
}

/* Turn a libipmimonitoring failure into a message and a class. */
static const char *
mon_error(const struct ipmi_conf *c, ipmi_monitoring_ctx_t m,
    const char *cache_dir, char *err, size_t errlen)
{
	int e = ipmi_monitoring_ctx_errnum(m);

	switch (e) {
	case IPMI_MONITORING_ERR_PASSWORD_INVALID:
		snprintf(err, errlen,
		    "invalid password for user \"%s\" "
		    "(password file %s)",
		    c->username,
		    c->password_file[0] ? c->password_file : "none");
		return BMC_E_AUTH;
	case IPMI_MONITORING_ERR_USERNAME_INVALID:
		snprintf(err, errlen, "invalid user name \"%s\"", c->username);
		return BMC_E_AUTH;
	case IPMI_MONITORING_ERR_PRIVILEGEL_LEVEL_CANNOT_BE_OBTAINED:
		snprintf(err, errlen,
		    "privilege level %s cannot be obtained "
		    "for user \"%s\"%s",
		    bmc_priv_name(c->privilege), c->username,
		    (c->workarounds & IPMI_WA_OPENSESSPRIV)
			? ""
			: " (some BMCs, ipmi_sim among them, need workarounds "
			  "= "
			  "[ \"opensesspriv\" ])");
		return BMC_E_AUTH;
	case IPMI_MONITORING_ERR_PRIVILEGE_LEVEL_INSUFFICIENT:
		snprintf(err, errlen,
		    "privilege level %s is not enough for "
		    "user \"%s\"",
		    bmc_priv_name(c->privilege), c->username);
		return BMC_E_AUTH;
	case IPMI_MONITORING_ERR_K_G_INVALID:
		snprintf(err, errlen, "invalid K_g key");
		return BMC_E_AUTH;
	case IPMI_MONITORING_ERR_CONNECTION_TIMEOUT:
		snprintf(err, errlen,
		    "no answer from the BMC within "
		    "timeout_s = %g s (wrong host or port, BMC down, or its "
		    "LAN channel disabled)",
		    c->timeout_s);
		return BMC_E_CONN;
	case IPMI_MONITORING_ERR_SESSION_TIMEOUT:
		snprintf(err, errlen,
		    "the BMC stopped answering (session "
		    "timeout after %g s)",
		    c->timeout_s);
		return BMC_E_CONN;
	case IPMI_MONITORING_ERR_HOSTNAME_INVALID:
		snprintf(err, errlen, "host name cannot be resolved");
		return BMC_E_CONN;
	case IPMI_MONITORING_ERR_IPMI_2_0_UNAVAILABLE:
		snprintf(err, errlen, "the BMC does not speak IPMI 2.0");
		return BMC_E_CONN;
	case IPMI_MONITORING_ERR_CIPHER_SUITE_ID_UNAVAILABLE:
		snprintf(err, errlen, "the BMC refuses cipher_suite %d",
		    c->cipher_suite);
		return BMC_E_AUTH;
	case IPMI_MONITORING_ERR_SDR_CACHE_PERMISSION:
	case IPMI_MONITORING_ERR_SDR_CACHE_FILESYSTEM:
		snprintf(err, errlen, "cannot use the SDR cache in %s: %s",
		    cache_dir, ipmi_monitoring_ctx_errormsg(m));
		return BMC_E_CACHE;
	default:
		break;
	}
	if (c->driver != IPMI_DRV_LAN) {
		inband_diagnose(
		    c, ipmi_monitoring_ctx_errormsg(m), err, errlen);
		return BMC_E_CONN;
	}
	snprintf(err, errlen, "%s", ipmi_monitoring_ctx_errormsg(m));
	return BMC_E_OTHER;
}

/* The newest sdrcache.* file of dir into path; -1 when there is none. */
static int
find_cache(const char *dir, char *path, size_t len, struct stat *st)
{
	struct dirent *de;
	struct stat s;
	DIR *d;
	char p[PATH_MAX];
	int found = -1;

	d = opendir(dir);
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, CACHE_PREFIX, strlen(CACHE_PREFIX)) !=
		    0)
			continue;
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >=
		    sizeof(p))
			continue;
		if (stat(p, &s) != 0 || !S_ISREG(s.st_mode))
			continue;
		if (found == 0 && s.st_mtim.tv_sec < st->st_mtim.tv_sec)
			continue;
		*st = s;
		snprintf(path, len, "%s", p);
		found = 0;
	}
	closedir(d);
	return found;
}

static bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static double
to_celsius(double v, bool fahrenheit)
{
	return fahrenheit ? (v - 32.0) * 5.0 / 9.0 : v;
}

/* Threshold bits of a reading ("AT_OR_BELOW" is the library's name for
 * every one of them, upper ones included). */
#define TB(x) \
	IPMI_MONITORING_SENSOR_BITMASK_THRESHOLD_AT_OR_BELOW_##x##_THRESHOLD

/* The state from the threshold bits: at or above upper non-critical is a
 * warning (FreeIPMI's default calls it nominal), critical and
 * non-recoverable are critical. Other sensors: the library's state. */
static char
state_of(int bmtype, int bm, int state)
{
	if (bmtype == IPMI_MONITORING_SENSOR_BITMASK_TYPE_THRESHOLD &&
	    bm >= 0) {
		if (bm &
		    (TB(UPPER_CRITICAL) | TB(UPPER_NON_RECOVERABLE) |
			TB(LOWER_CRITICAL) | TB(LOWER_NON_RECOVERABLE)))
			return 'c';
		if (bm & (TB(UPPER_NON_CRITICAL) | TB(LOWER_NON_CRITICAL)))
			return 'w';
		if (state != IPMI_MONITORING_STATE_UNKNOWN)
			return 'n';
	}
	switch (state) {
	case IPMI_MONITORING_STATE_NOMINAL:
		return 'n';
	case IPMI_MONITORING_STATE_WARNING:
		return 'w';
	case IPMI_MONITORING_STATE_CRITICAL:
		return 'c';
	default:
		return 'u';
	}
}

static void
put_num(FILE *out, double v)
{
	if (isnan(v))
		fputs("\tnan", out);
	else
		fprintf(out, "\t%.6f", v);
}

/* Thresholds of one sensor: the live ones when the BMC answers, else the
 * SDR copy. Writes a T line. */
static void
thresholds_one(ipmi_sdr_ctx_t sdr, ipmi_ctx_t ipmi, fiid_obj_t rs,
    const struct rd *r, FILE *out, int *live_failures)
{
	static const char *const key[3] = { "upper_non_critical_threshold",
		"upper_critical_threshold", "upper_non_recoverable_threshold" };
	uint8_t rec[IPMI_SDR_MAX_RECORD_LENGTH], rtype, ertc, otype, oid, lun,
	    chan, adf, lin;
	uint8_t r_lnc, r_lc, r_lnr, r_unc, r_uc, r_unr;
	double *lnc = NULL, *lc = NULL, *lnr = NULL, *unc = NULL, *uc = NULL,
	       *unr = NULL, v[3] = { NAN, NAN, NAN }, d;
	int8_t rexp, bexp;
	int16_t m, b;
	uint16_t rid;
	uint64_t val, readable;
	char field[64];
	const char *src = "sdr";
	int len, i;

	if (ipmi_sdr_cache_search_record_id(sdr, (uint16_t)r->rid) < 0)
		return;
	len = ipmi_sdr_cache_record_read(sdr, rec, sizeof(rec));
	if (len <= 0 ||
	    ipmi_sdr_parse_record_id_and_type(sdr, rec, len, &rid, &rtype) <
		0 ||
	    rtype != IPMI_SDR_FORMAT_FULL_SENSOR_RECORD ||
	    ipmi_sdr_parse_event_reading_type_code(sdr, rec, len, &ertc) < 0 ||
	    !IPMI_EVENT_READING_TYPE_CODE_IS_THRESHOLD(ertc))
		return;
	/* The SDR copy, filtered by the readable mask: unreadable
	 * thresholds come back as 0.0, not as NULL. */
	if (ipmi_sdr_parse_thresholds(
		sdr, rec, len, &lnc, &lc, &lnr, &unc, &uc, &unr) == 0 &&
	    ipmi_sdr_parse_threshold_readable(sdr, rec, len, &r_lnc, &r_lc,
		&r_lnr, &r_unc, &r_uc, &r_unr) == 0) {
		if (r_unc && unc != NULL)
			v[0] = *unc;
		if (r_uc && uc != NULL)
			v[1] = *uc;
		if (r_unr && unr != NULL)
			v[2] = *unr;
	}
	free(lnc);
	free(lc);
	free(lnr);
	free(unc);
	free(uc);
	free(unr);

	/* Live values, for sensors the BMC itself owns (no bridging). */
	if (ipmi != NULL &&
	    ipmi_sdr_parse_sensor_owner_id(sdr, rec, len, &otype, &oid) == 0 &&
	    ipmi_sdr_parse_sensor_owner_lun(sdr, rec, len, &lun, &chan) == 0 &&
	    otype == 0 && (oid << 1) == IPMI_SLAVE_ADDRESS_BMC && lun == 0 &&
	    ipmi_sdr_parse_sensor_decoding_data(
		sdr, rec, len, &rexp, &bexp, &m, &b, &lin, &adf) == 0) {
		fiid_obj_clear(rs);
		if (ipmi_cmd_get_sensor_thresholds(
			ipmi, (uint8_t)r->snum, rs) == 0) {
			src = "live";
			for (i = 0; i < 3; i++) {
				snprintf(field, sizeof(field),
				    "readable_thresholds.%s", key[i]);
				if (fiid_obj_get(rs, field, &readable) <= 0 ||
				    !readable ||
				    fiid_obj_get(rs, key[i], &val) <= 0 ||
				    ipmi_sensor_decode_value(rexp, bexp, m, b,
					lin, adf, (uint8_t)val, &d) < 0) {
					v[i] = NAN;
					continue;
				}
				v[i] = d;
			}
		} else if ((*live_failures)++ == 0) {
			fprintf(out,
			    "I\tGet Sensor Thresholds failed for "
			    "\"%s\": %s; using the SDR copy\n",
			    r->name, ipmi_ctx_errormsg(ipmi));
		}
	}
	fprintf(out, "T\t%d", r->rid);
	for (i = 0; i < 3; i++)
		put_num(
		    out, isnan(v[i]) ? NAN : to_celsius(v[i], r->fahrenheit));
	fprintf(out, "\t%s\n", src);
}

static void
thresholds_all(const struct ipmi_conf *c, const char *cache_path,
    const struct rd *rds, int n, FILE *out)
{
	char err[512];
	const char *cls;
	ipmi_sdr_ctx_t sdr;
	ipmi_ctx_t ipmi;
	fiid_obj_t rs;
	int i, live_failures = 0;

	sdr = ipmi_sdr_ctx_create();
	if (sdr == NULL)
		return;
	if (ipmi_sdr_cache_open(sdr, NULL, cache_path) < 0) {
		fprintf(out,
		    "I\tcannot open the SDR cache %s: %s; no "
		    "thresholds this time\n",
		    cache_path, ipmi_sdr_ctx_errormsg(sdr));
		ipmi_sdr_ctx_destroy(sdr);
		return;
	}
	ipmi = bmc_ipmi_open(c, c->privilege, err, sizeof(err), &cls);
	if (ipmi == NULL) {
		bmc_sanitize(err);
		fprintf(out,
		    "I\tno session for the live thresholds (%s); "
		    "using the SDR copies\n",
		    err);
	}
	rs = fiid_obj_create(tmpl_cmd_get_sensor_thresholds_rs);
	for (i = 0; i < n; i++)
		thresholds_one(sdr, rs != NULL ? ipmi : NULL, rs, &rds[i], out,
		    &live_failures);
	fiid_obj_destroy(rs);
	bmc_ipmi_close(ipmi);
	ipmi_sdr_cache_close(sdr);
	ipmi_sdr_ctx_destroy(sdr);
}

int
bmc_child_read(const struct ipmi_conf *c, const char *cache_dir,
    bool want_thresholds, FILE *out)
{
	static unsigned int temp_type[] = {
		IPMI_MONITORING_SENSOR_TYPE_TEMPERATURE
	};
	struct ipmi_monitoring_ipmi_config cfg;
	struct stat before, after;
	struct timespec ts;
	struct rd *rds;
	ipmi_monitoring_ctx_t m;
	char pw[BMC_PW_MAX + 1], err[PATH_MAX + 512], cache[PATH_MAX];
	const char *cls, *name;
	bool had_cache, rebuilt;
	void *val;
	int n, i, k = 0, units, rtype, errnum;

	if (mkdir(cache_dir, 0700) != 0 && errno != EEXIST) {
		fprintf(out,
		    "E\t%s\tcannot create the SDR cache directory "
		    "%s: %s\n",
		    BMC_E_CACHE, cache_dir, strerror(errno));
		return 1;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.driver_type = -1;
	cfg.protocol_version = -1;
	cfg.authentication_type = -1;
	cfg.privilege_level = c->privilege == IPMI_PRIV_ADMIN
	    ? IPMI_MONITORING_PRIVILEGE_LEVEL_ADMIN
	    : c->privilege == IPMI_PRIV_OPERATOR
	    ? IPMI_MONITORING_PRIVILEGE_LEVEL_OPERATOR
	    : IPMI_MONITORING_PRIVILEGE_LEVEL_USER;
	cfg.workaround_flags = wa_flags(c);
	switch (c->driver) {
	case IPMI_DRV_LAN:
		if (bmc_password_load(c->password_file, pw, sizeof(pw), err,
			sizeof(err)) != 0) {
			bmc_sanitize(err);
			fprintf(out, "E\t%s\t%s\n", BMC_E_AUTH, err);
			return 1;
		}
		cfg.protocol_version = IPMI_MONITORING_PROTOCOL_VERSION_2_0;
		cfg.username = c->username[0] != '\0' ? (char *)c->username
						      : NULL;
		cfg.password = pw[0] != '\0' ? pw : NULL;
		cfg.cipher_suite_id = c->cipher_suite;
		cfg.session_timeout_len = (int)(c->timeout_s * 1000.0);
		cfg.retransmission_timeout_len = (int)(c->retransmit_s *
		    1000.0);
		break;
	case IPMI_DRV_OPENIPMI:
		cfg.driver_type = IPMI_MONITORING_DRIVER_TYPE_OPENIPMI;
		break;
	case IPMI_DRV_KCS:
		cfg.driver_type = IPMI_MONITORING_DRIVER_TYPE_KCS;
		break;
	case IPMI_DRV_SSIF:
		cfg.driver_type = IPMI_MONITORING_DRIVER_TYPE_SSIF;
		break;
	default:
		break;
	}
	if (c->driver != IPMI_DRV_LAN && c->device[0] != '\0')
		cfg.driver_device = (char *)c->device;

	if (ipmi_monitoring_init(0, &errnum) < 0) {
		fprintf(out, "E\t%s\tlibipmimonitoring: %s\n", BMC_E_OTHER,
		    ipmi_monitoring_ctx_strerror(errnum));
		return 1;
	}
	m = ipmi_monitoring_ctx_create();
	rds = calloc(MAX_SENSORS, sizeof(*rds));
	if (m == NULL || rds == NULL) {
		fprintf(out, "E\t%s\tout of memory\n", BMC_E_OTHER);
		return 1;
	}
	if (ipmi_monitoring_ctx_sdr_cache_directory(m, cache_dir) < 0 ||
	    ipmi_monitoring_ctx_sdr_cache_filenames(m, CACHE_PREFIX "%H") < 0) {
		fprintf(out, "E\t%s\tSDR cache %s: %s\n", BMC_E_CACHE,
		    cache_dir, ipmi_monitoring_ctx_errormsg(m));
		return 1;
	}
	had_cache = find_cache(cache_dir, cache, sizeof(cache), &before) == 0;

	n = ipmi_monitoring_sensor_readings_by_sensor_type(m,
	    c->driver == IPMI_DRV_LAN ? c->host : NULL, &cfg, 0,
	    c->temperature_only ? temp_type : NULL, c->temperature_only ? 1 : 0,
	    NULL, NULL);
	explicit_bzero(pw, sizeof(pw));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (n < 0) {
		cls = mon_error(c, m, cache_dir, err, sizeof(err));
		bmc_sanitize(err);
		fprintf(out, "E\t%s\t%s\n", cls, err);
		return 1;
	}
	for (i = 0; i < n; i++, ipmi_monitoring_sensor_iterator_next(m)) {
		struct rd *r;

		units = ipmi_monitoring_sensor_read_sensor_units(m);
		if (units != IPMI_MONITORING_SENSOR_UNITS_CELSIUS &&
		    units != IPMI_MONITORING_SENSOR_UNITS_FAHRENHEIT)
			continue;
		if (k == MAX_SENSORS)
			break;
		r = &rds[k++];
		r->rid = ipmi_monitoring_sensor_read_record_id(m);
		r->snum = ipmi_monitoring_sensor_read_sensor_number(m);
		r->fahrenheit = units ==
		    IPMI_MONITORING_SENSOR_UNITS_FAHRENHEIT;
		name = ipmi_monitoring_sensor_read_sensor_name(m);
		snprintf(r->name, sizeof(r->name), "%s",
		    name != NULL && name[0] != '\0' ? name : "unnamed");
		bmc_sanitize(r->name);
		r->state = state_of(
		    ipmi_monitoring_sensor_read_sensor_bitmask_type(m),
		    ipmi_monitoring_sensor_read_sensor_bitmask(m),
		    ipmi_monitoring_sensor_read_sensor_state(m));
		rtype = ipmi_monitoring_sensor_read_sensor_reading_type(m);
		val = ipmi_monitoring_sensor_read_sensor_reading(m);
		r->value = NAN;
		if (val != NULL &&
		    rtype == IPMI_MONITORING_SENSOR_READING_TYPE_DOUBLE &&
		    isfinite(*(double *)val))
			r->value = to_celsius(*(double *)val, r->fahrenheit);
		else if (val != NULL &&
		    rtype ==
			IPMI_MONITORING_SENSOR_READING_TYPE_UNSIGNED_INTEGER32)
			r->value = to_celsius(*(uint32_t *)val, r->fahrenheit);
		fprintf(out, "S\t%d\t%d\t%c", r->rid, r->snum, r->state);
		put_num(out, r->value);
		fprintf(out, "\t%s\n", r->name);
	}
	ipmi_monitoring_ctx_destroy(m);

	rebuilt = false;
	if (find_cache(cache_dir, cache, sizeof(cache), &after) == 0) {
		rebuilt = !had_cache || !same_file(&before, &after);
		if (want_thresholds || rebuilt)
			thresholds_all(c, cache, rds, k, out);
	} else if (k > 0) {
		fprintf(out, "I\tno SDR cache file in %s: no thresholds\n",
		    cache_dir);
	}
	free(rds);
	fprintf(out, "K\t%lld\t%d\n",
	    (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, rebuilt);
	return 0;
}
