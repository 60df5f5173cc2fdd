/*
 * cli_secret.c - the first line of a password file (never a password on
 * the command line), for the BMC console and the MQTT broker.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int
cli_read_secret(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	if (f == NULL) {
		fprintf(stderr,
		    "thermwatchctl: cannot read password file "
		    "%s: %s\n",
		    path, strerror(errno));
		return -1;
	}
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}
