/*
 * wake_floor.c - what waking up costs on this machine: a process that does
 * nothing but sleep INTERVAL seconds, COUNT times, and prints the CPU time
 * one wakeup took, in microseconds. With FILEs, each wakeup also reads
 * every FILE once by pread() on a descriptor kept open: the least any
 * agent reading those sensors once a cycle can cost here.
 *
 * agent_overhead.sh prints it beside the agents' figures: on a virtual
 * machine a wakeup after a long sleep can cost more CPU than a whole cycle
 * of work, and an agent pays it once per wakeup (once per cycle for
 * thermwatchd, once per thread that wakes for collectd). The CPU time is
 * read where the script reads the agents' (/proc/self/schedstat), so the
 * figures compare.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long
run_ns(void)
{
	FILE *f = fopen("/proc/self/schedstat", "r");
	long long ns = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%lld", &ns) != 1)
		ns = -1;
	fclose(f);
	return ns;
}

int
main(int argc, char **argv)
{
	struct timespec next;
	long long step_ns, before, after;
	double interval;
	char *end;
	long count, i;
	int nfd = argc - 3, *fd, k;
	char buf[32];

	if (argc < 3) {
		fprintf(
		    stderr, "usage: wake_floor INTERVAL_S COUNT [FILE...]\n");
		return 2;
	}
	fd = calloc((size_t)(nfd > 0 ? nfd : 1), sizeof(*fd));
	if (fd == NULL)
		return 1;
	for (k = 0; k < nfd; k++) {
		fd[k] = open(argv[3 + k], O_RDONLY | O_CLOEXEC);
		if (fd[k] < 0) {
			fprintf(stderr, "wake_floor: %s: cannot open\n",
			    argv[3 + k]);
			return 1;
		}
	}
	interval = strtod(argv[1], &end);
	if (*end != '\0' || !(interval >= 0.001 && interval <= 60)) {
		fprintf(stderr, "wake_floor: interval %s: not 0.001-60 s\n",
		    argv[1]);
		return 2;
	}
	count = strtol(argv[2], &end, 10);
	if (*end != '\0' || count < 1 || count > 100000) {
		fprintf(
		    stderr, "wake_floor: count %s: not 1-100000\n", argv[2]);
		return 2;
	}
	step_ns = (long long)(interval * 1e9);
	before = run_ns();
	if (before < 0) {
		fprintf(
		    stderr, "wake_floor: cannot read /proc/self/schedstat\n");
		return 1;
	}
	/* an absolute deadline per wakeup, as a daemon's timer keeps its
	 * cadence */
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (i = 0; i < count; i++) {
		long long ns = next.tv_nsec + step_ns;

		next.tv_sec += (time_t)(ns / 1000000000);
		next.tv_nsec = (long)(ns % 1000000000);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
			   NULL) == EINTR)
			;
		for (k = 0; k < nfd; k++)
			if (pread(fd[k], buf, sizeof(buf), 0) < 0) {
				fprintf(stderr, "wake_floor: %s: cannot read\n",
				    argv[3 + k]);
				return 1;
			}
	}
	after = run_ns();
	printf("%.1f\n", (double)(after - before) / 1e3 / (double)count);
	for (k = 0; k < nfd; k++)
		close(fd[k]);
	free(fd);
	return 0;
}
