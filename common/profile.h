/*
 * profile.h: CFSSL signing profiles, the policy a certificate is issued
 * under: its key usages, extended key usages, lifetime, CA constraint and
 * the names it may carry.
 *
 * The profile is resolved before anything is built, so the encoder only
 * copies these fields into the certificate.  When the config names no
 * profile, CFSSL's default applies: 8760h, "signing", "key encipherment",
 * "server auth", "client auth", not a CA.
 *
 * Invariants:
 *   - key_usage holds X.509 KeyUsage bits in GnuTLS's layout
 *     (GNUTLS_KEY_DIGITAL_SIGNATURE = 0x80 ... GNUTLS_KEY_DECIPHER_ONLY =
 *     0x8000): the low byte is the first byte of the DER BIT STRING, bit
 *     15 its ninth bit.
 *   - ext_usage holds PROFILE_EKU_* bits; the order of the bits is the
 *     order the OIDs are written in.
 *   - max_path_len is -1 for "no limit"; it only matters when is_ca.
 *   - usages[] keeps the configured usage names, in order, for info.
 */
#ifndef COFFER_PROFILE_H
#define COFFER_PROFILE_H

#include <stdint.h>

#define PROFILE_NAME_MAX   64
#define PROFILE_USAGES_MAX 16

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
};

#endif /* COFFER_PROFILE_H */
