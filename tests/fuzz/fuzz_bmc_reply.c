/*
 * fuzz_bmc_reply.c - libFuzzer target: the reply lines of an IPMI child
 * (bmc_reply_parse), as a hung, crashed or confused child could write
 * them: the input is cut into lines as the parent cuts its pipe.
 */
#include <stdint.h>
#include <string.h>

#include "bmc_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct bmc_rec r;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		(void)bmc_reply_parse(p, (size_t)(nl - p), &r);
		p = nl + 1;
	}
	return 0;
}
