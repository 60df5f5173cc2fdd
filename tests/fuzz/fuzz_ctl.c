/*
 * fuzz_ctl.c - libFuzzer target: control socket request lines
 * (ctl_handle: the protocol, every command's members), answered by
 * stand-ins for the daemon that check overrides on a real engine.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_cmd.h"
#include "engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct eng *eng;

static cJSON *
view(void *arg)
{
	(void)arg;
	return cJSON_CreateObject();
}

static cJSON *
list(void *arg)
{
	(void)arg;
	return cJSON_CreateArray();
}

static double
max_ttl(void *arg)
{
	(void)arg;
	return 14400;
}

static int
check(void *arg, const char *key, double value, double ttl_s, char *msg,
    size_t len)
{
	(void)arg;
	return eng_override_check(eng, key, value, ttl_s, msg, len);
}

static int
set(void *arg, const char *key, double value, double ttl_s, const char *reason,
    const char *author, const char *via, char *msg, size_t len)
{
	(void)arg;
	(void)reason;
	(void)author;
	(void)via;
	return eng_override_check(eng, key, value, ttl_s, msg, len);
}

static int
clear(void *arg, const char *key, const char *author, const char *via,
    char *msg, size_t len)
{
	(void)arg;
	(void)author;
	(void)via;
	if (eng_override_clear(eng, key) == 0)
		return 0;
	snprintf(msg, len, "no override \"%s\" in force", key);
	return -1;
}

static int
hold_clear(void *arg, const char *who, const char *reason, char *was,
    size_t wlen, char *err, size_t errlen)
{
	(void)arg;
	(void)who;
	(void)reason;
	(void)was;
	(void)wlen;
	snprintf(err, errlen, "not in hold");
	return -1;
}

static int
rescan(void *arg)
{
	(void)arg;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ctl_ops ops = { view, view, list, max_ttl, check,
		set, clear, hold_clear, rescan };
	static const struct ctl_peer peer = { 1000, 1, "fuzz" };
	struct eng_conf conf;
	char *s;
	cJSON *r;

	if (eng == NULL) {
		eng_conf_defaults(&conf);
		eng = eng_create(&conf);
		if (eng == NULL)
			abort();
	}
	r = ctl_handle(&ops, NULL, &peer, (const char *)data, size);
	s = cJSON_PrintUnformatted(r);
	free(s);
	cJSON_Delete(r);
	return 0;
}
