/*
 * certfacts.h: what a certificate says (subject, issuer, serial, SANs,
 * validity, signature algorithm, key ids), as CFSSL's JSON, for certinfo,
 * the DC/OS certificates list and bundle.
 *
 * Every function that refuses sets *detail to a fixed string of ours,
 * never to request data.
 */
#ifndef COFFER_CERTFACTS_H
#define COFFER_CERTFACTS_H

#include <stddef.h>
#include <stdint.h>

#include <gnutls/x509.h>

#include "base/errors.h"

struct json_object;

/* A PEM certificate (at most PKI_MAX_PEM), CFSSL's errors when it is not. */
enum cf_status certfacts_import(
    const char *pem, size_t len, gnutls_x509_crt_t *out, const char **detail);
/* CFSSL's certinfo.Certificate of crt. */
struct json_object *certfacts_json(gnutls_x509_crt_t crt, const char *pem);
/* The subject (or the issuer) as CFSSL's certinfo.Name. */
struct json_object *certfacts_name(gnutls_x509_crt_t crt, int issuer);
/* The SANs as strings (IP addresses in text). */
struct json_object *certfacts_sans(gnutls_x509_crt_t crt);
/* Go's name of a signature algorithm. */
const char *certfacts_sigalg(int alg);
/* Big-endian unsigned bytes as decimal digits (a serial as CFSSL writes
 * it); 0 or -1 (buffer). */
int certfacts_serial_decimal(
    const uint8_t *b, size_t n, char *out, size_t outlen);

#endif
