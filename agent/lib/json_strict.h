/*
 * json_strict.h - parse JSON that comes from outside (MQTT messages, the
 * control socket) strictly: cJSON does the parsing, this adds the checks
 * cJSON leaves out.
 *
 * Refused: invalid UTF-8 anywhere in the text (overlong forms, UTF-16
 * surrogates, code points past U+10FFFF, truncated sequences), a NUL byte
 * or a \u0000 escape (C strings would silently end there), a member name
 * twice in one object (which of the two would count is up to the parser),
 * nesting deeper than JSON_STRICT_DEPTH, and anything after the value but
 * white space.
 */
#ifndef THERMWATCH_JSON_STRICT_H
#define THERMWATCH_JSON_STRICT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#define JSON_STRICT_DEPTH 16

/* Is s[0..len) valid UTF-8 (RFC 3629)? */
bool json_utf8_valid(const char *s, size_t len);

/*
 * Parse text[0..len) (need not be NUL-terminated). Returns the value, or
 * NULL with the reason in err ("not valid JSON", "invalid UTF-8 at byte
 * 17", "duplicate member \"key\"", ...).
 */
cJSON *
json_parse_strict(const char *text, size_t len, char *err, size_t errlen);

#endif
