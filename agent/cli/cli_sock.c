/*
 * cli_sock.c - thermwatchctl's side of the control socket (ctl_proto.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "ctl_proto.h"

#define CLI_TIMEOUT_MS 10000

static int
connect_to(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path %s is too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	switch (errno) {
	case ENOENT:
	case ECONNREFUSED:
	case ENOTDIR:
		snprintf(err, errlen,
		    "thermwatchd is not running "
		    "(cannot connect to %s: %s)",
		    path, strerror(errno));
		break;
	case EACCES:
	case EPERM:
		snprintf(err, errlen,
		    "permission denied on %s (run "
		    "as root or as a member of the socket's group)",
		    path);
		break;
	default:
		snprintf(err, errlen, "cannot connect to %s: %s", path,
		    strerror(errno));
		break;
	}
	close(fd);
	return -1;
}

static int
send_all(int fd, const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = send(fd, s, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read one line (without its newline) into a malloc'ed buffer. */
static char *
read_line(int fd, const char *path, char *err, size_t errlen)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap), *p;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t r;
	int n;

	if (buf == NULL)
		return NULL;
	for (;;) {
		n = poll(&pfd, 1, CLI_TIMEOUT_MS);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			snprintf(err, errlen,
			    "no answer from thermwatchd on %s within %d s",
			    path, CLI_TIMEOUT_MS / 1000);
			break;
		}
		if (len + 1 >= cap) {
			if (cap >= CTL_MAX_RESPONSE + 1) {
				snprintf(err, errlen, "response too long");
				break;
			}
			cap *= 2;
			p = realloc(buf, cap);
			if (p == NULL) {
				snprintf(err, errlen, "out of memory");
				break;
			}
			buf = p;
		}
		r = recv(fd, buf + len, cap - 1 - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen,
			    "thermwatchd closed the connection on %s%s%s", path,
			    r < 0 ? ": " : "", r < 0 ? strerror(errno) : "");
			break;
		}
		len += (size_t)r;
		buf[len] = '\0';
		if ((p = memchr(buf, '\n', len)) != NULL) {
			*p = '\0';
			return buf;
		}
	}
	free(buf);
	return NULL;
}

cJSON *
cli_request_err(const struct cli *c, cJSON *req, char *err, size_t errlen)
{
	cJSON *resp = NULL;
	char *line, *text;
	int fd;

	cJSON_AddNumberToObject(req, "v", CTL_PROTO_VERSION);
	text = cJSON_PrintUnformatted(req);
	if (text == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (strlen(text) + 1 > CTL_MAX_REQUEST) {
		snprintf(err, errlen, "request too long (max %d bytes)",
		    CTL_MAX_REQUEST);
		free(text);
		return NULL;
	}
	fd = connect_to(c->socket, err, errlen);
	if (fd < 0) {
		free(text);
		return NULL;
	}
	if (send_all(fd, text, strlen(text)) < 0 || send_all(fd, "\n", 1) < 0) {
		snprintf(err, errlen, "sending to %s: %s", c->socket,
		    strerror(errno));
		free(text);
		close(fd);
		return NULL;
	}
	free(text);
	line = read_line(fd, c->socket, err, errlen);
	close(fd);
	if (line == NULL)
		return NULL;
	resp = cJSON_Parse(line);
	free(line);
	if (!cJSON_IsObject(resp)) {
		snprintf(err, errlen, "malformed answer from thermwatchd on %s",
		    c->socket);
		cJSON_Delete(resp);
		return NULL;
	}
	return resp;
}

cJSON *
cli_request(const struct cli *c, cJSON *req)
{
	char err[512];
	cJSON *resp;

	err[0] = '\0';
	resp = cli_request_err(c, req, err, sizeof(err));
	if (resp == NULL)
		fprintf(stderr, "thermwatchctl: %s\n",
		    err[0] != '\0' ? err : "request failed");
	return resp;
}

cJSON *
cli_ask(const struct cli *c, const char *cmd, char *err, size_t errlen)
{
	cJSON *req = cJSON_CreateObject(), *resp, *res;
	const cJSON *e;

	cJSON_AddStringToObject(req, "cmd", cmd);
	resp = cli_request_err(c, req, err, errlen);
	cJSON_Delete(req);
	if (resp == NULL)
		return NULL;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(resp, "ok"))) {
		e = cJSON_GetObjectItemCaseSensitive(resp, "error");
		snprintf(err, errlen, "thermwatchd refused %s: %s", cmd,
		    cJSON_IsString(e) ? e->valuestring : "no reason given");
		cJSON_Delete(resp);
		return NULL;
	}
	res = cJSON_DetachItemFromObjectCaseSensitive(resp, "result");
	cJSON_Delete(resp);
	if (res == NULL)
		snprintf(err, errlen, "thermwatchd sent no %s", cmd);
	return res;
}
