/*
 * cli_console.c - thermwatchctl console: a host's serial console over IPMI
 * Serial-over-LAN (libipmiconsole), in raw terminal mode when stdin is a
 * terminal. "~." at the start of a line quits, "~~" sends one "~".
 *
 * Without a terminal (tests, scripts) stdin is forwarded as it comes; at
 * its end the console stays open for --linger seconds to collect output.
 *
 * BMCs differ: --workarounds takes the FreeIPMI -W names (ipmi_sim needs
 * opensesspriv,solchannelsupport,solpayloadsize), and --sacrificial-cr
 * sends one CR before anything else, because some BMCs (ipmi_sim) drop
 * the first SOL packet of every session after the first.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <ipmiconsole.h>

#include "cli.h"
#include "fileio.h"

static const struct {
	const char *name;
	unsigned int flag;
} workarounds[] = {
	{ "authcap", IPMICONSOLE_WORKAROUND_AUTHENTICATION_CAPABILITIES },
	{ "intel20", IPMICONSOLE_WORKAROUND_INTEL_2_0_SESSION },
	{ "supermicro20", IPMICONSOLE_WORKAROUND_SUPERMICRO_2_0_SESSION },
	{ "sun20", IPMICONSOLE_WORKAROUND_SUN_2_0_SESSION },
	{ "opensesspriv", IPMICONSOLE_WORKAROUND_OPEN_SESSION_PRIVILEGE },
	{ "integritycheckvalue",
	    IPMICONSOLE_WORKAROUND_NON_EMPTY_INTEGRITY_CHECK_VALUE },
	{ "nochecksumcheck", IPMICONSOLE_WORKAROUND_NO_CHECKSUM_CHECK },
	{ "serialalertsdeferred",
	    IPMICONSOLE_WORKAROUND_SERIAL_ALERTS_DEFERRED },
	{ "incrementsolpacketsequence",
	    IPMICONSOLE_WORKAROUND_INCREMENT_SOL_PACKET_SEQUENCE },
	{ "solpayloadsize", IPMICONSOLE_WORKAROUND_IGNORE_SOL_PAYLOAD_SIZE },
	{ "solport", IPMICONSOLE_WORKAROUND_IGNORE_SOL_PORT },
	{ "solstatus", IPMICONSOLE_WORKAROUND_SKIP_SOL_ACTIVATION_STATUS },
	{ "solchannelsupport",
	    IPMICONSOLE_WORKAROUND_SKIP_CHANNEL_PAYLOAD_SUPPORT },
};

static volatile sig_atomic_t stop;
static struct termios saved_tio;
static bool raw_mode;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
parse_workarounds(const char *list, unsigned int *flags)
{
	char buf[512], *tok, *save = NULL;
	size_t i;
	bool found;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		found = false;
		for (i = 0; i < sizeof(workarounds) / sizeof(workarounds[0]);
		     i++)
			if (strcmp(tok, workarounds[i].name) == 0) {
				*flags |= workarounds[i].flag;
				found = true;
			}
		if (!found)
			return cli_usage_error("console: unknown workaround "
					       "\"%s\"",
			    tok);
	}
	return 0;
}

/* The daemon's ipmi.workarounds that also mean something to SOL. */
static unsigned int
conf_workarounds(unsigned int w)
{
	unsigned int f = 0;

	if (w & IPMI_WA_OPENSESSPRIV)
		f |= IPMICONSOLE_WORKAROUND_OPEN_SESSION_PRIVILEGE;
	if (w & IPMI_WA_AUTHCAP)
		f |= IPMICONSOLE_WORKAROUND_AUTHENTICATION_CAPABILITIES;
	if (w & IPMI_WA_INTEL20)
		f |= IPMICONSOLE_WORKAROUND_INTEL_2_0_SESSION;
	if (w & IPMI_WA_SUPERMICRO20)
		f |= IPMICONSOLE_WORKAROUND_SUPERMICRO_2_0_SESSION;
	if (w & IPMI_WA_SUN20)
		f |= IPMICONSOLE_WORKAROUND_SUN_2_0_SESSION;
	if (w & IPMI_WA_INTEGRITYCHECK)
		f |= IPMICONSOLE_WORKAROUND_NON_EMPTY_INTEGRITY_CHECK_VALUE;
	if (w & IPMI_WA_NOCHECKSUM)
		f |= IPMICONSOLE_WORKAROUND_NO_CHECKSUM_CHECK;
	return f;
}

static void
restore_tty(void)
{
	if (raw_mode)
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	raw_mode = false;
}

static void
make_raw(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio) != 0)
		return;
	t = saved_tio;
	cfmakeraw(&t);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == 0) {
		raw_mode = true;
		atexit(restore_tty);
	}
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct esc {
	char ch;
	bool line_start;
	bool pending; /* escape char seen at line start */
};

/* Filter keystrokes into out; true when the user asked to quit. */
static bool
filter_input(struct esc *e, const char *in, size_t n, char *out, size_t *olen)
{
	size_t i;

	*olen = 0;
	for (i = 0; i < n; i++) {
		char k = in[i];

		if (e->pending) {
			e->pending = false;
			if (k == '.')
				return true;
			if (k != e->ch)
				out[(*olen)++] = e->ch;
			out[(*olen)++] = k;
		} else if (e->line_start && k == e->ch) {
			e->pending = true;
			continue;
		} else {
			out[(*olen)++] = k;
		}
		e->line_start = k == '\r' || k == '\n';
	}
	return false;
}

int
cli_console(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "user", required_argument, NULL, 'u' },
		{ "password-file", required_argument, NULL, 'P' },
		{ "privilege", required_argument, NULL, 'l' },
		{ "cipher-suite", required_argument, NULL, 'I' },
		{ "workarounds", required_argument, NULL, 'W' },
		{ "sacrificial-cr", no_argument, NULL, 'C' },
		{ "escape", required_argument, NULL, 'e' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "linger", required_argument, NULL, 'L' }, { NULL, 0, NULL, 0 }
	};
	char host[IPMI_HOST_LEN] = "", user[IPMI_USER_LEN + 1] = "";
	char pwfile[PATH_MAX] = "", password[64] = "", ibuf[512], obuf[1100];
	struct ipmiconsole_ipmi_config ic;
	struct ipmiconsole_protocol_config pc = { 5000, 250, -1, 2000, 1000, -1,
		-1 };
	struct ipmiconsole_engine_config ec = { 0, 0, 0 };
	ipmiconsole_ctx_t ctx = NULL;
	struct esc esc = { '~', true, false };
	unsigned int wflags = 0;
	bool have_w = false, sacrificial = false, in_open = true;
	double timeout = 0, linger = 1.0, t_end = 0, t0;
	int priv = IPMICONSOLE_PRIVILEGE_ADMIN, suite = 3;
	int ch, fd, rc = CLI_FAIL, n;
	struct pollfd pfd[2];
	size_t olen;
	ssize_t r;
	char *end;

	if (c->have_conf && c->conf.ipmi.host[0] != '\0') {
		snprintf(host, sizeof(host), "%s", c->conf.ipmi.host);
		snprintf(user, sizeof(user), "%s", c->conf.ipmi.username);
		snprintf(
		    pwfile, sizeof(pwfile), "%s", c->conf.ipmi.password_file);
		suite = c->conf.ipmi.cipher_suite;
		wflags = conf_workarounds(c->conf.ipmi.workarounds);
	}
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(
		    argc, argv, "H:u:P:l:I:W:Ce:T:L:", opts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			snprintf(host, sizeof(host), "%s", optarg);
			break;
		case 'u':
			if (strlen(optarg) >= sizeof(user) - 1)
				return cli_usage_error("console: --user is "
						       "longer than 16 bytes");
			snprintf(user, sizeof(user), "%s", optarg);
			break;
		case 'P':
			snprintf(pwfile, sizeof(pwfile), "%s", optarg);
			break;
		case 'l':
			if (strcmp(optarg, "user") == 0)
				priv = IPMICONSOLE_PRIVILEGE_USER;
			else if (strcmp(optarg, "operator") == 0)
				priv = IPMICONSOLE_PRIVILEGE_OPERATOR;
			else if (strcmp(optarg, "admin") == 0)
				priv = IPMICONSOLE_PRIVILEGE_ADMIN;
			else
				return cli_usage_error(
				    "console: bad "
				    "--privilege \"%s\" (user, operator or "
				    "admin)",
				    optarg);
			break;
		case 'I':
			suite = (int)strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' ||
			    !ipmiconsole_cipher_suite_id_is_valid(suite))
				return cli_usage_error("console: bad "
						       "--cipher-suite \"%s\"",
				    optarg);
			break;
		case 'W':
			if (!have_w)
				wflags = 0;
			have_w = true;
			if (parse_workarounds(optarg, &wflags) != 0)
				return CLI_USAGE;
			break;
		case 'C':
			sacrificial = true;
			break;
		case 'e':
			if (strlen(optarg) != 1)
				return cli_usage_error("console: --escape "
						       "takes one character");
			esc.ch = optarg[0];
			break;
		case 'T':
			timeout = cli_parse_duration(optarg);
			if (!(timeout > 0))
				return cli_usage_error("console: bad "
						       "--timeout \"%s\"",
				    optarg);
			break;
		case 'L':
			linger = cli_parse_duration(optarg);
			if (linger < 0)
				return cli_usage_error("console: bad "
						       "--linger \"%s\"",
				    optarg);
			break;
		default:
			return cli_usage_error("console: unknown or "
					       "incomplete option %s",
			    argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error(
		    "console: unexpected argument %s", argv[optind]);
	if (host[0] == '\0')
		return cli_usage_error("console: --host is required (or "
				       "ipmi.host in the config)");
	if (pwfile[0] != '\0' &&
	    cli_read_secret(pwfile, password, sizeof(password)) != 0)
		return CLI_FAIL;
	if (!ipmiconsole_password_is_valid(password)) {
		fprintf(stderr,
		    "thermwatchctl: the password in %s is too "
		    "long for IPMI\n",
		    pwfile);
		goto out;
	}

	memset(&ic, 0, sizeof(ic));
	ic.username = user[0] != '\0' ? user : NULL;
	ic.password = password[0] != '\0' ? password : NULL;
	ic.privilege_level = priv;
	ic.cipher_suite_id = suite;
	ic.workaround_flags = wflags;
	if (ipmiconsole_engine_init(1, 0) < 0) {
		fprintf(stderr, "thermwatchctl: ipmiconsole_engine_init: %s\n",
		    strerror(errno));
		goto out;
	}
	ctx = ipmiconsole_ctx_create(host, &ic, &pc, &ec);
	if (ctx == NULL) {
		fprintf(stderr, "thermwatchctl: console setup for %s: %s\n",
		    host, strerror(errno));
		goto out_engine;
	}
	if (ipmiconsole_engine_submit_block(ctx) < 0) {
		fprintf(stderr, "thermwatchctl: no SOL session with %s: %s\n",
		    host, ipmiconsole_ctx_errormsg(ctx));
		goto out_ctx;
	}
	fd = ipmiconsole_ctx_fd(ctx);
	fprintf(stderr, "[SOL session with %s established; %c. to quit]%s",
	    host, esc.ch, isatty(STDIN_FILENO) ? "\r\n" : "\n");
	if (sacrificial) {
		(void)fio_write_all(fd, "\r", 1);
		usleep(300000);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	make_raw();
	t0 = now_s();
	rc = CLI_OK;
	while (!stop) {
		pfd[0].fd = fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = in_open ? STDIN_FILENO : -1;
		pfd[1].events = POLLIN;
		n = poll(pfd, 2, 100);
		if (n < 0 && errno != EINTR) {
			rc = CLI_FAIL;
			break;
		}
		if (n > 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			r = read(fd, obuf, sizeof(obuf));
			if (r <= 0) {
				restore_tty();
				fprintf(stderr, "\n[SOL session closed: %s]\n",
				    ipmiconsole_ctx_errormsg(ctx));
				rc = CLI_FAIL;
				break;
			}
			(void)fio_write_all(STDOUT_FILENO, obuf, (size_t)r);
		}
		if (n > 0 && in_open &&
		    (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			r = read(STDIN_FILENO, ibuf, sizeof(ibuf));
			if (r <= 0) {
				in_open = false;
				t_end = now_s() + linger;
			} else {
				if (filter_input(
					&esc, ibuf, (size_t)r, obuf, &olen))
					stop = 1;
				if (olen > 0 &&
				    fio_write_all(fd, obuf, olen) != 0)
					break;
			}
		}
		if (!in_open && now_s() >= t_end)
			break;
		if (timeout > 0 && now_s() - t0 >= timeout)
			break;
	}
	restore_tty();
	fprintf(stderr, "\n[SOL session with %s closed]\n", host);
out_ctx:
	ipmiconsole_ctx_destroy(ctx);
out_engine:
	ipmiconsole_engine_teardown(1);
out:
	explicit_bzero(password, sizeof(password));
	return rc;
}
