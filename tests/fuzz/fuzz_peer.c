/*
 * fuzz_peer.c - libFuzzer target: a zone peer's summary
 * (mqm_peer_parse), as any host login can publish it.
 */
#include <stdint.h>

#include "mqtt_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eng_peer p;
	int64_t ts;
	char err[256];

	(void)mqm_peer_parse(
	    (const char *)data, size, "hv02", &p, &ts, err, sizeof(err));
	return 0;
}
