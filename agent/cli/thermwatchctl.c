/*
 * thermwatchctl - the operator CLI: talks to thermwatchd over its control
 * socket (status, sensors, overrides, hold, rescan), sends (signed)
 * override requests and watches the agents on MQTT (override --broker,
 * keygen, watch) and opens a host's serial console over IPMI SOL
 * (console).
 * See thermwatchctl(8).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "cli_remote.h"
#include "cli_check.h"
#include "ctl_proto.h"

void
cli_usage(FILE *out)
{
	fprintf(out,
	    "usage: thermwatchctl [-s socket] [-c config] [--json] command\n"
	    "commands:\n"
	    "  status [--check]\n"
	    "  sensors\n"
	    "  overrides\n"
	    "  override set KEY VALUE --ttl DURATION --reason TEXT "
	    "[--by NAME] [--clamp]\n"
	    "        [--broker B [--to SITE[/ZONE[/HOST]]] [--key FILE]\n"
	    "         [--user U] [--password-file F] [--wait S] [--id ID]]\n"
	    "  override clear KEY [--broker B --reason TEXT [--to ...] "
	    "[--key FILE] ...]\n"
	    "  keygen NAME [--out FILE]\n"
	    "  hold clear [--reason TEXT]\n"
	    "  rescan\n"
	    "  top [--local [--interval S]] | [--broker HOST:PORT] [--user U]\n"
	    "      [--password-file F] [--site S] [--zone Z] [--host H]\n"
	    "  watch [--broker HOST:PORT] [--user U] [--password-file F]\n"
	    "        [--site S] [--zone Z] [--host H] [--topic T] "
	    "[--count N] [--timeout S]\n"
	    "  fleet [--broker HOST:PORT] [--user U] [--password-file F]\n"
	    "        [--site S] [--max-age S] [--check-tiers N] [--timeout S]\n"
	    "  console --host BMC[:PORT] [--user U] [--password-file F]\n"
	    "        [--privilege user|operator|admin] "
	    "[--workarounds LIST]\n"
	    "        [--sacrificial-cr] [--escape C] [--timeout S]\n"
	    "thermwatchctl --version | --help\n");
}

int
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "thermwatchctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	cli_usage(stderr);
	return CLI_USAGE;
}

int
cli_load_conf(struct cli *c, bool required)
{
	const char *path = c->config != NULL ? c->config : CNF_DEFAULT_PATH;
	char *msgs = NULL;
	size_t len = 0;
	FILE *err;
	int n;

	if (c->have_conf)
		return 0;
	if (c->config == NULL && access(path, R_OK) != 0) {
		if (required)
			fprintf(stderr,
			    "thermwatchctl: cannot read %s: %s "
			    "(give -c)\n",
			    path, strerror(errno));
		return required ? -1 : 0;
	}
	err = open_memstream(&msgs, &len);
	if (err == NULL)
		return -1;
	n = cnf_load(path, &c->conf, err);
	fclose(err);
	if (n != 0 && c->config == NULL) {
		/* only a hint: go on with the defaults */
		fprintf(stderr,
		    "thermwatchctl: warning: %s has errors, "
		    "ignoring it (thermwatchd --check-config shows them)\n",
		    path);
		free(msgs);
		cnf_free(&c->conf);
		return 0;
	}
	if (n != 0) {
		fprintf(stderr, "%s", msgs);
		fprintf(stderr, "thermwatchctl: %s has errors\n", path);
		free(msgs);
		cnf_free(&c->conf);
		return -1;
	}
	free(msgs);
	c->have_conf = true;
	return 0;
}

/* Send req (consumed); print the result; the exit code. */
static int
run(struct cli *c, cJSON *req, void (*print)(const cJSON *), const char *done)
{
	const cJSON *ok, *res, *warn;
	cJSON *resp;
	char *s;
	int rc;

	resp = cli_request(c, req);
	cJSON_Delete(req);
	if (resp == NULL)
		return CLI_FAIL;
	ok = cJSON_GetObjectItemCaseSensitive(resp, "ok");
	res = cJSON_GetObjectItemCaseSensitive(resp, "result");
	if (!cJSON_IsTrue(ok)) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(
		    resp, "error");

		fprintf(stderr, "thermwatchctl: %s\n",
		    cJSON_IsString(e) ? e->valuestring
				      : "the daemon refused the request");
		if (c->json && (s = cJSON_PrintUnformatted(resp)) != NULL) {
			printf("%s\n", s);
			free(s);
		}
		cJSON_Delete(resp);
		return CLI_FAIL;
	}
	rc = CLI_OK;
	if (c->json) {
		s = cJSON_Print(res != NULL ? res : resp);
		if (s != NULL) {
			printf("%s\n", s);
			free(s);
		}
	} else {
		warn = cJSON_GetObjectItemCaseSensitive(res, "warning");
		if (cJSON_IsString(warn))
			fprintf(stderr, "thermwatchctl: warning: %s\n",
			    warn->valuestring);
		if (print != NULL)
			print(res);
		if (done != NULL)
			printf("%s\n", done);
	}
	cJSON_Delete(resp);
	return rc;
}

static cJSON *
request(const char *cmd)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "cmd", cmd);
	return r;
}

/* Sub-command options: only --json, anywhere after the command. */
static int
plain_args(struct cli *c, int argc, char **argv, int want, const char *what)
{
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			c->json = true;
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return cli_usage_error(
			    "%s: unknown option %s", what, argv[i]);
		else
			argv[++n] = argv[i];
	}
	if (n != want)
		return cli_usage_error("%s: expected %d argument%s, got %d",
		    what, want, want == 1 ? "" : "s", n);
	return 0;
}

/* Remove every flag from argv[1..]; true when there was one. */
static bool
take_flag(int *argc, char **argv, const char *flag)
{
	int i, n = 1;
	bool seen = false;

	for (i = 1; i < *argc; i++) {
		if (strcmp(argv[i], flag) == 0)
			seen = true;
		else
			argv[n++] = argv[i];
	}
	*argc = n;
	return seen;
}

static int
parse_value(const char *s, double *v)
{
	char *end;

	if (strcasecmp(s, "on") == 0 || strcasecmp(s, "true") == 0) {
		*v = 1;
		return 0;
	}
	if (strcasecmp(s, "off") == 0 || strcasecmp(s, "false") == 0) {
		*v = 0;
		return 0;
	}
	errno = 0;
	*v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(*v))
		return -1;
	return 0;
}

static int
cmd_override_set(struct cli *c, int argc, char **argv)
{
	static const struct option local[] = { { "ttl", required_argument, NULL,
						   't' },
		{ "reason", required_argument, NULL, 'r' },
		{ "by", required_argument, NULL, 'b' },
		{ "clamp", no_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 } };
	struct option opts[16];
	struct cli_remote rem;
	const char *reason = NULL, *by = NULL;
	bool clamp = false;
	double ttl = -1, value;
	cJSON *req;
	int ch;

	cli_remote_init(&rem);
	cli_remote_merge(local, opts, 16);
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "t:r:b:", opts, NULL)) != -1) {
		switch (cli_remote_opt(&rem, ch, optarg)) {
		case 1:
			continue;
		case -1:
			return CLI_USAGE;
		}
		switch (ch) {
		case 't':
			ttl = cli_parse_duration(optarg);
			if (!(ttl > 0))
				return cli_usage_error(
				    "override set: bad "
				    "--ttl \"%s\" (e.g. 90s, 30m, 2h, 1h30m)",
				    optarg);
			break;
		case 'r':
			reason = optarg;
			break;
		case 'b':
			by = optarg;
			break;
		case 'C':
			clamp = true;
			break;
		case 'j':
			c->json = true;
			break;
		default:
			return cli_usage_error("override set: unknown or "
					       "incomplete option %s",
			    argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		return cli_usage_error("override set: need KEY and VALUE");
	if (parse_value(argv[optind + 1], &value) != 0)
		return cli_usage_error("override set: VALUE \"%s\" is not a "
				       "number",
		    argv[optind + 1]);
	if (ttl < 0)
		return cli_usage_error("override set: --ttl is required "
				       "(overrides always expire)");
	if (reason == NULL || reason[0] == '\0')
		return cli_usage_error("override set: --reason is required");
	if (rem.on) {
		if (!rem.mq.have_broker && !c->have_conf)
			return cli_usage_error("override set: --broker is "
					       "required (or -c with mqtt)");
		if (clamp)
			return cli_usage_error("override set: a remote "
					       "request is never clamped");
		req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "key", argv[optind]);
		cJSON_AddNumberToObject(req, "value", value);
		cJSON_AddNumberToObject(req, "ttl_s", ttl);
		cJSON_AddStringToObject(req, "reason", reason);
		return cli_remote_send(c, &rem, req, by);
	}
	req = request(CTL_CMD_OVERRIDE_SET);
	cJSON_AddStringToObject(req, "key", argv[optind]);
	cJSON_AddNumberToObject(req, "value", value);
	cJSON_AddNumberToObject(req, "ttl_s", ttl);
	cJSON_AddStringToObject(req, "reason", reason);
	if (by != NULL)
		cJSON_AddStringToObject(req, "by", by);
	if (clamp)
		cJSON_AddBoolToObject(req, "clamp", true);
	return run(c, req, cli_print_overrides_one, NULL);
}

static int
cmd_override_clear(struct cli *c, int argc, char **argv)
{
	static const struct option local[] = { { "reason", required_argument,
						   NULL, 'r' },
		{ "by", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 } };
	struct option opts[16];
	struct cli_remote rem;
	const char *reason = NULL, *by = NULL;
	cJSON *req;
	int ch;

	cli_remote_init(&rem);
	cli_remote_merge(local, opts, 16);
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "r:b:", opts, NULL)) != -1) {
		switch (cli_remote_opt(&rem, ch, optarg)) {
		case 1:
			continue;
		case -1:
			return CLI_USAGE;
		}
		if (ch == 'r')
			reason = optarg;
		else if (ch == 'b')
			by = optarg;
		else if (ch == 'j')
			c->json = true;
		else
			return cli_usage_error("override clear: unknown or "
					       "incomplete option %s",
			    argv[optind - 1]);
	}
	if (argc - optind != 1)
		return cli_usage_error(
		    "override clear: expected 1 argument, got %d",
		    argc - optind);
	if (!rem.on) {
		if (reason != NULL || by != NULL)
			return cli_usage_error("override clear: --reason and "
					       "--by go with --broker");
		req = request(CTL_CMD_OVERRIDE_CLEAR);
		cJSON_AddStringToObject(req, "key", argv[optind]);
		return run(c, req, NULL, "override cleared");
	}
	if (reason == NULL || reason[0] == '\0')
		return cli_usage_error("override clear: --reason is required "
				       "with --broker");
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "key", argv[optind]);
	cJSON_AddBoolToObject(req, "clear", true);
	cJSON_AddStringToObject(req, "reason", reason);
	return cli_remote_send(c, &rem, req, by);
}

static int
cmd_override(struct cli *c, int argc, char **argv)
{
	int rc;

	if (argc < 2)
		return cli_usage_error("override: need set, clear or list");
	if (strcmp(argv[1], "set") == 0)
		return cmd_override_set(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "clear") == 0)
		return cmd_override_clear(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0) {
		if ((rc = plain_args(
			 c, argc - 1, argv + 1, 0, "override list")) != 0)
			return rc;
		return run(
		    c, request(CTL_CMD_OVERRIDES), cli_print_overrides, NULL);
	}
	return cli_usage_error("override: unknown action \"%s\" (set, clear "
			       "or list)",
	    argv[1]);
}

static int
cmd_hold(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { { "reason", required_argument,
						  NULL, 'r' },
		{ "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 } };
	const char *reason = NULL;
	cJSON *req;
	int ch;

	if (argc < 2 || strcmp(argv[1], "clear") != 0)
		return cli_usage_error("hold: only \"hold clear\" exists");
	argc--;
	argv++;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "r:", opts, NULL)) != -1) {
		if (ch == 'r')
			reason = optarg;
		else if (ch == 'j')
			c->json = true;
		else
			return cli_usage_error("hold clear: unknown or "
					       "incomplete option %s",
			    argv[optind - 1]);
	}
	if (optind != argc)
		return cli_usage_error(
		    "hold clear: unexpected argument %s", argv[optind]);
	req = request(CTL_CMD_HOLD_CLEAR);
	if (reason != NULL)
		cJSON_AddStringToObject(req, "reason", reason);
	return run(c, req, NULL, "hold cleared");
}

static void
resolve_socket(struct cli *c)
{
	if (c->socket != NULL)
		return;
	if (c->have_conf)
		c->socket = c->conf.control.socket;
	else
		c->socket = CTL_DEFAULT_SOCKET;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = { { "socket", required_argument,
						  NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 } };
	struct cli c;
	const char *cmd;
	bool check;
	int ch, rc;

	memset(&c, 0, sizeof(c));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+s:c:jh", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			c.socket = optarg;
			break;
		case 'c':
			c.config = optarg;
			break;
		case 'j':
			c.json = true;
			break;
		case 'h':
			cli_usage(stdout);
			return CLI_OK;
		case 'V':
			printf("thermwatchctl %s\n", TW_VERSION);
			return CLI_OK;
		default:
			if (optopt != 0 && strchr("sc", optopt) != NULL)
				return cli_usage_error("option -%c needs an "
						       "argument",
				    optopt);
			return cli_usage_error(
			    "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("no command given");
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	check = strcmp(cmd, "status") == 0 && take_flag(&argc, argv, "--check");
	/* -c must work; the default config is only a hint */
	if (cli_load_conf(&c, c.config != NULL) != 0)
		return check
		    ? check_unknown(stdout, "cannot use the configuration")
		    : CLI_FAIL;
	resolve_socket(&c);

	if (check) {
		rc = cli_check(&c, argc, argv);
	} else if (strcmp(cmd, "status") == 0 || strcmp(cmd, "sensors") == 0 ||
	    strcmp(cmd, "overrides") == 0 || strcmp(cmd, "rescan") == 0) {
		if ((rc = plain_args(&c, argc, argv, 0, cmd)) != 0)
			return rc;
		if (strcmp(cmd, "status") == 0)
			rc = run(&c, request(CTL_CMD_STATUS), cli_print_status,
			    NULL);
		else if (strcmp(cmd, "sensors") == 0)
			rc = run(&c, request(CTL_CMD_SENSORS),
			    cli_print_sensors, NULL);
		else if (strcmp(cmd, "overrides") == 0)
			rc = run(&c, request(CTL_CMD_OVERRIDES),
			    cli_print_overrides, NULL);
		else
			rc = run(
			    &c, request(CTL_CMD_RESCAN), NULL, "rescan done");
	} else if (strcmp(cmd, "override") == 0) {
		rc = cmd_override(&c, argc, argv);
	} else if (strcmp(cmd, "hold") == 0) {
		rc = cmd_hold(&c, argc, argv);
	} else if (strcmp(cmd, "keygen") == 0) {
		rc = cli_keygen(&c, argc, argv);
	} else if (strcmp(cmd, "watch") == 0) {
		rc = cli_watch(&c, argc, argv);
	} else if (strcmp(cmd, "fleet") == 0) {
		rc = cli_fleet(&c, argc, argv);
	} else if (strcmp(cmd, "top") == 0) {
		rc = cli_top(&c, argc, argv);
	} else if (strcmp(cmd, "console") == 0) {
		rc = cli_console(&c, argc, argv);
	} else {
		rc = cli_usage_error("unknown command \"%s\"", cmd);
	}
	if (c.have_conf)
		cnf_free(&c.conf);
	return rc;
}
