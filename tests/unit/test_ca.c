/* test_ca: the CA's life in a store: made at init, made on first use for
 * a store initialized without one, imported (pki_ca_import). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/pki.h"
#include "unit.h"
#include "vault/vault.h"

static char dir[] = "/tmp/coffer-test-ca.XXXXXX";

/* A store initialized (with seeds, or none) and unlocked here. */
static struct vault *
store(const char *name, const struct vault_seed *seeds, size_t nseeds)
{
	struct vault_init_result r;
	struct vault *v = NULL;
	char path[256];

	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	if (vault_open(path, &v) != 0)
		return NULL;
	memset(&r, 0, sizeof(r));
	if (vault_init_seeded(v, 1, 1, seeds, nseeds, &r) != CF_OK ||
	    r.nshares != 1 || vault_unlock(v, r.shares_hex, 1) != CF_OK) {
		vault_init_result_free(&r);
		vault_close(v);
		return NULL;
	}
	vault_init_result_free(&r);
	return v;
}

static int
pem_is(struct vault *v, const struct vault_seed *cert)
{
	char *pem = NULL;
	size_t len = 0;
	int same;

	if (pki_ca_pem(v, &pem, &len) != CF_OK)
		return 0;
	same = len == cert->len && !memcmp(pem, cert->pt, len);
	free(pem);
	return same;
}

static void
test_init_writes_the_ca(void)
{
	struct vault_seed ca[PKI_CA_SEEDS];
	struct vault *v;

	CHECK(pki_ca_new(NULL, ca) == CF_OK, "a CA for init");
	CHECK(ca[0].pt != NULL && !ca[0].clear && strstr(ca[0].key, "cakey"),
	    "the key is a sealed seed");
	CHECK(ca[1].pt != NULL && ca[1].clear, "the certificate a clear one");
	v = store("init", ca, PKI_CA_SEEDS);
	CHECK(v != NULL && pem_is(v, &ca[1]), "init wrote the certificate");
	CHECK(v != NULL && pki_ca_ensure(v) == CF_OK && pem_is(v, &ca[1]),
	    "ensure keeps the CA init made");
	pki_ca_seeds_free(ca);
	CHECK(ca[0].pt == NULL && ca[1].pt == NULL, "seeds freed");
	vault_close(v);
}

static void
test_older_store_gets_its_ca_on_first_use(void)
{
	struct vault *v = store("older", NULL, 0);
	char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;

	CHECK(v != NULL && pki_ca_pem(v, &a, &alen) == CF_E_NOT_FOUND,
	    "a store initialized without a CA has none");
	CHECK(v != NULL && pki_ca_ensure(v) == CF_OK &&
	          pki_ca_pem(v, &a, &alen) == CF_OK,
	    "first use makes it");
	CHECK(v != NULL && pki_ca_ensure(v) == CF_OK &&
	          pki_ca_pem(v, &b, &blen) == CF_OK && alen == blen &&
	          !memcmp(a, b, alen),
	    "once");
	free(a);
	free(b);
	vault_close(v);
}

static void
test_import(void)
{
	struct vault_seed mine[PKI_CA_SEEDS], other[PKI_CA_SEEDS];
	struct vault *v = store("import", NULL, 0);
	const char *detail = NULL;
	char *pem = NULL;
	size_t len = 0;
	static const char junk[] = "-----BEGIN CERTIFICATE-----\nAAAA\n"
	                           "-----END CERTIFICATE-----\n";

	CHECK(pki_ca_key_set("rsa-1024") == -1 && pki_ca_key_set("") == -1,
	    "unknown CA keys are refused");
	CHECK(pki_ca_key_set("ed25519") == 0 && pki_ca_new(NULL, mine) == CF_OK,
	    "an Ed25519 CA");
	CHECK(
	    pki_ca_key_set("rsa-2048") == 0 && pki_ca_new(NULL, other) == CF_OK,
	    "an RSA CA");
	pki_ca_key_set("ecdsa-256");
	if (v == NULL || mine[0].pt == NULL || other[0].pt == NULL)
		goto out;
	CHECK(pki_ca_import(v, junk, sizeof(junk) - 1, mine[0].pt, mine[0].len,
	          0, &detail) == CF_E_BAD_REQUEST &&
	          detail != NULL,
	    "a certificate that does not parse");
	CHECK(pki_ca_import(v, mine[1].pt, mine[1].len, other[0].pt,
	          other[0].len, 0, &detail) == CF_E_BAD_REQUEST &&
	          detail != NULL && strstr(detail, "does not match"),
	    "a key that is not the certificate's");
	CHECK(pki_ca_import(v, mine[1].pt, mine[1].len, mine[1].pt, mine[1].len,
	          0, &detail) == CF_E_BAD_REQUEST,
	    "a certificate given as the key");
	CHECK(pki_ca_pem(v, &pem, &len) == CF_E_NOT_FOUND,
	    "refusals change nothing");
	CHECK(pki_ca_import(v, mine[1].pt, mine[1].len, mine[0].pt, mine[0].len,
	          0, &detail) == CF_OK &&
	          pem_is(v, &mine[1]),
	    "import into a store without a CA");
	CHECK(pki_ca_import(v, other[1].pt, other[1].len, other[0].pt,
	          other[0].len, 0, &detail) == CF_E_CONFLICT &&
	          pem_is(v, &mine[1]),
	    "an existing CA stays without force");
	CHECK(pki_ca_import(v, other[1].pt, other[1].len, other[0].pt,
	          other[0].len, 1, &detail) == CF_OK &&
	          pem_is(v, &other[1]),
	    "force replaces it");
out:
	pki_ca_seeds_free(mine);
	pki_ca_seeds_free(other);
	vault_close(v);
}

int
main(void)
{

	if (mkdtemp(dir) == NULL)
		return EXIT_FAILURE;
	test_init_writes_the_ca();
	test_older_store_gets_its_ca_on_first_use();
	test_import();
	unit_rmtree(dir);
	return unit_done();
}
