/*
 * pki.c: the CFSSL operations themselves (info, sign, newkey, newcert,
 * bundle, authsign) and the rules they apply to a request: its profile,
 * its CSR's signature and key.  The CA's key is cakey.c's, the records
 * certdb.c's, the subject and hosts subject.c's.  See pki.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <json-c/json.h>

#include "base/codec.h"
#include "base/config.h"
#include "base/jbuild.h"
#include "base/json.h"
#include "base/log.h"
#include "ca/cadefs.h"
#include "ca/cakey.h"
#include "ca/certdb.h"
#include "ca/certfacts.h"
#include "ca/csr.h"
#include "ca/pki.h"
#include "ca/profile.h"
#include "ca/subject.h"
#include "ca/x509.h"
#include "crypto/crypto.h"
#include "vault/record.h"
#include "vault/vault.h"

#define SEEN_PFX "m:seen:"

/* Issuing (issue() and its helpers). */
#define NAME_MAX_DER 8192 /* a subject built from JSON */

/* profile.h spells GnuTLS's KeyUsage bits without GnuTLS. */
_Static_assert(
    PROFILE_KU_DIGITAL_SIGNATURE == GNUTLS_KEY_DIGITAL_SIGNATURE &&
        PROFILE_KU_NON_REPUDIATION == GNUTLS_KEY_NON_REPUDIATION &&
        PROFILE_KU_KEY_ENCIPHERMENT == GNUTLS_KEY_KEY_ENCIPHERMENT &&
        PROFILE_KU_DATA_ENCIPHERMENT == GNUTLS_KEY_DATA_ENCIPHERMENT &&
        PROFILE_KU_KEY_AGREEMENT == GNUTLS_KEY_KEY_AGREEMENT &&
        PROFILE_KU_KEY_CERT_SIGN == GNUTLS_KEY_KEY_CERT_SIGN &&
        PROFILE_KU_CRL_SIGN == GNUTLS_KEY_CRL_SIGN &&
        PROFILE_KU_ENCIPHER_ONLY == GNUTLS_KEY_ENCIPHER_ONLY &&
        PROFILE_KU_DECIPHER_ONLY == GNUTLS_KEY_DECIPHER_ONLY,
    "profile.h's KeyUsage bits are GnuTLS's");

static const struct pki_profile *
profile_find(struct json_object *req, const char **detail)
{
	const struct pki_profile *p;
	const char *name = "";
	size_t len = 0;

	if (cf_json_string(req, "profile", &name, &len) == CF_E_BAD_JSON &&
	    !is_null(req, "profile")) {
		*detail = "5300 profile must be a string";
		return NULL;
	}
	/* CFSSL's universal signer: "" is the default, any other name must
	 * be configured (errors.UnknownProfile). */
	if ((p = profile_get(name, len)) == NULL)
		*detail = "5400 Unknown policy profile";
	return p;
}

int
pki_init(const struct cf_config *c)
{
	if (c->ca_key[0] != '\0' && pki_ca_key_set(c->ca_key) != 0) {
		lwarnx("%s: bad setting 'ca_key'", c->path);
		return -1;
	}
	if (c->ca_profiles[0] != '\0' && profile_load(c->ca_profiles) != 0) {
		lwarnx("%s: ca_profiles %s refused", c->path, c->ca_profiles);
		return -1;
	}
	if (c->ca_url[0] != '\0' && profile_ocsp_default(c->ca_url) != 0) {
		lwarnx("%s: bad setting 'ca_url'", c->path);
		return -1;
	}
	return 0;
}

/* ---- signing ---- */

struct issue {
	const char *csr;
	size_t csrlen;
	struct json_object *req; /* hosts, subject */
	const struct pki_profile *profile;
};

static enum cf_status
crq_import(const char *pem, size_t len, struct csr *c, const char **detail)
{
	switch (csr_parse(pem, len, c)) {
	case CSR_OK:
		return CF_OK;
	case CSR_DECODE:
		*detail = "9002 failed to decode the certificate request";
		return CF_E_BAD_REQUEST;
	case CSR_PARSE:
		*detail = "9003 failed to parse the certificate request";
		return CF_E_BAD_REQUEST;
	default:
		return CF_E_INTERNAL;
	}
}

/* The signature first: nothing is taken from an unverified CSR. */
static enum cf_status
crq_check(const struct csr *c, const char **detail)
{
	unsigned bits = 0;
	int pk;

	switch (csr_verify(c)) {
	case CSR_OK:
		break;
	case CSR_BAD_SIG:
		*detail = "9300 the certificate request's signature does not "
		          "verify";
		return CF_E_BAD_REQUEST;
	case CSR_PARSE:
		*detail = "9003 failed to parse the certificate request";
		return CF_E_BAD_REQUEST;
	default:
		return CF_E_INTERNAL;
	}
	if (csr_key(c, &pk, &bits) != 0)
		return CF_E_INTERNAL;
	return csr_key_allowed(pk, bits, detail);
}

/* The certificate of t, signed by the CA, as DER: *der points into *buf
 * (malloc'd, the caller's). */
static enum cf_status
encode_cert(const struct ca_cache *ca, const struct x509_tbs *t, size_t cap,
    uint8_t **buf, const uint8_t **der, size_t *derlen)
{
	uint8_t *b;
	size_t tbslen;

	/* The TBS, then the certificate around it and its signature. */
	if ((b = malloc(2 * cap + X509_SIG_MAX + 64)) == NULL)
		return CF_E_INTERNAL;
	if (x509_tbs_encode(t, b, cap, &tbslen) != 0 ||
	    x509_sign(ca->signer, b, tbslen, b + cap, cap + X509_SIG_MAX + 64,
	        derlen) != 0) {
		free(b);
		return CF_E_INTERNAL;
	}
	*buf = b;
	*der = b + cap;
	return CF_OK;
}

/*
 * CFSSL's name whitelist (signer/local): the CN, the DNS names and the
 * e-mail addresses the certificate will carry must each match; IP
 * addresses are not checked, as in CFSSL.  Called by issue() once the CSR
 * is verified and the names are final, so the error order stays CFSSL's.
 */
static enum cf_status
whitelist_check(const struct pki_profile *p, const struct der_r *subject,
    const struct san_list *sans, const char **detail)
{
	gnutls_datum_t dn = {
	    (unsigned char *)subject->p, (unsigned)subject->len};
	char cn[MAX_DN * 4 + 1];
	size_t len = sizeof(cn), i;

	if (p->whitelist == NULL)
		return CF_OK;
	if (gnutls_x509_rdn_get_by_oid(
	        &dn, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &len) == 0 &&
	    len > 0 && !profile_name_allowed(p, cn, len))
		goto refused;
	for (i = 0; i < sans->n; i++)
		if (sans->s[i].tag != DER_CTX(7) &&
		    !profile_name_allowed(p, sans->s[i].p, sans->s[i].len))
			goto refused;
	return CF_OK;
refused:
	*detail = "5500 Request does not match policy whitelist";
	return CF_E_BAD_REQUEST;
}

/* CFSSL's FillTemplate: the profile's fixed times when it has them, else
 * now rounded to the minute, less the backdate, and the expiry after. */
static void
validity(const struct pki_profile *p, int64_t now, struct x509_tbs *t)
{
	int64_t back = p->backdate != 0 ? p->backdate : BACKDATE;

	t->not_before =
	    p->has_not_before ? p->not_before : (now + 30) / 60 * 60 - back;
	t->not_after =
	    p->has_not_after ? p->not_after : t->not_before + p->expiry;
}

static enum cf_status
issue(struct vault *v, const struct issue *in, char **out, const char **detail)
{
	const struct ca_cache *ca = NULL;
	struct csr c;
	struct json_object *subj = NULL;
	struct san_list sans;
	struct x509_tbs t;
	uint8_t name[NAME_MAX_DER], *buf = NULL;
	const uint8_t *der = NULL;
	char *pem;
	size_t derlen = 0, pemlen = 0, cap, i;
	int hosts;
	enum cf_status st;

	if ((st = crq_import(in->csr, in->csrlen, &c, detail)) != CF_OK)
		return st;
	memset(&t, 0, sizeof(t));
	sans.n = 0;
	st = cf_json_object(in->req, "subject", &subj);
	if (st == CF_E_BAD_JSON && is_null(in->req, "subject"))
		subj = NULL;
	else if (st == CF_E_BAD_JSON) {
		*detail = "5300 subject must be an object";
		st = CF_E_BAD_REQUEST;
		goto out;
	}
	if ((st = crq_check(&c, detail)) != CF_OK ||
	    (st = cakey_current(v, &ca)) != CF_OK)
		goto out;
	t.subject = c.subject;
	if (subj != NULL && (st = subject_name(subj, name, sizeof(name),
	                         &t.subject, detail)) != CF_OK)
		goto out;
	if ((st = subject_hosts(in->req, &sans, &hosts, detail)) != CF_OK ||
	    (!hosts && (st = subject_csr_sans(&c, &sans, detail)) != CF_OK) ||
	    (st = whitelist_check(in->profile, &t.subject, &sans, detail)) !=
	        CF_OK)
		goto out;
	st = CF_E_INTERNAL;
	if (cakey_serial(t.serial) != 0)
		goto out;
	t.issuer.p = ca->issuer;
	t.issuer.len = ca->issuerlen;
	validity(in->profile, (int64_t)time(NULL), &t);
	if (t.not_after > ca->not_after)
		t.not_after = ca->not_after;
	if (t.not_after <= t.not_before) {
		/* A profile's fixed not_before past the CA's own end. */
		*detail = "5300 the profile's validity is outside the CA's";
		st = CF_E_BAD_REQUEST;
		goto out;
	}
	t.spki = c.spki;
	t.keybits = c.keybits;
	t.profile = in->profile;
	memcpy(t.aki, ca->ski, ca->skilen);
	t.akilen = ca->skilen;
	t.sans = sans.s;
	t.nsans = sans.n;
	t.sigalg = x509_signer_alg(ca->signer);
	/* Every variable part's size, plus room for the fixed ones: small
	 * enough that malloc never maps fresh pages for it. */
	cap = t.issuer.len + t.subject.len + t.spki.len + 1024 +
	      x509_profile_room(in->profile);
	for (i = 0; i < sans.n; i++)
		cap += sans.s[i].len + 8;
	/* Recorded as DER; the PEM is only for the answer. */
	if ((st = encode_cert(ca, &t, cap, &buf, &der, &derlen)) != CF_OK ||
	    (st = certdb_record(v, t.serial, sizeof(t.serial), ca->ski,
	         ca->skilen, t.not_before, t.not_after, der, derlen)) != CF_OK)
		goto out;
	if ((pem = x509_pem(der, derlen, &pemlen)) == NULL)
		st = CF_E_INTERNAL;
	else
		*out = pem;
out:
	free(buf);
	csr_free(&c);
	return st;
}

/* sign's work once the caller has settled who may use profile p. */
static enum cf_status
sign_under(struct vault *v, struct json_object *req,
    const struct pki_profile *p, struct json_object **result,
    const char **detail)
{
	struct issue in;
	char *cert = NULL;
	enum cf_status st;

	memset(&in, 0, sizeof(in));
	in.req = req;
	in.profile = p;
	if (cf_json_string(req, "certificate_request", &in.csr, &in.csrlen) !=
	    CF_OK) {
		*detail = "missing parameter 'certificate_request'";
		return CF_E_BAD_REQUEST;
	}
	if ((st = issue(v, &in, &cert, detail)) != CF_OK)
		return st;
	*result = jb_object();
	add_str(*result, "certificate", cert);
	free(cert);
	return CF_OK;
}

/* CFSSL's sign handler: a profile with an auth_key is authsign's only. */
static const struct pki_profile *
profile_unauthenticated(struct json_object *req, const char **detail)
{
	const struct pki_profile *p;

	if ((p = profile_find(req, detail)) != NULL && p->auth_key != NULL) {
		*detail = "authentication required";
		return NULL;
	}
	return p;
}

enum cf_status
pki_sign(struct vault *v, struct json_object *req, struct json_object **result,
    const char **detail)
{
	const struct pki_profile *p;

	if ((p = profile_unauthenticated(req, detail)) == NULL)
		return CF_E_BAD_REQUEST;
	return sign_under(v, req, p, result, detail);
}

enum cf_status
pki_info(struct vault *v, struct json_object *req, struct json_object **result,
    const char **detail)
{
	const struct pki_profile *p;
	struct json_object *a;
	char *pem = NULL;
	size_t len;
	int i;
	enum cf_status st;

	if ((p = profile_find(req, detail)) == NULL)
		return CF_E_BAD_REQUEST;
	st = pki_ca_pem(v, &pem, &len);
	if (st == CF_E_NOT_FOUND && vault_ready(v) == CF_OK &&
	    (st = pki_ca_ensure(v)) == CF_OK)
		st = pki_ca_pem(v, &pem, &len);
	if (st == CF_E_NOT_FOUND) {
		*detail = "the certificate authority is made when the store "
		          "is first unsealed and used";
		st = CF_E_SEALED;
	}
	if (st != CF_OK)
		return st;
	*result = jb_object();
	add_str(*result, "certificate", pem);
	a = jb_array();
	for (i = 0; i < p->nusages; i++)
		jb_push(a, jb_str(p->usages[i]));
	jb_set(*result, "usages", a);
	add_str(*result, "expiry", p->expiry_text);
	free(pem);
	return CF_OK;
}

/* ---- newkey / newcert ---- */

static enum cf_status
key_request(struct json_object *req, int *pk, unsigned *bits,
    gnutls_digest_algorithm_t *dig, const char **detail)
{
	struct json_object *k;
	const char *algo = "ecdsa";
	size_t len = 5;
	int64_t size = 0;
	enum cf_status st;

	st = cf_json_object(req, "key", &k);
	if (st == CF_E_BAD_JSON ||
	    (st == CF_OK &&
	        (cf_json_string(k, "algo", &algo, &len) == CF_E_BAD_JSON ||
	            cf_json_int(k, "size", 0, 65536, &size) ==
	                CF_E_BAD_JSON))) {
		*detail = "2000 key must be {\"algo\", \"size\"}";
		return CF_E_BAD_REQUEST;
	}
	if (len == 5 && !memcmp(algo, "ecdsa", 5)) {
		*pk = GNUTLS_PK_ECDSA;
		if (size == 0)
			size = 256;
		*dig = size == 521   ? GNUTLS_DIG_SHA512
		       : size == 384 ? GNUTLS_DIG_SHA384
		                     : GNUTLS_DIG_SHA256;
		*bits = size == 256
		            ? GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1)
		        : size == 384
		            ? GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1)
		        : size == 521
		            ? GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP521R1)
		            : 0;
		if (*bits != 0)
			return CF_OK;
		*detail = "2400 invalid ECDSA key size";
		return CF_E_BAD_REQUEST;
	}
	if (len == 3 && !memcmp(algo, "rsa", 3)) {
		*pk = GNUTLS_PK_RSA;
		if (size == 0)
			size = 2048;
		if (size < 2048) {
			*detail = "2400 RSA key is too weak";
			return CF_E_BAD_REQUEST;
		}
		if (size > 8192) {
			*detail = "2400 RSA key size too large";
			return CF_E_BAD_REQUEST;
		}
		*bits = (unsigned)size;
		*dig = size >= 4096   ? GNUTLS_DIG_SHA512
		       : size >= 3072 ? GNUTLS_DIG_SHA384
		                      : GNUTLS_DIG_SHA256;
		return CF_OK;
	}
	if (len == 7 && !memcmp(algo, "ed25519", 7)) {
		*pk = GNUTLS_PK_EDDSA_ED25519;
		*bits = GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519);
		*dig = GNUTLS_DIG_UNKNOWN;
		return CF_OK;
	}
	*detail = "2200 invalid key algorithm";
	return CF_E_BAD_REQUEST;
}

/* CFSSL's sums: uppercase hex digests of the DER inside a PEM. */
static struct json_object *
sums_json(const char *pem, size_t len)
{
	static const struct {
		const char *name;
		gnutls_digest_algorithm_t alg;
	} algs[] = {
	    {"md5", GNUTLS_DIG_MD5},
	    {"sha-1", GNUTLS_DIG_SHA1},
	    {"sha-256", GNUTLS_DIG_SHA256},
	};
	struct json_object *o = jb_object();
	gnutls_datum_t in = {(unsigned char *)pem, (unsigned)len}, der;
	uint8_t h[64];
	char hex[129];
	size_t i, j, hl;

	if (gnutls_pem_base64_decode2(NULL, &in, &der) < 0)
		return o;
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		hl = gnutls_hash_get_len(algs[i].alg);
		if (gnutls_hash_fast(algs[i].alg, der.data, der.size, h) < 0)
			continue;
		for (j = 0; j < hl; j++)
			snprintf(hex + 2 * j, 3, "%02X", h[j]);
		add_str(o, algs[i].name, hex);
	}
	gnutls_free(der.data);
	return o;
}

/* A key and a CSR from CFSSL's CSR JSON; both PEM (gnutls_free). */
static enum cf_status
make_csr(struct json_object *csrj, gnutls_datum_t *keypem,
    gnutls_datum_t *csrpem, const char **detail)
{
	gnutls_privkey_t key = NULL;
	gnutls_x509_privkey_t xkey = NULL;
	gnutls_x509_crq_t crq = NULL;
	gnutls_pubkey_t pub = NULL;
	gnutls_digest_algorithm_t dig;
	unsigned bits;
	int pk, hosts;
	enum cf_status st;

	if ((st = key_request(csrj, &pk, &bits, &dig, detail)) != CF_OK)
		return st;
	st = CF_E_INTERNAL;
	if (gt(gnutls_x509_crq_init(&crq), "crq_init") < 0)
		goto out;
	if ((st = subject_crq(csrj, crq, detail)) != CF_OK ||
	    (st = subject_hosts_crq(csrj, crq, &hosts, detail)) != CF_OK)
		goto out;
	st = CF_E_INTERNAL;
	if (gt(gnutls_privkey_init(&key), "privkey_init") < 0 ||
	    gt(gnutls_privkey_generate(key, (gnutls_pk_algorithm_t)pk, bits, 0),
	        "generate") < 0) {
		*detail = "2400 Failed to new private key";
		goto out;
	}
	if (gt(gnutls_x509_crq_set_version(crq, 1), "version") < 0 ||
	    gt(gnutls_pubkey_init(&pub), "pubkey_init") < 0 ||
	    gt(gnutls_pubkey_import_privkey(pub, key, 0, 0), "import") < 0 ||
	    gt(gnutls_x509_crq_set_pubkey(crq, pub), "set_pubkey") < 0 ||
	    gt(gnutls_x509_crq_privkey_sign(crq, key, dig, 0), "sign") < 0 ||
	    gt(gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_PEM, csrpem),
	        "export") < 0 ||
	    gt(gnutls_privkey_export_x509(key, &xkey), "export_x509") < 0 ||
	    gt(gnutls_x509_privkey_export2(xkey, GNUTLS_X509_FMT_PEM, keypem),
	        "export key") < 0)
		goto out;
	st = CF_OK;
out:
	if (xkey != NULL)
		gnutls_x509_privkey_deinit(xkey);
	if (pub != NULL)
		gnutls_pubkey_deinit(pub);
	if (key != NULL)
		gnutls_privkey_deinit(key);
	if (crq != NULL)
		gnutls_x509_crq_deinit(crq);
	return st;
}

static void
datum_wipe(gnutls_datum_t *d)
{
	if (d->data != NULL)
		crypto_wipe(d->data, d->size);
	gnutls_free(d->data);
	d->data = NULL;
}

static enum cf_status
newkey_result(
    struct json_object *csrj, struct json_object **result, const char **detail)
{
	gnutls_datum_t key = {NULL, 0}, csr = {NULL, 0};
	struct json_object *sums;
	enum cf_status st;

	if ((st = make_csr(csrj, &key, &csr, detail)) != CF_OK)
		goto out;
	*result = jb_object();
	jb_set(*result, "private_key", jb_strn(key.data, key.size));
	jb_set(*result, "certificate_request", jb_strn(csr.data, csr.size));
	sums = jb_object();
	jb_set(sums, "certificate_request",
	    sums_json((const char *)csr.data, csr.size));
	jb_set(*result, "sums", sums);
out:
	datum_wipe(&key);
	gnutls_free(csr.data);
	return st;
}

enum cf_status
pki_newkey(
    struct json_object *req, struct json_object **result, const char **detail)
{
	return newkey_result(req, result, detail);
}

enum cf_status
pki_newcert(struct vault *v, struct json_object *req,
    struct json_object **result, const char **detail)
{
	struct json_object *csrj, *r = NULL, *sums;
	struct issue in;
	char *cert = NULL;
	enum cf_status st;

	memset(&in, 0, sizeof(in));
	if ((in.profile = profile_unauthenticated(req, detail)) == NULL)
		return CF_E_BAD_REQUEST;
	if (cf_json_object(req, "request", &csrj) != CF_OK) {
		*detail = "missing parameter 'request'";
		return CF_E_BAD_REQUEST;
	}
	if ((st = newkey_result(csrj, &r, detail)) != CF_OK)
		return st;
	if (cf_json_string(r, "certificate_request", &in.csr, &in.csrlen) !=
	    CF_OK) {
		json_object_put(r);
		return CF_E_INTERNAL;
	}
	/* The CSR already carries the hosts: sign it as it is. */
	in.req = jb_object();
	st = issue(v, &in, &cert, detail);
	json_object_put(in.req);
	if (st != CF_OK) {
		json_object_put(r);
		return st;
	}
	add_str(r, "certificate", cert);
	if (json_object_object_get_ex(r, "sums", &sums))
		jb_set(sums, "certificate", sums_json(cert, strlen(cert)));
	free(cert);
	*result = r;
	return CF_OK;
}

/* ---- bundle ---- */

enum cf_status
pki_bundle(struct vault *v, struct json_object *req,
    struct json_object **result, const char **detail)
{
	gnutls_x509_crt_t crt = NULL, ca = NULL;
	gnutls_datum_t d;
	struct json_object *o, *status;
	const char *pem;
	char *capem = NULL, *chain = NULL;
	size_t len, calen;
	unsigned vs = 0, bits = 0;
	enum cf_status st;

	if (cf_json_string(req, "certificate", &pem, &len) != CF_OK) {
		*detail = "missing parameter 'certificate'";
		return CF_E_BAD_REQUEST;
	}
	if ((st = certfacts_import(pem, len, &crt, detail)) != CF_OK)
		return st;
	if ((st = pki_ca_pem(v, &capem, &calen)) != CF_OK)
		goto out;
	st = CF_E_INTERNAL;
	d.data = (unsigned char *)capem;
	d.size = (unsigned)calen;
	if (gnutls_x509_crt_init(&ca) < 0 ||
	    gnutls_x509_crt_import(ca, &d, GNUTLS_X509_FMT_PEM) < 0 ||
	    gnutls_x509_crt_verify(crt, &ca, 1, 0, &vs) < 0)
		goto out;
	if (vs != 0) {
		*detail = "1220 the certificate does not chain to this CA";
		st = CF_E_BAD_REQUEST;
		goto out;
	}
	if ((chain = malloc(len + calen + 2)) == NULL)
		goto out;
	memcpy(chain, pem, len);
	len = len > 0 && pem[len - 1] != '\n' ? (chain[len] = '\n', len + 1)
	                                      : len;
	memcpy(chain + len, capem, calen + 1);
	o = jb_object();
	add_str(o, "bundle", chain);
	add_str(o, "crt", pem);
	add_str(o, "root", capem);
	add_time(o, "expires", gnutls_x509_crt_get_expiration_time(crt));
	jb_set(o, "hostnames", certfacts_sans(crt));
	jb_set(o, "issuer", certfacts_name(crt, 1));
	jb_set(o, "subject", certfacts_name(crt, 0));
	add_str(o, "key", "");
	add_str(o, "key_type",
	    gnutls_pk_get_name(
	        (gnutls_pk_algorithm_t)gnutls_x509_crt_get_pk_algorithm(
	            crt, &bits)));
	jb_set_int(o, "key_size", (int)bits);
	add_str(o, "signature",
	    certfacts_sigalg(gnutls_x509_crt_get_signature_algorithm(crt)));
	jb_set(o, "ocsp", jb_array());
	jb_set_bool(o, "ocsp_support", 0);
	jb_set_bool(o, "crl_support", 0);
	status = jb_object();
	jb_set_int(status, "code", 0);
	jb_set_bool(status, "is_rebundled", 0);
	jb_set(status, "messages", jb_array());
	jb_set(o, "status", status);
	*result = o;
	st = CF_OK;
out:
	if (ca != NULL)
		gnutls_x509_crt_deinit(ca);
	gnutls_x509_crt_deinit(crt);
	free(capem);
	free(chain);
	return st;
}

/* ---- authsign ---- */

/* CFSSL's Standard provider: HMAC-SHA256 of the request with the key. */
static enum cf_status
auth_verify(
    const char *hexkey, const struct pki_authreq *a, const char **detail)
{
	uint8_t *key = NULL, mac[32];
	size_t keylen = 0;
	enum cf_status st = CF_E_INTERNAL;

	if (codec_hex_decode(hexkey, strlen(hexkey), &key, &keylen) != 0)
		return CF_E_INTERNAL;
	if (crypto_hmac_sha256(key, keylen, a->body, a->bodylen, mac) != 0)
		goto out;
	st = CF_OK;
	if (a->toklen != sizeof(mac) ||
	    !crypto_equal(mac, a->tok, sizeof(mac))) {
		*detail = "invalid token";
		st = CF_E_BAD_REQUEST;
	}
out:
	crypto_wipe(key, keylen);
	free(key);
	return st;
}

/* Coffer's additions: a fresh timestamp and a token never seen, recorded
 * under the write lock so two workers cannot both accept one replay. */
static enum cf_status
auth_fresh(struct vault *v, const struct pki_authreq *a, int64_t now,
    const char **detail)
{
	char seen[sizeof(SEEN_PFX) + 64], *hex;
	uint8_t h[32], *old = NULL;
	size_t oldlen = 0;
	enum cf_status st;

	/* CFSSL ignores the timestamp; we refuse a missing or stale one. */
	if (a->ts < now - PKI_AUTH_WINDOW || a->ts > now + PKI_AUTH_WINDOW) {
		*detail = "invalid token: stale or missing timestamp";
		return CF_E_BAD_REQUEST;
	}
	if (crypto_sha256(a->tok, a->toklen, h) != 0 ||
	    (hex = codec_hex_encode(h, sizeof(h))) == NULL)
		return CF_E_INTERNAL;
	snprintf(seen, sizeof(seen), SEEN_PFX "%s", hex);
	free(hex);
	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	st = vault_get(v, seen, &old, &oldlen);
	record_free(old, oldlen);
	if (st == CF_OK) {
		vault_abort(v);
		*detail = "invalid token: replayed";
		return CF_E_BAD_REQUEST;
	}
	if (st != CF_E_NOT_FOUND || (st = vault_put(v, RECORD_META, seen,
	                                 &a->ts, sizeof(a->ts))) != CF_OK) {
		vault_abort(v);
		return st;
	}
	return vault_commit(v);
}

enum cf_status
pki_authsign(struct vault *v, const char *fallback_key,
    const struct pki_authreq *a, int64_t now, struct json_object **result,
    const char **detail)
{
	struct json_object *inner = NULL;
	const struct pki_profile *p;
	const char *key;
	enum cf_status st;

	/* CFSSL's order: the inner request names the profile, whose key
	 * checks the token. */
	st = CF_E_BAD_REQUEST;
	if (cf_json_parse(a->body, a->bodylen, &inner) != CF_OK) {
		*detail = "Unable to parse authenticated sign request";
		goto out;
	}
	if ((p = profile_find(inner, detail)) == NULL)
		goto out;
	key = p->auth_key != NULL ? p->auth_key : fallback_key;
	if (key == NULL || key[0] == '\0') {
		*detail = "no authentication provider";
		goto out;
	}
	if ((st = auth_verify(key, a, detail)) != CF_OK ||
	    (st = auth_fresh(v, a, now, detail)) != CF_OK)
		goto out;
	st = sign_under(v, inner, p, result, detail);
out:
	json_object_put(inner);
	return st;
}
