/*
 * codec.h: base64, base64url, hex and UTF-8 checks, in plain C with no I/O,
 * so parsers, unit tests and fuzz targets can all call them.
 *
 * Invariants: decoders are strict and canonical: one byte string has exactly
 * one accepted encoding, so a token or share cannot be re-spelt to slip past
 * a comparison of its text.  Base64 rejects characters outside its alphabet,
 * whitespace, misplaced or missing padding, and non-zero unused bits;
 * base64url (url=1) takes no padding at all (RFC 7515 section 2) and rejects
 * '+' and '/'.  Nothing here logs: bad input is the caller's to report.  On
 * failure a decoder returns -1 with errno EINVAL (bad input), ERANGE (too
 * long to size) or ENOMEM, and leaves its out-parameters untouched.  No
 * function keeps state, so any process or thread may call them.
 *
 * Ownership: every returned buffer is malloc'd, NUL-terminated (so a decoded
 * value can be used as a C string when it holds no NUL) and freed by the
 * caller with free(); wipe it first if it held a secret.  Decoded output is
 * non-NULL even when empty.
 */
#ifndef COFFER_CODEC_H
#define COFFER_CODEC_H

#include <stddef.h>
#include <stdint.h>

/*
 * url=1: base64url WITHOUT padding; else standard with padding; malloc'd,
 * NUL-terminated; NULL if out of memory or len is too large.
 */
char *codec_base64_encode(const void *in, size_t len, int url);
/* Decode len characters at in (no NUL needed); see the rules above. */
int codec_base64_decode(
    const char *in, size_t len, int url, uint8_t **out, size_t *outlen);
/* Lowercase, malloc'd, NUL-terminated; NULL if out of memory. */
char *codec_hex_encode(const void *in, size_t len);
/* Accepts upper and lower case; odd length or a bad character -> -1. */
int codec_hex_decode(const char *in, size_t len, uint8_t **out, size_t *outlen);
/*
 * 1 if the len bytes at s are valid UTF-8 (RFC 3629): rejects overlongs,
 * surrogates, code points above U+10FFFF and truncated sequences; NUL bytes
 * are allowed.  0 otherwise.
 */
int codec_utf8_valid(const void *s, size_t len);
/*
 * t, seconds since the epoch, as UTC "YYYY-MM-DDTHH:MM:SSZ" in buf, exactly
 * as strftime's "%Y-%m-%dT%H:%M:%SZ" after gmtime_r writes it; from 1970
 * to 9999 without either (a request writes one or two: audit line, secret
 * dates).  "" when len is under CODEC_TIME_LEN or t has no such date.
 */
#define CODEC_TIME_LEN 32
void codec_time(int64_t t, char *buf, size_t len);

#endif
