/*
 * subject.c: a certificate's subject and hosts (SANs) from CFSSL's request
 * JSON (CN, names[], hosts[] or hostname), into a Name being encoded, a
 * list for x509.c or a GnuTLS certificate request; and the checks every
 * host passes, whether from the request or from a CSR.  See subject.h.
 */
#include <arpa/inet.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <json-c/json.h>

#include "base/codec.h"
#include "base/json.h"
#include "ca/cadefs.h"
#include "ca/subject.h"

#define HOSTS_FULL (-100000) /* a SAN setter's "no room" */

static int
dns_valid(const char *s, size_t len)
{
	size_t i, lab = 0;

	if (len == 0 || len > PKI_MAX_HOST)
		return 0;
	/* One leading wildcard label, as CAs issue it. */
	if (len > 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		len -= 2;
	}
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (lab == 0 || s[i - 1] == '-')
				return 0;
			lab = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '-'))
			return 0;
		if (c == '-' && lab == 0)
			return 0;
		if (++lab > 63)
			return 0;
	}
	return lab > 0 && s[len - 1] != '-';
}

enum subject_host_kind
subject_host_parse(const char *s, size_t len, uint8_t ip[16], size_t *iplen)
{
	char buf[PKI_MAX_HOST + 1];
	const char *at;
	size_t i;

	if (len == 0 || len > PKI_MAX_HOST || memchr(s, '\0', len) != NULL)
		return SUBJECT_HOST_BAD;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, ip) == 1) {
		*iplen = 4;
		return SUBJECT_HOST_IP;
	}
	if (inet_pton(AF_INET6, buf, ip) == 1) {
		*iplen = 16;
		return SUBJECT_HOST_IP;
	}
	if ((at = memchr(buf, '@', len)) != NULL) {
		if (at == buf ||
		    !dns_valid(at + 1, len - (size_t)(at - buf) - 1))
			return SUBJECT_HOST_BAD;
		for (i = 0; buf + i < at; i++)
			if (buf[i] <= ' ' || buf[i] > '~' || buf[i] == '@' ||
			    buf[i] == '<' || buf[i] == '>')
				return SUBJECT_HOST_BAD;
		return SUBJECT_HOST_EMAIL;
	}
	return dns_valid(buf, len) ? SUBJECT_HOST_DNS : SUBJECT_HOST_BAD;
}

/* Apply CN and names[] ({C,ST,L,O,OU}) of a CFSSL CSR JSON to a setter. */
typedef int (*dn_setter)(void *obj, const char *oid, const void *v, size_t n);

/* An attribute of a certificate's subject, into an open Name (der_w). */
static int
set_der_dn(void *obj, const char *oid, const void *v, size_t n)
{
	static const struct {
		const char *oid;
		uint8_t der[5];
	} oids[] = {
	    {GNUTLS_OID_X520_COUNTRY_NAME, {0x06, 0x03, 0x55, 0x04, 0x06}},
	    {GNUTLS_OID_X520_STATE_OR_PROVINCE_NAME,
	        {0x06, 0x03, 0x55, 0x04, 0x08}},
	    {GNUTLS_OID_X520_LOCALITY_NAME, {0x06, 0x03, 0x55, 0x04, 0x07}},
	    {GNUTLS_OID_X520_ORGANIZATION_NAME, {0x06, 0x03, 0x55, 0x04, 0x0a}},
	    {GNUTLS_OID_X520_ORGANIZATIONAL_UNIT_NAME,
	        {0x06, 0x03, 0x55, 0x04, 0x0b}},
	    {GNUTLS_OID_X520_COMMON_NAME, {0x06, 0x03, 0x55, 0x04, 0x03}},
	};
	static const char printable[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                                "abcdefghijklmnopqrstuvwxyz"
	                                "0123456789 '()+,-./:=?";
	struct der_w *w = obj;
	const char *s = v;
	size_t i, k;

	for (i = 0; i < sizeof(oids) / sizeof(oids[0]); i++)
		if (!strcmp(oids[i].oid, oid))
			break;
	if (i == sizeof(oids) / sizeof(oids[0]))
		return -1;
	/* countryName is a PrintableString (X.520); the rest UTF-8. */
	if (i == 0) {
		for (k = 0; k < n; k++)
			if (s[k] == '\0' || strchr(printable, s[k]) == NULL)
				return -1;
	} else if (!codec_utf8_valid(s, n))
		return -1;
	x509_name_part(w, oids[i].der, sizeof(oids[i].der),
	    i == 0 ? DER_PRINTABLE : DER_UTF8, s, n);
	return w->err ? -1 : 0;
}

static int
set_crq_dn(void *obj, const char *oid, const void *v, size_t n)
{
	return gnutls_x509_crq_set_dn_by_oid(
	    (gnutls_x509_crq_t)obj, oid, 0, v, (unsigned)n);
}

static enum cf_status
apply_name(struct json_object *o, const char *key, const char *oid,
    dn_setter set, void *obj, const char **detail)
{
	const char *s;
	size_t len;
	enum cf_status st = cf_json_string(o, key, &s, &len);

	if (st == CF_E_NOT_FOUND || (st == CF_OK && len == 0))
		return CF_OK;
	if (st != CF_OK || len > MAX_DN || memchr(s, '\0', len) != NULL ||
	    (!strcmp(key, "C") && len != 2)) {
		*detail = "5300 invalid subject name";
		return CF_E_BAD_REQUEST;
	}
	if (gt(set(obj, oid, s, len), "set_dn_by_oid") < 0) {
		*detail = "5300 invalid subject name";
		return CF_E_BAD_REQUEST;
	}
	return CF_OK;
}

static enum cf_status
apply_subject(
    struct json_object *o, dn_setter set, void *obj, const char **detail)
{
	static const struct {
		const char *key, *oid;
	} parts[] = {
	    {"C", GNUTLS_OID_X520_COUNTRY_NAME},
	    {"ST", GNUTLS_OID_X520_STATE_OR_PROVINCE_NAME},
	    {"L", GNUTLS_OID_X520_LOCALITY_NAME},
	    {"O", GNUTLS_OID_X520_ORGANIZATION_NAME},
	    {"OU", GNUTLS_OID_X520_ORGANIZATIONAL_UNIT_NAME},
	};
	struct json_object *names, *n;
	size_t i, j, count;
	enum cf_status st;

	st = cf_json_array(o, "names", &names);
	if (st == CF_E_BAD_JSON) {
		*detail = "5300 names must be an array";
		return CF_E_BAD_REQUEST;
	}
	count = st == CF_OK ? json_object_array_length(names) : 0;
	if (count > 16) {
		*detail = "5300 too many names";
		return CF_E_BAD_REQUEST;
	}
	for (i = 0; i < count; i++) {
		n = json_object_array_get_idx(names, i);
		if (!json_object_is_type(n, json_type_object)) {
			*detail = "5300 names must be objects";
			return CF_E_BAD_REQUEST;
		}
		for (j = 0; j < sizeof(parts) / sizeof(parts[0]); j++)
			if ((st = apply_name(n, parts[j].key, parts[j].oid, set,
			         obj, detail)) != CF_OK)
				return st;
	}
	return apply_name(
	    o, "CN", GNUTLS_OID_X520_COMMON_NAME, set, obj, detail);
}

typedef int (*san_setter)(
    void *obj, gnutls_x509_subject_alt_name_t t, const void *v, size_t n);

static int
set_list_san(
    void *obj, gnutls_x509_subject_alt_name_t t, const void *v, size_t n)
{
	struct san_list *l = obj;
	struct x509_san *e;

	if (l->n == PKI_MAX_HOSTS)
		return HOSTS_FULL;
	e = &l->s[l->n];
	e->p = v;
	e->len = n;
	if (t == GNUTLS_SAN_IPADDRESS) {
		if (n > sizeof(l->ip[0]))
			return -1;
		memcpy(l->ip[l->n], v, n);
		e->p = l->ip[l->n];
		e->tag = DER_CTX(7);
	} else
		e->tag = t == GNUTLS_SAN_RFC822NAME ? DER_CTX(1) : DER_CTX(2);
	l->n++;
	return 0;
}

static int
set_crq_san(
    void *obj, gnutls_x509_subject_alt_name_t t, const void *v, size_t n)
{
	gnutls_datum_t d = {(unsigned char *)v, (unsigned)n};

	return gnutls_x509_crq_set_subject_alt_name(
	    (gnutls_x509_crq_t)obj, t, d.data, d.size, GNUTLS_FSAN_APPEND);
}

static enum cf_status
add_host(
    const char *s, size_t len, san_setter set, void *obj, const char **detail)
{
	uint8_t ip[16];
	size_t iplen = 0;
	int rc;

	switch (subject_host_parse(s, len, ip, &iplen)) {
	case SUBJECT_HOST_IP:
		rc = set(obj, GNUTLS_SAN_IPADDRESS, ip, iplen);
		break;
	case SUBJECT_HOST_EMAIL:
		rc = set(obj, GNUTLS_SAN_RFC822NAME, s, len);
		break;
	case SUBJECT_HOST_DNS:
		rc = set(obj, GNUTLS_SAN_DNSNAME, s, len);
		break;
	default:
		*detail = "5300 invalid host: hosts are DNS names, IP "
		          "addresses or e-mail addresses";
		return CF_E_BAD_REQUEST;
	}
	if (rc == HOSTS_FULL) {
		*detail = "5300 at most 100 hosts";
		return CF_E_BAD_REQUEST;
	}
	return gt(rc, "set_subject_alt_name") < 0 ? CF_E_INTERNAL : CF_OK;
}

/* CFSSL's "hostname": hosts separated by commas (signer.SplitHosts). */
static enum cf_status
apply_hostname(struct json_object *o, san_setter set, void *obj, int *given,
    const char **detail)
{
	const char *s, *comma;
	size_t len, part;
	enum cf_status st;

	if (cf_json_string(o, "hostname", &s, &len) != CF_OK || len == 0)
		return CF_OK;
	while (len > 0) {
		comma = memchr(s, ',', len);
		part = comma ? (size_t)(comma - s) : len;
		if ((st = add_host(s, part, set, obj, detail)) != CF_OK)
			return st;
		*given = 1;
		if (comma == NULL)
			break;
		s += part + 1;
		len -= part + 1;
	}
	return CF_OK;
}

/* hosts[] of o (else hostname); *given says whether any host was there. */
static enum cf_status
apply_hosts(struct json_object *o, san_setter set, void *obj, int *given,
    const char **detail)
{
	struct json_object *a, *h;
	size_t i, n;
	enum cf_status st;

	*given = 0;
	if (is_null(o, "hosts"))
		return apply_hostname(o, set, obj, given, detail);
	st = cf_json_array(o, "hosts", &a);
	if (st == CF_E_NOT_FOUND)
		return apply_hostname(o, set, obj, given, detail);
	if (st != CF_OK || (n = json_object_array_length(a)) > PKI_MAX_HOSTS) {
		*detail = "5300 hosts must be an array of at most 100 strings";
		return CF_E_BAD_REQUEST;
	}
	for (i = 0; i < n; i++) {
		h = json_object_array_get_idx(a, i);
		if (!json_object_is_type(h, json_type_string)) {
			*detail = "5300 hosts must be strings";
			return CF_E_BAD_REQUEST;
		}
		if ((st = add_host(json_object_get_string(h),
		         (size_t)json_object_get_string_len(h), set, obj,
		         detail)) != CF_OK)
			return st;
	}
	*given = n > 0;
	return n > 0 ? CF_OK : apply_hostname(o, set, obj, given, detail);
}

enum cf_status
subject_csr_sans(const struct csr *c, struct san_list *l, const char **detail)
{
	struct der_r names = c->sans, v;
	unsigned tag;
	size_t i;

	while (names.len > 0) {
		if (der_next(&names, &tag, &v, NULL) != 0 ||
		    l->n == PKI_MAX_HOSTS) {
			*detail = "5300 invalid subject alternative name in "
			          "the certificate request";
			return CF_E_BAD_REQUEST;
		}
		for (i = 0; tag == DER_CTX(1) && i < v.len; i++)
			if (v.p[i] <= ' ' || v.p[i] > '~')
				break;
		if (!(tag == DER_CTX(7) && (v.len == 4 || v.len == 16)) &&
		    !(tag == DER_CTX(2) &&
		        dns_valid((const char *)v.p, v.len)) &&
		    !(tag == DER_CTX(1) && v.len > 0 && i == v.len)) {
			*detail =
			    "5300 invalid host in the certificate request";
			return CF_E_BAD_REQUEST;
		}
		l->s[l->n].tag = tag;
		l->s[l->n].p = v.p;
		l->s[l->n].len = v.len;
		l->n++;
	}
	return CF_OK;
}

enum cf_status
subject_name(struct json_object *subj, uint8_t *buf, size_t cap,
    struct der_r *out, const char **detail)
{
	struct der_w w;
	enum cf_status st;

	der_w_init(&w, buf, cap);
	der_open(&w, DER_SEQUENCE);
	if ((st = apply_subject(subj, set_der_dn, &w, detail)) != CF_OK)
		return st;
	der_close(&w);
	if (w.err) {
		*detail = "5300 invalid subject name";
		return CF_E_BAD_REQUEST;
	}
	out->p = buf;
	out->len = w.len;
	return CF_OK;
}

enum cf_status
subject_crq(struct json_object *o, gnutls_x509_crq_t crq, const char **detail)
{
	return apply_subject(o, set_crq_dn, crq, detail);
}

enum cf_status
subject_hosts(
    struct json_object *o, struct san_list *l, int *given, const char **detail)
{
	return apply_hosts(o, set_list_san, l, given, detail);
}

enum cf_status
subject_hosts_crq(struct json_object *o, gnutls_x509_crq_t crq, int *given,
    const char **detail)
{
	return apply_hosts(o, set_crq_san, crq, given, detail);
}
