/*
 * thermwatchctl - operator CLI. Not written yet: see the open issues.
 */
#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("thermwatchctl %s\n", TW_VERSION);
		return 0;
	}
	fprintf(stderr, "thermwatchctl: not yet implemented\n");
	return 1;
}
