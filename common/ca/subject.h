/*
 * subject.h: a certificate's subject and hosts (SANs) from CFSSL's request
 * JSON (CN, names[], hosts[] or hostname), into a Name being encoded, a
 * list for x509.c or a GnuTLS certificate request; and the checks every
 * host passes, whether from the request or from a CSR.
 *
 * Hosts (SANs) are DNS names, IP addresses or e-mail addresses, each
 * validated; anything else is refused and nothing is issued.  Every
 * function that refuses sets *detail to a fixed string of ours, never to
 * request data.
 */
#ifndef COFFER_SUBJECT_H
#define COFFER_SUBJECT_H

#include <stddef.h>
#include <stdint.h>

#include <gnutls/x509.h>

#include "base/errors.h"
#include "ca/cadefs.h"
#include "ca/csr.h"
#include "ca/der.h"
#include "ca/x509.h"

struct json_object;

enum subject_host_kind {
	SUBJECT_HOST_BAD,
	SUBJECT_HOST_DNS,
	SUBJECT_HOST_IP,
	SUBJECT_HOST_EMAIL,
};
/* Classify one host; an IP's bytes (4 or 16) go to ip/iplen. */
enum subject_host_kind subject_host_parse(
    const char *s, size_t len, uint8_t ip[16], size_t *iplen);

/* The SANs of one certificate; IP bytes are copied, names borrowed from
 * the request. */
struct san_list {
	struct x509_san s[PKI_MAX_HOSTS];
	uint8_t ip[PKI_MAX_HOSTS][16];
	size_t n;
};

/* CN and names[] ({C,ST,L,O,OU}) of a CFSSL CSR JSON: as a Name (DER, in
 * buf, which *out then points into; a sign request's subject override) or
 * into a certificate request. */
enum cf_status subject_name(struct json_object *o, uint8_t *buf, size_t cap,
    struct der_r *out, const char **detail);
enum cf_status subject_crq(
    struct json_object *o, gnutls_x509_crq_t crq, const char **detail);
/* hosts[] of o (else hostname), into a list or a certificate request;
 * *given says whether any host was there. */
enum cf_status subject_hosts(
    struct json_object *o, struct san_list *l, int *given, const char **detail);
enum cf_status subject_hosts_crq(struct json_object *o, gnutls_x509_crq_t crq,
    int *given, const char **detail);
/* The CSR's own SANs, validated like request hosts. */
enum cf_status subject_csr_sans(
    const struct csr *c, struct san_list *l, const char **detail);

#endif
