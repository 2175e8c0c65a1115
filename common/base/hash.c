/*
 * hash.c: CRC32C and SipHash-1-3 (see hash.h).
 *
 * The CRC table and the CPU check are made once per process (pthread_once):
 * after that, a call is a load and a branch before the loop.
 */
#include <pthread.h>
#include <string.h>

#include "base/hash.h"

#define CRC32C_POLY 0x82f63b78u /* reflected Castagnoli polynomial */

static uint32_t crc_tab[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

#if defined(__x86_64__)
/*
 * SSE4.2's crc32 instruction is CRC32C, eight bytes at a time: every
 * process of the store checks every journal record it reads in, so with a
 * table this was the busiest code of a writing worker.  Same polynomial,
 * same bit order, so the table's files read the same.
 */
static int crc_hw;

__attribute__((target("sse4.2"))) static uint32_t
crc_hw_update(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = crc, w;

	for (; len >= 8; len -= 8, p += 8) {
		memcpy(&w, p, sizeof(w)); /* little-endian: first byte first */
		c = __builtin_ia32_crc32di(c, w);
	}
	crc = (uint32_t)c;
	while (len-- > 0)
		crc = __builtin_ia32_crc32qi(crc, *p++);
	return crc;
}
#endif

static void
crc_init(void)
{
	uint32_t c, i;
	int k;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
		crc_tab[i] = c;
	}
#if defined(__x86_64__)
	__builtin_cpu_init();
	crc_hw = __builtin_cpu_supports("sse4.2") != 0;
#endif
}

uint32_t
hash_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	(void)pthread_once(&crc_once, crc_init);
	crc = ~crc;
#if defined(__x86_64__)
	if (crc_hw)
		return ~crc_hw_update(crc, p, len);
#endif
	while (len-- > 0)
		crc = crc_tab[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static uint64_t
load_le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
sip_round(uint64_t *v)
{
#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
	v[0] += v[1];
	v[1] = ROTL(v[1], 13) ^ v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17) ^ v[2];
	v[2] = ROTL(v[2], 32);
#undef ROTL
}

/* One compression round per 8-byte word, three to finalize: the "1-3". */
uint64_t
hash_sip13(const uint64_t k[2], const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t v[4], m, b = (uint64_t)len << 56;
	size_t i, left = len & 7;

	v[0] = 0x736f6d6570736575ULL ^ k[0];
	v[1] = 0x646f72616e646f6dULL ^ k[1];
	v[2] = 0x6c7967656e657261ULL ^ k[0];
	v[3] = 0x7465646279746573ULL ^ k[1];
	for (i = 0; i + 8 <= len; i += 8) {
		m = load_le64(p + i);
		v[3] ^= m;
		sip_round(v);
		v[0] ^= m;
	}
	for (; left > 0; left--)
		b |= (uint64_t)p[i + left - 1] << (8 * (left - 1));
	v[3] ^= b;
	sip_round(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	sip_round(v);
	sip_round(v);
	sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}
