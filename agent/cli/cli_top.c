/*
 * cli_top.c - thermwatchctl top: the live table of the hosts, full
 * screen (ncurses), until q. Its data come from MQTT (every agent's
 * retained state and status, their telemetry and zone peer summaries, as
 * watch sees them) or, for this host alone, from the local daemon's
 * control socket, polled. The rows are made by top_model.c and drawn by
 * top_draw.c; here are the options, the sources, the keys and the loop.
 */
#include <curses.h>
#include <getopt.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_mqtt.h"
#include "ctl_proto.h"
#include "jsonutil.h"
#include "top_draw.h"
#include "top_model.h"

#define REDRAW_MS 1000 /* the clock and the ages move */
#define DRAW_MS   100  /* at most this often for new data */

struct top {
	struct top_model m;
	struct top_view v;
	struct cli_mqtt mo;
	struct cli *c;
	bool dirty;
	bool connected;
	int connect_rc;
	cJSON *sensors; /* local: the last sensors answer */
	char source[MQC_HOST_LEN + 64];
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- MQTT ---------------------------------------------------------------- */

static void
on_connect(struct mosquitto *mq, void *arg, int rc)
{
	static const char *const leaves[] = { "state", "status", "telemetry",
		"peer" };
	struct top *t = arg;
	char topic[4 * TOP_NAME_LEN + MQC_NAME_LEN];
	size_t i;

	t->connect_rc = rc;
	if (rc != 0)
		return;
	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		snprintf(topic, sizeof(topic), "%s/%s/%s/%s/%s", t->mo.prefix,
		    t->mo.site, t->mo.zone, t->mo.host, leaves[i]);
		(void)mosquitto_subscribe(mq, NULL, topic, 0);
	}
	t->connected = true;
	t->v.problem[0] = '\0';
	t->dirty = true;
}

static void
on_disconnect(struct mosquitto *mq, void *arg, int rc)
{
	struct top *t = arg;

	(void)mq;
	t->connected = false;
	snprintf(t->v.problem, sizeof(t->v.problem),
	    "broker %.200s:%d lost (%s), reconnecting", t->mo.broker.host,
	    t->mo.broker.port, rc == 0 ? "closed" : mosquitto_strerror(rc));
	t->dirty = true;
}

static void
on_message(struct mosquitto *mq, void *arg, const struct mosquitto_message *msg)
{
	struct top *t = arg;

	(void)mq;
	if (top_model_message(&t->m, t->mo.prefix, msg->topic, msg->payload,
		msg->payloadlen, wall_ms()))
		t->dirty = true;
}

static void
set_callbacks(struct mosquitto *mq)
{
	mosquitto_connect_callback_set(mq, on_connect);
	mosquitto_disconnect_callback_set(mq, on_disconnect);
	mosquitto_message_callback_set(mq, on_message);
}

/*
 * Wait for the broker at most wait_ms, then take every message already
 * there (a burst of retained messages at start, a simulator replaying a
 * night) before the screen is drawn again. Reconnect at most once a
 * second.
 */
static void
mqtt_step(struct top *t, struct mosquitto *mq, int wait_ms, int64_t *retry)
{
	struct pollfd pfd;
	int r = mosquitto_loop(mq, wait_ms, 1), i;

	for (i = 0; r == MOSQ_ERR_SUCCESS && i < 10000; i++) {
		pfd.fd = mosquitto_socket(mq);
		pfd.events = POLLIN;
		if (pfd.fd < 0 || poll(&pfd, 1, 0) <= 0)
			break;
		r = mosquitto_loop_read(mq, 1);
	}
	if (t->connect_rc != 0) {
		snprintf(t->v.problem, sizeof(t->v.problem),
		    "broker %.200s:%d refused: %s", t->mo.broker.host,
		    t->mo.broker.port, mosquitto_connack_string(t->connect_rc));
		t->dirty = true;
	}
	if (r == MOSQ_ERR_SUCCESS || mono_ms() < *retry)
		return;
	*retry = mono_ms() + 1000;
	if (t->connected)
		on_disconnect(mq, t, r);
	(void)mosquitto_reconnect(mq);
}

/* --- the local control socket --------------------------------------------- */

static void
local_poll(struct top *t)
{
	char err[512] = "";
	cJSON *status, *sensors;
	struct top_host *h;

	status = cli_ask(t->c, CTL_CMD_STATUS, err, sizeof(err));
	if (status == NULL) {
		snprintf(t->v.problem, sizeof(t->v.problem), "%s", err);
		t->dirty = true;
		return;
	}
	h = top_model_host(&t->m, json_str(status, "site", "?"),
	    json_str(status, "zone", "?"), json_str(status, "host", "?"));
	if (h != NULL) {
		/* the same members as the MQTT state (mqm_state_fields) */
		top_host_state(h, status);
		h->seen_ms = wall_ms();
	}
	sensors = cli_ask(t->c, CTL_CMD_SENSORS, err, sizeof(err));
	if (sensors != NULL) {
		if (h != NULL)
			top_host_sensors(h, sensors);
		cJSON_Delete(t->sensors);
		t->sensors = sensors;
		t->v.sensors = sensors;
	}
	snprintf(t->v.problem, sizeof(t->v.problem), "%s", err);
	cJSON_Delete(status);
	t->m.messages++;
	t->dirty = true;
}

/* --- keys --------------------------------------------------------------- */

/* false: quit */
static bool
on_key(struct top *t, int ch)
{
	static const char sort_keys[TOP_SORT_COUNT] = { 'e', 's', 'h', 'z', 't',
		'i', 'c' };
	int page = top_draw_page() > 1 ? top_draw_page() - 1 : 1, k;

	for (k = 0; k < TOP_SORT_COUNT; k++)
		if (ch == sort_keys[k]) {
			t->m.sort = (enum top_sort)k;
			t->m.reverse = false;
			t->v.scroll = 0;
			return true;
		}
	switch (ch) {
	case 'q':
	case 'Q':
		return false;
	case 'r':
		t->m.reverse = !t->m.reverse;
		break;
	case '\t':
		t->m.sort = (enum top_sort)((t->m.sort + 1) % TOP_SORT_COUNT);
		break;
	case KEY_UP:
	case 'k':
		t->v.scroll--;
		break;
	case KEY_DOWN:
	case 'j':
		t->v.scroll++;
		break;
	case KEY_PPAGE:
	case 'b':
		t->v.scroll -= page;
		break;
	case KEY_NPAGE:
	case ' ':
		t->v.scroll += page;
		break;
	case KEY_HOME:
	case 'g':
		t->v.scroll = 0;
		break;
	case KEY_END:
	case 'G':
		t->v.scroll = t->m.n;
		break;
	case 12: /* ^L */
		clearok(curscr, TRUE);
		break;
	default:
		break;
	}
	return true;
}

/* --- the command ---------------------------------------------------------- */

static int
parse(struct top *t, int argc, char **argv, bool *local, double *interval)
{
	static const struct option opts[] = { CLI_MQTT_OPTIONS,
		{ "local", no_argument, NULL, 'l' },
		{ "interval", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 } };
	bool mqtt_opt = false;
	int ch, r;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(
		    argc, argv, CLI_MQTT_SHORTOPTS "li:", opts, NULL)) != -1) {
		if ((r = cli_mqtt_opt(&t->mo, ch, optarg, "top")) != 1) {
			if (r != 0)
				return r;
			mqtt_opt = true;
		} else if (ch == 'l') {
			*local = true;
		} else if (ch == 'i') {
			*interval = cli_parse_duration(optarg);
			if (!(*interval >= 0.2 && *interval <= 3600))
				return cli_usage_error("top: bad --interval "
						       "\"%s\" (0.2s to 1h)",
				    optarg);
		} else {
			return cli_usage_error("top: unknown or incomplete "
					       "option %s",
			    argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error(
		    "top: unexpected argument %s", argv[optind]);
	if (*local && mqtt_opt)
		return cli_usage_error("top: --local reads the control socket; "
				       "the MQTT options do not apply");
	/* MQTT when asked for or configured, else this host's daemon */
	if (!*local && !mqtt_opt &&
	    !(t->c->have_conf && t->c->conf.mqtt.enabled))
		*local = true;
	return 0;
}

static bool
have_terminal(void)
{
	if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		return true;
	fprintf(stderr,
	    "thermwatchctl: top needs a terminal (for a log: watch; for "
	    "scripts: status --json)\n");
	return false;
}

static SCREEN *
screen_open(void)
{
	SCREEN *scr;

	/* the locale's characters, but C numbers */
	setlocale(LC_CTYPE, "");
	if ((scr = newterm(NULL, stdout, stdin)) == NULL) {
		fprintf(stderr,
		    "thermwatchctl: top cannot use the terminal \"%s\"\n",
		    getenv("TERM") != NULL ? getenv("TERM") : "(no TERM)");
		return NULL;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	top_draw_init();
	return scr;
}

/* Draw when something changed, at most every DRAW_MS (a burst of
 * messages is one redraw), at once after a key, and every REDRAW_MS. */
static void
run(struct top *t, struct mosquitto *mq, double interval)
{
	int64_t last_draw = 0, next_poll = 0, retry = 0, now;
	bool key;
	int ch;

	timeout(mq != NULL ? 0 : 100);
	while (!stop) {
		if (mq != NULL) {
			mqtt_step(t, mq, 100, &retry);
		} else if (mono_ms() >= next_poll) {
			local_poll(t);
			next_poll = mono_ms() + (int64_t)(interval * 1000);
		}
		key = false;
		while ((ch = getch()) != ERR) {
			if (!on_key(t, ch))
				return;
			key = true;
		}
		now = mono_ms();
		if (key || now - last_draw >= REDRAW_MS ||
		    (t->dirty && now - last_draw >= DRAW_MS)) {
			top_model_sort(&t->m);
			t->v.now_ms = wall_ms();
			top_draw(&t->m, &t->v);
			t->dirty = false;
			last_draw = now;
		}
	}
}

int
cli_top(struct cli *c, int argc, char **argv)
{
	struct top t;
	struct mosquitto *mq = NULL;
	SCREEN *scr;
	bool local = false;
	double interval = 1.0;
	int rc;

	memset(&t, 0, sizeof(t));
	t.c = c;
	cli_mqtt_init(&t.mo);
	top_model_init(&t.m);
	if ((rc = parse(&t, argc, argv, &local, &interval)) != 0)
		return rc;
	if (!have_terminal())
		return CLI_FAIL;
	if (local) {
		snprintf(t.source, sizeof(t.source), "local %s", c->socket);
	} else {
		cli_mqtt_defaults(&t.mo, c);
		snprintf(t.source, sizeof(t.source), "broker %s:%d",
		    t.mo.broker.host, t.mo.broker.port);
		mq = cli_mqtt_connect(&t.mo, c, &t, set_callbacks);
		if (mq == NULL)
			return CLI_FAIL;
	}
	t.v.source = t.source;
	if ((scr = screen_open()) == NULL) {
		cli_mqtt_close(mq);
		return CLI_FAIL;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	run(&t, mq, interval);
	endwin();
	delscreen(scr);
	cli_mqtt_close(mq);
	cJSON_Delete(t.sensors);
	top_model_done(&t.m);
	return CLI_OK;
}
