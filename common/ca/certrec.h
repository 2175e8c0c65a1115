/*
 * certrec.h: the record of one issued certificate, as the bytes sealed
 * under c:<serial hex>.  The CA writes one per signature, and every worker
 * reads it back from the journal, so it is binary, small and built without
 * a JSON library:
 *
 *   byte 0       format, CERTREC_FORMAT
 *   byte 1       status: CERTREC_GOOD or CERTREC_REVOKED
 *   byte 2       CRLReason (RFC 5280 5.3.1: 0-10, 7 unused)
 *   bytes 3-34   revoked_at, not_before, expiry (notAfter), issued_at:
 *                seconds since the epoch, signed 64-bit big-endian
 *   byte 35      serial length (1-CERTREC_MAX_ID), then the serial,
 *                big-endian unsigned
 *   one byte     authority key id length (0-CERTREC_MAX_ID), then the id
 *   4 bytes      DER length (1-CERTREC_MAX_DER), big-endian, then the
 *                certificate as DER, which ends the record
 *
 * Builds before this format stored a JSON object (serial in decimal, aki
 * in hex, the certificate as PEM); its first byte is '{', never
 * CERTREC_FORMAT, so one byte tells the two apart.  certrec_from_json
 * turns such a record into this format, so readers handle one shape.
 *
 * Invariants: the record is read from disk and trusted no further than
 * its checks: certrec_decode accepts exactly what certrec_encode writes
 * (every length bounded and the whole record consumed, a good certificate
 * with reason 0 and revoked_at 0), and refuses anything else, a truncated
 * record included.  Nothing here does I/O or logs: callers say which
 * record failed.  PEM is made from the DER only where a reader answers it.
 *
 * Ownership: the pointers in struct certrec are borrowed: from the buffer
 * certrec_decode read, or from the caller for certrec_encode.  Buffers
 * returned through uint8_t ** are malloc'd and the caller's to free.
 */
#ifndef COFFER_CERTREC_H
#define COFFER_CERTREC_H

#include <stddef.h>
#include <stdint.h>

#define CERTREC_FORMAT  1
#define CERTREC_GOOD    0
#define CERTREC_REVOKED 1
#define CERTREC_MAX_ID  64    /* bytes of a serial or key identifier */
#define CERTREC_MAX_DER 65536 /* bytes of the certificate: PKI_MAX_PEM */
#define CERTREC_FIXED   36    /* bytes before the serial */

struct certrec {
	uint8_t status; /* CERTREC_GOOD or CERTREC_REVOKED */
	uint8_t reason; /* CRLReason, when revoked */
	int64_t revoked_at;
	int64_t not_before;
	int64_t expiry;
	int64_t issued_at;
	const uint8_t *serial;
	size_t seriallen;
	const uint8_t *aki;
	size_t akilen;
	const uint8_t *der;
	size_t derlen;
};

/* The record's bytes (malloc'd, *len long); -1 if a field is out of the
 * bounds above, or out of memory. */
int certrec_encode(const struct certrec *r, uint8_t **out, size_t *len);
/* Read len bytes at b into *r, whose pointers then borrow b; 0, or -1
 * when they are not exactly one record of this format (r untouched). */
int certrec_decode(const uint8_t *b, size_t len, struct certrec *r);
/* An older build's JSON record as this format's bytes (malloc'd); -1 when
 * it is not one. */
int certrec_from_json(
    const uint8_t *b, size_t len, uint8_t **out, size_t *outlen);
/* Decimal digits to big-endian bytes without leading zeros (at most
 * CERTREC_MAX_ID; "0" is one zero byte); 0 or -1. */
int certrec_serial_from_decimal(
    const char *s, size_t len, uint8_t *out, size_t *outlen);

#endif
