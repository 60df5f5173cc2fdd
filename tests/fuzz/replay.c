/*
 * replay.c - run a fuzz target's LLVMFuzzerTestOneInput on files without
 * libFuzzer: the seed corpora as regression tests in every build (plain
 * and ASan + UBSan), with the compiler of that build.
 *
 *	fuzz_replay_NAME FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
	unsigned char *buf;
	size_t n;
	FILE *f;
	int i;

	for (i = 1; i < argc; i++) {
		if ((f = fopen(argv[i], "rb")) == NULL) {
			perror(argv[i]);
			return 1;
		}
		buf = malloc(1 << 20);
		n = buf != NULL ? fread(buf, 1, 1 << 20, f) : 0;
		fclose(f);
		if (buf == NULL)
			return 1;
		LLVMFuzzerTestOneInput(buf, n);
		free(buf);
	}
	printf("%d inputs replayed\n", argc - 1);
	return argc > 1 ? 0 : 1;
}
