/*
 * bmc_read.c - the child side of an IPMI read: sensor readings through
 * libipmimonitoring, thresholds through libfreeipmi (live Get Sensor
 * Thresholds, else the SDR copy), written to the parent as a reply (see
 * bmc_reply.h). Runs only in a forked child: it may block as long as the
 * libraries like, the parent kills it at the deadline.
 */
#include "bmc_child.h"

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

#include "bmc_reply.h"

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
			    strerror(errno), bmc_inband_hint);
			return;
		}
	}
	ipmi = bmc_ipmi_open(c, c->privilege, msg, sizeof(msg), &cls);
	if (ipmi == NULL) {
		snprintf(err, errlen, "%s", msg);
		return;
	}
	bmc_ipmi_close(ipmi);
	snprintf(err, errlen, "%s%s", libmsg, bmc_inband_hint);
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
	bool live = false;
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
			live = true;
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
			bmc_reply_info(out,
			    "Get Sensor Thresholds failed for \"%s\": %s; "
			    "using the SDR copy",
			    r->name, ipmi_ctx_errormsg(ipmi));
		}
	}
	for (i = 0; i < 3; i++)
		if (!isnan(v[i]))
			v[i] = to_celsius(v[i], r->fahrenheit);
	bmc_reply_thresholds(out, r->rid, v[0], v[1], v[2], live);
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
		bmc_reply_info(out,
		    "cannot open the SDR cache %s: %s; no thresholds this "
		    "time",
		    cache_path, ipmi_sdr_ctx_errormsg(sdr));
		ipmi_sdr_ctx_destroy(sdr);
		return;
	}
	ipmi = bmc_ipmi_open(c, c->privilege, err, sizeof(err), &cls);
	if (ipmi == NULL) {
		bmc_reply_info(out,
		    "no session for the live thresholds (%s); using the SDR "
		    "copies",
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
		bmc_reply_error(out, BMC_E_CACHE,
		    "cannot create the SDR cache directory %s: %s", cache_dir,
		    strerror(errno));
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
	cfg.workaround_flags = bmc_wa_flags(c);
	switch (c->driver) {
	case IPMI_DRV_LAN:
		if (bmc_password_load(c->password_file, pw, sizeof(pw), err,
			sizeof(err)) != 0) {
			bmc_reply_error(out, BMC_E_AUTH, "%s", err);
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
		bmc_reply_error(out, BMC_E_OTHER, "libipmimonitoring: %s",
		    ipmi_monitoring_ctx_strerror(errnum));
		return 1;
	}
	m = ipmi_monitoring_ctx_create();
	rds = calloc(MAX_SENSORS, sizeof(*rds));
	if (m == NULL || rds == NULL) {
		bmc_reply_error(out, BMC_E_OTHER, "out of memory");
		return 1;
	}
	if (ipmi_monitoring_ctx_sdr_cache_directory(m, cache_dir) < 0 ||
	    ipmi_monitoring_ctx_sdr_cache_filenames(m, CACHE_PREFIX "%H") < 0) {
		bmc_reply_error(out, BMC_E_CACHE, "SDR cache %s: %s", cache_dir,
		    ipmi_monitoring_ctx_errormsg(m));
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
		bmc_reply_error(out, cls, "%s", err);
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
		bmc_reply_sensor(
		    out, r->rid, r->snum, r->state, r->value, r->name);
	}
	ipmi_monitoring_ctx_destroy(m);

	rebuilt = false;
	if (find_cache(cache_dir, cache, sizeof(cache), &after) == 0) {
		rebuilt = !had_cache || !same_file(&before, &after);
		if (want_thresholds || rebuilt)
			thresholds_all(c, cache, rds, k, out);
	} else if (k > 0) {
		bmc_reply_info(
		    out, "no SDR cache file in %s: no thresholds", cache_dir);
	}
	free(rds);
	bmc_reply_done(
	    out, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, rebuilt);
	return 0;
}
