/*
 * cakey.h: the CA's key and certificate: made (at init, or on first use),
 * imported, read, and kept parsed for signing once per unseal.
 *
 * Invariants:
 *   - The CA is made at init, in init's own commit (ECDSA P-256 unless
 *     ca_key says otherwise), or imported (cofferctl ca-import).  A store
 *     initialized before that gets its CA on first use with an unsealed
 *     store, under the write lock, so exactly one process creates it.
 *     Its private key is the sealed record m:cakey; its certificate is the
 *     clear record m:cacert, readable while sealed.
 *   - The CA's private key lives only in struct pki_ca (one request, freed
 *     with cakey_free) or in the per-process cache cakey_current returns,
 *     which cakey.c alone fills and drops; callers never free or keep it.
 *   - Each process parses the CA key once per unseal and keeps it only
 *     while vault_epoch() is the one it was parsed in and the CA
 *     certificate is unchanged; both are checked on every signing request.
 */
#ifndef COFFER_CAKEY_H
#define COFFER_CAKEY_H

#include <stddef.h>
#include <stdint.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "base/errors.h"
#include "ca/cadefs.h"

struct vault;
struct vault_seed;
struct x509_signer;

/* The CA key algorithm made at init (or on first use): "ecdsa-256" (the
 * default), "ecdsa-384", "ecdsa-521", "rsa-2048", "rsa-3072", "rsa-4096"
 * or "ed25519".  0 or -1. */
int pki_ca_key_set(const char *name);
/* A new CA for init, as the PKI_CA_SEEDS records init writes with its own:
 * m:cakey (sealed) and m:cacert (clear).  pki_ca_seeds_free wipes them.
 * algo is one of pki_ca_key_set's names, or NULL for the configured one;
 * an unknown name is CF_E_BAD_REQUEST. */
#define PKI_CA_SEEDS 2
enum cf_status pki_ca_new(const char *algo, struct vault_seed *seed);
void pki_ca_seeds_free(struct vault_seed *seed);
/*
 * Import an operator's CA (PEM certificate and unencrypted PEM key) into
 * the store, whose keys the caller made ready (vault_ready or
 * vault_unlock).  The certificate must be a valid CA certificate, the
 * key one CFSSL accepts and the certificate's own.  An existing CA is kept
 * (CF_E_CONFLICT) unless force.  On refusal *detail says why.
 */
enum cf_status pki_ca_import(struct vault *v, const char *certpem,
    size_t certlen, const char *keypem, size_t keylen, int force,
    const char **detail);
/* The CA certificate's PEM (malloc'd), readable while sealed;
 * CF_E_NOT_FOUND before the CA was made. */
enum cf_status pki_ca_pem(struct vault *v, char **pem, size_t *len);
/* Make the CA now if it does not exist (unsealed store). */
enum cf_status pki_ca_ensure(struct vault *v);

/* The CA loaded for one request. */
struct pki_ca {
	gnutls_x509_crt_t crt;
	gnutls_privkey_t key;
	gnutls_digest_algorithm_t dig; /* CFSSL's choice for the key */
	uint8_t ski[ID_LEN];
	size_t skilen;
};

/*
 * This process's CA, parsed once per unseal rather than per request (its
 * PEM key import alone cost more than the signature).  It is good while
 * the vault's epoch is the one it was made in and the CA certificate is
 * the one it was made from (an import replaces both); every request checks
 * both, and drops it the moment the store is found sealed.
 */
struct ca_cache {
	struct x509_signer *signer;
	char *pem; /* the CA certificate */
	size_t pemlen;
	uint8_t *issuer; /* its subject Name, DER */
	size_t issuerlen;
	uint8_t ski[ID_LEN];
	size_t skilen;
	int64_t not_after;
	int32_t epoch;
};

/* A fresh serial: PKI_SERIAL_LEN random bytes, positive; 0 or -1. */
int cakey_serial(uint8_t *s);
/* The CA for signing: made on first use for a store initialized before the
 * CA was made at init; needs the unsealed store.  cakey_free accepts NULL. */
enum cf_status cakey_load(struct vault *v, struct pki_ca **out);
void cakey_free(struct pki_ca *ca);
/* The cached CA, checked (or refilled) for this request; *out is borrowed
 * until the next call. */
enum cf_status cakey_current(struct vault *v, const struct ca_cache **out);

#endif
