/*
 * json_num.h - cJSON number nodes whose text we print, for documents
 * that are kept and printed again and again (telemetry each cycle).
 *
 * cJSON prints every double with %1.15g and reads it back with sscanf to
 * check it (at 32 sensors 80 % of a cycle's instructions went there). A
 * node made here is a raw node that refers to a buffer of the caller's:
 * the number rounded to 1e-3, in plain decimal without trailing zeros
 * (its integer thousandths' digits, a point before the last three),
 * which is cJSON's own text for such a number (unit-tested against it); printed
 * again only when it changed; "null" when not finite, as cJSON prints it. A
 * number of JNUM_MAX or more is left to cJSON to print (the node is a plain
 * number node until it is smaller again). The document does not own the buffer:
 * free it after cJSON_Delete.
 */
#ifndef THERMWATCH_JSON_NUM_H
#define THERMWATCH_JSON_NUM_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* a number's text: "-9999999999.999" and its '\0' */
#define JNUM_LEN 16
#define JNUM_MAX 1e10 /* larger ones are printed by cJSON */

/* A node for "0" printed from buf (JNUM_LEN bytes); NULL when out of
 * memory or buf is NULL. */
cJSON *jnum_node(char *buf);
/* The same node for "0" in the caller's memory (an array of nodes, no
 * allocation each): the caller takes it out of every document before
 * cJSON_Delete, which would free it. */
void jnum_init(cJSON *n, char *buf);
/* Set it to v rounded to 1e-3 (null when not finite). */
void jnum_set(cJSON *n, double v);
/* Set it to an integer. */
void jnum_set_int(cJSON *n, int64_t v);
/* A node made by jnum_node (its buffer is the caller's to free). */
bool jnum_is_text(const cJSON *n);

#endif
