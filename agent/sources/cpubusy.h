/*
 * cpubusy.h - the host's CPU utilisation from the aggregate "cpu " line
 * of /proc/stat (proc(5)): the share of all the CPUs' time spent busy
 * between two reads, for eng_host_busy().
 *
 *	busy = d(user + nice + system + irq + softirq)
 *	     / d(user + nice + system + irq + softirq + idle + iowait + steal)
 *
 * guest and guest_nice are already counted in user and nice, so a
 * hypervisor's guests count as busy once. steal (a VM's CPU given to
 * other guests) is time this host did not run: in the total, not busy.
 * The file is kept open and read with one pread(2) at offset 0 (procfs
 * makes the text afresh for every read there); a cycle allocates
 * nothing.
 *
 * Unknown (NAN): the first read, which only sets the baseline; a file
 * that cannot be opened or read; a line that is short, too long or not
 * numbers; counters that went backwards (a new baseline is taken) or did
 * not move. The first failure is warned about once, naming the file, and
 * the next figure is logged once as the recovery (a failure that comes
 * back within 10 minutes of the last warning is logged at debug level
 * only).
 */
#ifndef THERMWATCH_CPUBUSY_H
#define THERMWATCH_CPUBUSY_H

#include <stdint.h>

#define CPB_PROC_STAT "/proc/stat"

struct cpb;

/* path NULL: /proc/stat. The file is opened now if it can be, else at
 * each read until it can. NULL only when out of memory. */
struct cpb *cpb_create(const char *path);
void cpb_free(struct cpb *c);
/* Read the counters at now_ms (monotonic, for the warnings' rate limit):
 * the busy share in [0, 1] since the previous read, or NAN. */
double cpb_read(struct cpb *c, int64_t now_ms);
/* Why the last read gave NAN (a sentence fragment, e.g. "counters went
 * backwards"), NULL when it gave a figure or only took its baseline. */
const char *cpb_error(const struct cpb *c);
const char *cpb_path(const struct cpb *c);

#endif
