/*
 * codec.c: base64, hex and UTF-8, as declared in codec.h.
 *
 * The base64 and hex codecs carry shares, keys and tokens, so they map
 * characters with masks instead of branches or table lookups: how long they
 * take, and which cache lines they touch, does not depend on the secret.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/codec.h"

/* 0xff if lo <= c <= hi, else 0, without a branch (c, lo, hi < 256). */
static unsigned
codec_in(unsigned c, unsigned lo, unsigned hi)
{
	return ~(((c - lo) | (hi - c)) >> 8) & 0xff;
}

/* The character for a 6-bit value; c62 and c63 differ between alphabets. */
static char
codec_b64_char(unsigned v, unsigned c62, unsigned c63)
{
	return (char)((codec_in(v, 0, 25) & (v + 'A')) |
	              (codec_in(v, 26, 51) & (v - 26 + 'a')) |
	              (codec_in(v, 52, 61) & (v - 52 + '0')) |
	              (codec_in(v, 62, 62) & c62) |
	              (codec_in(v, 63, 63) & c63));
}

/* The 6-bit value of c; sets bits in *bad when c is not in the alphabet. */
static unsigned
codec_b64_value(unsigned c, unsigned c62, unsigned c63, unsigned *bad)
{
	unsigned az = codec_in(c, 'A', 'Z'), lz = codec_in(c, 'a', 'z');
	unsigned dg = codec_in(c, '0', '9');
	unsigned s62 = codec_in(c, c62, c62), s63 = codec_in(c, c63, c63);

	*bad |= ~(az | lz | dg | s62 | s63) & 0xff;
	return ((az & (c - 'A')) | (lz & (c - 'a' + 26)) |
	           (dg & (c - '0' + 52)) | (s62 & 62) | (s63 & 63)) &
	       0x3f;
}

char *
codec_base64_encode(const void *in, size_t len, int url)
{
	const uint8_t *p = in;
	unsigned c62 = url ? '-' : '+', c63 = url ? '_' : '/';
	size_t i, j = 0, rem = len % 3, olen;
	uint32_t acc;
	char *buf;

	if (len / 3 >= SIZE_MAX / 4 - 1) {
		errno = ERANGE;
		return NULL;
	}
	olen = len / 3 * 4;
	if (rem != 0)
		olen += url ? rem + 1 : 4;
	if ((buf = malloc(olen + 1)) == NULL)
		return NULL;
	for (i = 0; i + 3 <= len; i += 3) {
		acc = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		buf[j++] = codec_b64_char(acc >> 18, c62, c63);
		buf[j++] = codec_b64_char(acc >> 12 & 0x3f, c62, c63);
		buf[j++] = codec_b64_char(acc >> 6 & 0x3f, c62, c63);
		buf[j++] = codec_b64_char(acc & 0x3f, c62, c63);
	}
	if (rem != 0) {
		acc = (uint32_t)p[i] << 16;
		if (rem == 2)
			acc |= (uint32_t)p[i + 1] << 8;
		buf[j++] = codec_b64_char(acc >> 18, c62, c63);
		buf[j++] = codec_b64_char(acc >> 12 & 0x3f, c62, c63);
		if (rem == 2)
			buf[j++] = codec_b64_char(acc >> 6 & 0x3f, c62, c63);
		while (!url && j < olen)
			buf[j++] = '=';
	}
	buf[j] = '\0';
	return buf;
}

/*
 * Count the characters that carry data: standard base64 is whole quanta
 * with at most two '=' at the end; base64url has no '=' and never a lone
 * sixth of a byte.  Any '=' left inside fails the alphabet check later.
 */
static int
codec_b64_chars(const char *in, size_t len, int url, size_t *nchars)
{
	size_t n = len;

	if (url) {
		if (len % 4 == 1)
			return -1;
	} else {
		if (len % 4 != 0)
			return -1;
		if (n > 0 && in[n - 1] == '=')
			n--;
		if (n > 0 && in[n - 1] == '=')
			n--;
	}
	*nchars = n;
	return 0;
}

int
codec_base64_decode(
    const char *in, size_t len, int url, uint8_t **out, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)in;
	unsigned c62 = url ? '-' : '+', c63 = url ? '_' : '/';
	unsigned bad = 0;
	size_t nchars, rem, olen, i, j = 0;
	uint32_t acc = 0;
	uint8_t *buf;

	if (codec_b64_chars(in, len, url, &nchars) < 0) {
		errno = EINVAL;
		return -1;
	}
	rem = nchars % 4;
	olen = nchars / 4 * 3 + (rem != 0 ? rem - 1 : 0);
	if ((buf = malloc(olen + 1)) == NULL)
		return -1;
	for (i = 0; i < nchars; i++) {
		acc = acc << 6 | codec_b64_value(p[i], c62, c63, &bad);
		if (i % 4 == 3) {
			buf[j++] = (uint8_t)(acc >> 16);
			buf[j++] = (uint8_t)(acc >> 8);
			buf[j++] = (uint8_t)acc;
			acc = 0;
		}
	}
	/* Unused low bits must be zero, so each value has one spelling. */
	if (rem == 2) {
		bad |= acc & 0x0f;
		buf[j++] = (uint8_t)(acc >> 4);
	} else if (rem == 3) {
		bad |= acc & 0x03;
		buf[j++] = (uint8_t)(acc >> 10);
		buf[j++] = (uint8_t)(acc >> 2);
	}
	buf[j] = '\0';
	if (bad) {
		explicit_bzero(buf, olen);
		free(buf);
		errno = EINVAL;
		return -1;
	}
	*out = buf;
	*outlen = olen;
	return 0;
}

char *
codec_hex_encode(const void *in, size_t len)
{
	const uint8_t *p = in;
	unsigned nib;
	size_t i;
	char *buf;

	if (len >= SIZE_MAX / 2) {
		errno = ERANGE;
		return NULL;
	}
	if ((buf = malloc(len * 2 + 1)) == NULL)
		return NULL;
	for (i = 0; i < len * 2; i++) {
		nib = (i % 2 == 0 ? p[i / 2] >> 4 : p[i / 2]) & 0x0f;
		buf[i] = (char)(nib + '0' +
		                (codec_in(nib, 10, 15) & ('a' - '9' - 1)));
	}
	buf[len * 2] = '\0';
	return buf;
}

/* The value of hex digit c; sets bits in *bad when c is not one. */
static unsigned
codec_hex_value(unsigned c, unsigned *bad)
{
	unsigned dg = codec_in(c, '0', '9'), lc = codec_in(c, 'a', 'f');
	unsigned uc = codec_in(c, 'A', 'F');

	*bad |= ~(dg | lc | uc) & 0xff;
	return ((dg & (c - '0')) | (lc & (c - 'a' + 10)) |
	           (uc & (c - 'A' + 10))) &
	       0x0f;
}

int
codec_hex_decode(const char *in, size_t len, uint8_t **out, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)in;
	unsigned bad = 0, hi, lo;
	size_t i;
	uint8_t *buf;

	if (len % 2 != 0) {
		errno = EINVAL;
		return -1;
	}
	if ((buf = malloc(len / 2 + 1)) == NULL)
		return -1;
	for (i = 0; i < len / 2; i++) {
		hi = codec_hex_value(p[2 * i], &bad);
		lo = codec_hex_value(p[2 * i + 1], &bad);
		buf[i] = (uint8_t)(hi << 4 | lo);
	}
	buf[len / 2] = '\0';
	if (bad) {
		explicit_bzero(buf, len / 2);
		free(buf);
		errno = EINVAL;
		return -1;
	}
	*out = buf;
	*outlen = len / 2;
	return 0;
}

/*
 * How many continuation bytes lead byte c announces, and the range its
 * first one must fall in (RFC 3629 section 4): the narrow ranges after E0,
 * ED, F0 and F4 are what exclude overlongs, surrogates and code points past
 * U+10FFFF.  -1 if c cannot start a sequence.
 */
static int
codec_utf8_lead(unsigned c, unsigned *lo, unsigned *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		return 1;
	if (c == 0xe0)
		*lo = 0xa0;
	else if (c == 0xed)
		*hi = 0x9f;
	if (c >= 0xe0 && c <= 0xef)
		return 2;
	if (c == 0xf0)
		*lo = 0x90;
	else if (c == 0xf4)
		*hi = 0x8f;
	if (c >= 0xf0 && c <= 0xf4)
		return 3;
	return -1;
}

int
codec_utf8_valid(const void *s, size_t len)
{
	const uint8_t *p = s;
	unsigned lo, hi;
	size_t i = 0, k;
	int need;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((need = codec_utf8_lead(p[i], &lo, &hi)) < 0)
			return 0;
		if (len - i - 1 < (size_t)need)
			return 0;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return 0;
		for (k = 2; k <= (size_t)need; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
		i += (size_t)need + 1;
	}
	return 1;
}

/* Year, month and day of the days-th day after 1970-01-01 (proleptic
 * Gregorian; H. Hinnant's civil_from_days). */
static void
codec_civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = (unsigned)(days - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static char *
codec_digits(char *p, unsigned v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

/* 10000-01-01T00:00:00Z */
#define CODEC_TIME_END 253402300800LL

void
codec_time(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;
	int64_t y, s;
	unsigned m, d;
	char *p = buf;

	if (len < CODEC_TIME_LEN) {
		if (len > 0)
			buf[0] = '\0';
		return;
	}
	if (t < 0 || t >= CODEC_TIME_END) {
		if (gmtime_r(&tt, &tm) == NULL ||
		    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			buf[0] = '\0';
		return;
	}
	s = t % 86400;
	codec_civil(t / 86400, &y, &m, &d);
	p = codec_digits(p, (unsigned)y, 4);
	*p++ = '-';
	p = codec_digits(p, m, 2);
	*p++ = '-';
	p = codec_digits(p, d, 2);
	*p++ = 'T';
	p = codec_digits(p, (unsigned)(s / 3600), 2);
	*p++ = ':';
	p = codec_digits(p, (unsigned)(s / 60 % 60), 2);
	*p++ = ':';
	p = codec_digits(p, (unsigned)(s % 60), 2);
	*p++ = 'Z';
	*p = '\0';
}
