/*
 * prom.h - the Prometheus text exposition format (0.0.4), written by a
 * small writer of our own: metric families with their HELP and TYPE
 * lines, samples with escaped label values, into a file that is replaced
 * atomically (for node_exporter's textfile collector, which reads every
 * *.prom file of its directory at each scrape).
 *
 *	p = prom_new();
 *	prom_family(p, "thermwatch_zone_alarm", PROM_GAUGE, "1 while ...");
 *	prom_sample(p, NULL, 0);
 *	prom_family(p, "thermwatch_sensor_trip_celsius", PROM_GAUGE, "...");
 *	prom_sample(p, (const char *[]){ "sensor", id, NULL }, 98.0);
 *	prom_write_file(p, "/var/lib/prometheus/node-exporter/tw.prom");
 *	prom_free(p);
 *
 * Samples belong to the family opened last; a family is opened once.
 * Label values may hold anything: backslash, double quote and newline are
 * escaped, and bytes that are not UTF-8 become '?', since one bad byte
 * makes node_exporter refuse the whole file.
 */
#ifndef THERMWATCH_PROM_H
#define THERMWATCH_PROM_H

#include <stddef.h>

#define PROM_GAUGE   "gauge"
#define PROM_COUNTER "counter"

struct prom;

/* NULL on allocation failure. */
struct prom *prom_new(void);
void prom_free(struct prom *p);
/* Open a family: name, type (PROM_GAUGE, PROM_COUNTER), help text. */
void prom_family(
    struct prom *p, const char *name, const char *type, const char *help);
/* A sample of the open family. labels: name, value, name, value, ...,
 * NULL (or labels NULL). NAN and infinities are written as such. */
void prom_sample(struct prom *p, const char *const *labels, double v);
/* The text so far (NUL-terminated; NULL after an allocation failure). */
const char *prom_text(struct prom *p, size_t *len);
/*
 * Replace path: write path.tmp (mode 0644, O_NOFOLLOW) and rename it over
 * path, so a reader sees the old file or the new one, never a part. No
 * fsync: a crash loses only metrics the next cycle writes again. 0, or
 * -errno (path.tmp removed).
 */
int prom_write_file(struct prom *p, const char *path);

#endif
