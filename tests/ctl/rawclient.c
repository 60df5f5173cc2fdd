/*
 * rawclient.c - test helper: send stdin as is to a unix stream socket,
 * half-close, print everything that comes back until EOF or a reset.
 *
 *	rawclient SOCKET < request-bytes
 *
 * Exit status: 0 when something came back, 1 when nothing did, 2 on usage
 * or connect errors. Write errors (the daemon closed early) are ignored:
 * what matters is what it answered.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	char buf[65536];
	size_t total = 0;
	ssize_t r;
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: rawclient SOCKET < request\n");
		return 2;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, argv[1], strlen(argv[1]));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(
		    stderr, "rawclient: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	while ((r = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
		if (send(fd, buf, (size_t)r, MSG_NOSIGNAL) < 0)
			break;
	shutdown(fd, SHUT_WR);
	while ((r = recv(fd, buf, sizeof(buf), 0)) > 0) {
		fwrite(buf, 1, (size_t)r, stdout);
		total += (size_t)r;
	}
	close(fd);
	return total > 0 ? 0 : 1;
}
