/*
 * profile.h: CFSSL signing profiles, the policy a certificate is issued
 * under: its key usages, extended key usages, validity, CA constraint, the
 * names it may carry, its CRL, OCSP and issuer URLs and certificate
 * policies, and the auth key a request for it must be signed with.
 *
 * The profile is resolved before anything is built, so the encoder only
 * copies these fields into the certificate.  When the config names no
 * profile, CFSSL's default applies: 8760h, "signing", "key encipherment",
 * "server auth", "client auth", not a CA.
 *
 * Profiles come from CFSSL's own signing config (the config key
 * ca_profiles), read once at start-up by profile_load(): operators reuse
 * their cfssl config unchanged.  A config that cannot be honoured (bad
 * JSON, no usable usages, an expiry, whitelist, URL, time, policy or auth
 * key we cannot read) stops the program from starting rather than leaving
 * a default in force; a member Coffer does not implement is logged as
 * ignored.  After loading, the table (and every string it points to) is
 * read-only for the life of the process; profiles share the default's
 * URLs by pointer.
 *
 * Invariants:
 *   - key_usage holds X.509 KeyUsage bits (PROFILE_KU_*) in GnuTLS's layout
 *     (GNUTLS_KEY_DIGITAL_SIGNATURE = 0x80 ... GNUTLS_KEY_DECIPHER_ONLY =
 *     0x8000): the low byte is the first byte of the DER BIT STRING, bit
 *     15 its ninth bit.
 *   - ext_usage holds PROFILE_EKU_* bits; the order of the bits is the
 *     order the OIDs are written in.
 *   - max_path_len is -1 for "no limit"; it only matters when is_ca.
 *   - usages[] keeps the configured usage names, in order, for info.
 *   - URLs are 1 to PROFILE_URL_MAX - 1 printable ASCII bytes (IA5).
 *   - A policy's oid is valid DER content (two arcs at least); a CPS
 *     qualifier is printable ASCII, a notice UTF-8.
 *   - auth_key, when set, is hex of 16 to 128 bytes, from an auth_keys
 *     entry of type "standard" (CFSSL's only type).
 */
#ifndef COFFER_PROFILE_H
#define COFFER_PROFILE_H

#include <stdint.h>

#define PROFILE_NAME_MAX       64
#define PROFILE_USAGES_MAX     16
#define PROFILE_MAX            32   /* configured profiles, default included */
#define PROFILE_URLS_MAX       8    /* issuer_urls of one profile */
#define PROFILE_URL_MAX        1024 /* bytes of one URL or policy qualifier */
#define PROFILE_POLICIES_MAX   8    /* certificate policies of one profile */
#define PROFILE_QUALIFIERS_MAX 4    /* qualifiers of one policy */
#define PROFILE_OID_MAX        32   /* content bytes of one policy's OID */

/* X.509 KeyUsage bits, with GnuTLS's values (pki.c checks that they
 * are), so profile.c needs no GnuTLS and pki.c hands them over as they are. */
enum profile_ku {
	PROFILE_KU_DIGITAL_SIGNATURE = 0x80,
	PROFILE_KU_NON_REPUDIATION = 0x40,
	PROFILE_KU_KEY_ENCIPHERMENT = 0x20,
	PROFILE_KU_DATA_ENCIPHERMENT = 0x10,
	PROFILE_KU_KEY_AGREEMENT = 0x08,
	PROFILE_KU_KEY_CERT_SIGN = 0x04,
	PROFILE_KU_CRL_SIGN = 0x02,
	PROFILE_KU_ENCIPHER_ONLY = 0x01,
	PROFILE_KU_DECIPHER_ONLY = 0x8000,
};

enum profile_eku {
	PROFILE_EKU_SERVER = 1 << 0,    /* 1.3.6.1.5.5.7.3.1 */
	PROFILE_EKU_CLIENT = 1 << 1,    /* 1.3.6.1.5.5.7.3.2 */
	PROFILE_EKU_CODE = 1 << 2,      /* 1.3.6.1.5.5.7.3.3 */
	PROFILE_EKU_EMAIL = 1 << 3,     /* 1.3.6.1.5.5.7.3.4 */
	PROFILE_EKU_IPSEC_ES = 1 << 4,  /* 1.3.6.1.5.5.7.3.5 */
	PROFILE_EKU_IPSEC_TUN = 1 << 5, /* 1.3.6.1.5.5.7.3.6 */
	PROFILE_EKU_IPSEC_USR = 1 << 6, /* 1.3.6.1.5.5.7.3.7 */
	PROFILE_EKU_TIME = 1 << 7,      /* 1.3.6.1.5.5.7.3.8 */
	PROFILE_EKU_OCSP = 1 << 8,      /* 1.3.6.1.5.5.7.3.9 */
	PROFILE_EKU_ANY = 1 << 9,       /* 2.5.29.37.0 */
};

/* One policy qualifier: id-qt-cps (value: an IA5String URI) or
 * id-qt-unotice (value: the UTF-8 explicitText of a UserNotice). */
struct profile_qualifier {
	int cps;
	const char *value;
};

/* One PolicyInformation of the certificatePolicies extension. */
struct profile_policy {
	uint8_t oid[PROFILE_OID_MAX]; /* the OID's DER content */
	size_t oidlen;
	struct profile_qualifier q[PROFILE_QUALIFIERS_MAX];
	int nq;
};

struct pki_profile {
	char name[PROFILE_NAME_MAX];
	unsigned key_usage;
	unsigned ext_usage;
	int64_t expiry;       /* seconds */
	char expiry_text[24]; /* as configured, e.g. "8760h", for info */
	int is_ca;
	int max_path_len;
	const char *usages[PROFILE_USAGES_MAX];
	int nusages;
	const char *whitelist; /* POSIX ERE the names must match, or NULL */
	/* auth_key: the hex HMAC key of the auth_keys entry it names, or
	 * NULL.  A profile with a key is signed only through authsign. */
	const char *auth_key;
	/* crl_url, ocsp_url, issuer_urls: the CRL Distribution Points and
	 * Authority Information Access URIs (printable ASCII), or NULL / 0;
	 * a profile without one has the default profile's, as in CFSSL. */
	const char *crl_url;
	const char *ocsp_url;
	const char *issuer_urls[PROFILE_URLS_MAX];
	int nissuer_urls;
	/* backdate: seconds notBefore is set before now (0: CFSSL's five
	 * minutes).  not_before / not_after, when has_*, fix the validity
	 * instead (Unix time), as CFSSL's profile times do. */
	int64_t backdate;
	int has_not_before, has_not_after;
	int64_t not_before, not_after;
	/* policies: the certificatePolicies extension, in order. */
	const struct profile_policy *policies;
	int npolicies;
};

/* Read CFSSL's signing config at path (its "signing" object: "default"
 * and "profiles").  0, or -1 with the reason logged.  Called at most once,
 * before any lookup; without it only CFSSL's default profile exists. */
int profile_load(const char *path);
/* The responder's URL, <base>/ca/ocsp (base without its trailing '/'),
 * as the ocsp_url of every profile that has none (after profile_load):
 * the config's ca_url.  0, or -1 when it would not be a URL profiles
 * take (logged). */
int profile_ocsp_default(const char *base);
/* 1 when some profile (the default included) names an auth_key. */
int profile_any_auth_key(void);
/* The profile named name (len bytes, not NUL-terminated); "" is the
 * default profile.  NULL for an unknown name. */
const struct pki_profile *profile_get(const char *name, size_t len);
/* 1 when name may be in a certificate issued under p: p has no whitelist,
 * or the whitelist matches somewhere in name (Go's Regexp.Find). */
int profile_name_allowed(
    const struct pki_profile *p, const char *name, size_t len);
/* Seconds of a Go duration made of h, m, s parts ("8760h", "1h30m"), as
 * the config's expiry and backdate and a CRL's lifetime are written; 0 or
 * -1. */
int profile_duration(const char *s, int64_t *out);

#endif /* COFFER_PROFILE_H */
