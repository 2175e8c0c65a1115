/*
 * fuzz_acme: libFuzzer target for what ACME reads before it knows who is
 * asking (common/dialects/acme.c, common/ca/jws.c): the flattened JWS
 * body, its protected header, the JWK in it, the signature check, and the
 * newAccount, account update, keyChange (its inner JWS and that one's
 * payload), newOrder, finalize and revokeCert payloads; and what the
 * http-01 validator compares a fetched body with, and the certificate the
 * tls-alpn-01 validator is shown.
 *
 * A body accepted must have a signing input that ends with its payload
 * part and exactly one of jwk and kid; an order accepted must hold 1 to
 * ACME_MAX_NAMES names; nothing may crash or leak.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ca/jws.h"
#include "ca/tlsalpn.h"
#include "crypto/crypto.h"
#include "dialects/acme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* keyChange's payload is itself a JWS, with its own payload. */
static void
inner(struct json_object *p)
{
	struct json_object *old;
	struct acme_jws j;
	const char *code, *detail, *account;

	if (acme_jws_inner(p, &j, &code, &detail) != CF_OK)
		return;
	if (j.jwk == NULL || j.kid != NULL || j.nonce != NULL)
		abort();
	if (acme_keychange_parse(j.payload, &account, &old, &code, &detail) ==
	        CF_OK &&
	    (account == NULL || old == NULL))
		abort();
	acme_jws_free(&j);
}

/* newAccount's externalAccountBinding, another JWS in the payload. */
static void
eab(struct json_object *e)
{
	static const uint8_t key[32];
	struct acme_jws j;
	const char *code, *detail;

	if (e == NULL ||
	    acme_eab_parse(e, "u", "t", &j, &code, &detail) != CF_OK)
		return;
	if (j.kid == NULL || j.jwk != NULL || j.nonce != NULL)
		abort();
	(void)acme_eab_verify(&j, key, sizeof(key));
	acme_jws_free(&j);
}

static void
payloads(struct json_object *p)
{
	struct json_object *contact, *binding;
	const char *code, *detail;
	char **names;
	uint8_t *der;
	size_t n, len;
	int only, reason, deactivate;

	if (acme_account_parse(p, &only, &contact, &binding, &code, &detail) ==
	        CF_OK &&
	    only != 0 && only != 1)
		abort();
	eab(binding);
	if (acme_order_parse(p, &names, &n, &code, &detail) == CF_OK) {
		if (n < 1 || n > ACME_MAX_NAMES)
			abort();
		acme_names_free(names, n);
	}
	if (acme_account_update_parse(
	        p, &contact, &deactivate, &code, &detail) == CF_OK &&
	    deactivate != 0 && deactivate != 1)
		abort();
	inner(p);
	if (acme_finalize_parse(p, &der, &len, &code, &detail) == CF_OK)
		free(der);
	if (acme_revoke_parse(p, &der, &len, &reason, &code, &detail) ==
	    CF_OK) {
		if (reason < 0 || reason > 10 || reason == 7)
			abort();
		free(der);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acme_jws j;
	struct jws_key k;
	const char *code, *detail;
	char thumb[JWS_THUMB_LEN + 1];

	crypto_init();
	(void)acme_keyauth_ok((const char *)data, size, "token", "thumb");
	/* What a tls-alpn-01 responder shows may be anything too. */
	(void)tlsalpn_cert_ok(data, size, "localhost", "token.thumb");
	if (acme_jws_parse(data, size, &j, &code, &detail) != CF_OK)
		return 0;
	if ((j.jwk == NULL) == (j.kid == NULL) || j.inputlen == 0 ||
	    memchr(j.input, '.', j.inputlen) == NULL)
		abort();
	if (j.jwk != NULL && jws_key_parse(j.jwk, &k) == 0) {
		if (jws_thumbprint(&k, thumb) != 0 ||
		    strlen(thumb) != JWS_THUMB_LEN)
			abort();
		(void)jws_verify(
		    &k, j.alg, j.input, j.inputlen, j.sig, j.siglen);
		jws_key_free(&k);
	}
	payloads(j.payload);
	acme_jws_free(&j);
	return 0;
}
