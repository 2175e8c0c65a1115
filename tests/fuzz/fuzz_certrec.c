/*
 * fuzz_certrec: libFuzzer target for the record of an issued certificate
 * (common/ca/certrec.c), which every CA worker reads back from disk.
 *
 * Input that decodes must encode to exactly the same bytes, since the
 * decoder accepts only what the encoder writes.  Input read as an older
 * build's JSON record must come out as a record that decodes.  Anything
 * else must simply be refused.
 */
#include <stdlib.h>
#include <string.h>

#include "ca/certrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct certrec r;
	uint8_t *b = NULL;
	size_t len = 0;

	if (certrec_decode(data, size, &r) == 0) {
		if (certrec_encode(&r, &b, &len) != 0 || len != size ||
		    memcmp(b, data, size) != 0)
			abort();
		free(b);
		b = NULL;
	}
	if (certrec_from_json(data, size, &b, &len) == 0) {
		if (certrec_decode(b, len, &r) != 0)
			abort();
		free(b);
	}
	return 0;
}
