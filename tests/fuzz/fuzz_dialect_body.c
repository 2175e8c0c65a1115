/*
 * fuzz_dialect_body: libFuzzer target for the request bodies of the
 * dialects: DC/OS's Secret (JSON or raw bytes; dialects/dcos_secrets.c),
 * init and unseal (dialects/dcos_seal.c: unseal's is read before anyone
 * is authenticated), the path API's (dialects/path.c), the batch's with
 * each of its paths (dialects/batch.c), Sensu's Secret and SecretProvider
 * (dialects/sensu.c), Vault's KV write, merge-patch, unseal, versions
 * (delete, undelete, destroy) and metadata write and patch
 * (dialects/vault_kv.c: unseal's is read before anyone is authenticated).
 * Dapr's API reads no body: its inputs are the path,
 * one query parameter and a header (fuzz_http_request, fuzz_token).
 *
 * The first byte of an input picks the parser, the rest is the body.  A
 * body is accepted only with what its dialect requires (a DC/OS value
 * equal to the body's, a path map of as many non-empty keys as the
 * body's "data", shares and a threshold by Vault's rules, a key share as
 * long as the body's, 1 to BATCH_MAX paths each given back as written or
 * refused, a Sensu Secret with an id and a provider, a coffer id of the
 * form path#key, a provider with a type other than "Secret", a Vault
 * map of string values with non-empty keys, a patch that keeps the keys
 * of the current map it does not name and takes the values it names,
 * 1 to CF_MAX_VERSIONS versions each 1 or more, a metadata map within
 * its bounds and a max_versions within CF_MAX_VERSIONS),
 * refused
 * only with the statuses its parser documents, and an error detail never
 * points into the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/errors.h"
#include "base/json.h"
#include "base/limits.h"
#include "dialects/batch.h"
#include "dialects/dcos_seal.h"
#include "dialects/dcos_secrets.h"
#include "dialects/path.h"
#include "dialects/sensu.h"
#include "dialects/vault_kv.h"
#include "vault/secret.h"

enum fuzz_dialect {
	DCOS_JSON,
	DCOS_BINARY,
	PATH,
	SENSU_SECRET,
	SENSU_PROVIDER,
	DCOS_INIT,
	DCOS_UNSEAL,
	BATCH,
	VAULT_WRITE,
	VAULT_PATCH,
	VAULT_UNSEAL,
	VAULT_VERSIONS,
	VAULT_META,
	VAULT_META_PATCH,
	NDIALECTS
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
entry_is(const struct secret *s, const char *key, const void *val, size_t len)
{
	const struct secret_entry *e = secret_find(s, key);

	return e != NULL && e->len == len && memcmp(e->val, val, len) == 0;
}

static void
check_dcos(const uint8_t *body, size_t len, int binary, struct secret *s)
{
	struct json_object *o = NULL;
	const char *v;
	size_t vlen;

	if (binary) {
		if (!entry_is(s, "value", body, len) || !s->binary)
			abort();
		return;
	}
	if (cf_json_parse(body, len, &o) != CF_OK ||
	    cf_json_string(o, "value", &v, &vlen) != CF_OK ||
	    !entry_is(s, "value", v, vlen) || s->n != 1)
		abort();
	json_object_put(o);
}

static void
check_path(const uint8_t *body, size_t len, struct secret *s)
{
	struct json_object *o = NULL, *d;
	size_t i;

	if (cf_json_parse(body, len, &o) != CF_OK ||
	    cf_json_object(o, "data", &d) != CF_OK ||
	    (size_t)json_object_object_length(d) != s->n ||
	    s->n > CF_MAX_MAP_KEYS)
		abort();
	for (i = 0; i < s->n; i++)
		if (s->e[i].key[0] == '\0')
			abort();
	json_object_put(o);
}

static void
check_sensu(int provider, struct secret *s)
{
	const struct secret_entry *id = secret_find(s, "id");
	const struct secret_entry *prov = secret_find(s, "provider");
	const struct secret_entry *type = secret_find(s, "type");

	if (provider) {
		if (type == NULL || type->len == 0 ||
		    (type->len == 6 && !memcmp(type->val, "Secret", 6)))
			abort();
		return;
	}
	if (id == NULL || id->len == 0 || prov == NULL || prov->len == 0)
		abort();
	if (prov->len == 6 && !memcmp(prov->val, "coffer", 6) &&
	    memchr(id->val, '#', id->len) == NULL)
		abort();
}

static void
check_init(const struct dcos_init_req *r)
{
	if (r->shares < 1 || r->shares > CF_MAX_SHARES || r->threshold < 1 ||
	    r->threshold > r->shares || (r->shares > 1 && r->threshold < 2) ||
	    (!r->has_ca_key && r->ca_key[0] != '\0') ||
	    memchr(r->ca_key, '\0', sizeof(r->ca_key)) == NULL)
		abort();
}

static enum cf_status
run_unseal(const uint8_t *body, size_t len, const char **detail)
{
	char *key = NULL;
	size_t keylen = 0;
	enum cf_status st;

	st = dcos_unseal_parse(body, len, &key, &keylen, detail);
	if (st == CF_OK && (key == NULL || keylen >= len || key[keylen]))
		abort();
	if (st != CF_OK && key != NULL)
		abort();
	free(key);
	return st;
}

static enum cf_status
run_vault_unseal(const uint8_t *body, size_t len, const char **detail)
{
	char *key = NULL;
	size_t keylen = 0;
	enum cf_status st;

	st = vault_kv_unseal_parse(body, len, &key, &keylen, detail);
	if (st == CF_OK && (key == NULL || keylen >= len || key[keylen]))
		abort();
	if (st != CF_OK && key != NULL)
		abort();
	free(key);
	return st;
}

/* A Vault write or patch: every key non-empty, every value the body's
 * string; a patch keeps the current map's keys that data does not name. */
static void
check_vault(const uint8_t *body, size_t len, const struct secret *cur,
    const struct secret *s)
{
	struct json_object *o = NULL, *d, *v;
	size_t i;

	if (cf_json_parse(body, len, &o) != CF_OK ||
	    cf_json_object(o, "data", &d) != CF_OK || s->n > CF_MAX_MAP_KEYS)
		abort();
	for (i = 0; i < s->n; i++) {
		if (s->e[i].key[0] == '\0')
			abort();
		if (json_object_object_get_ex(d, s->e[i].key, &v)) {
			if (v == NULL ||
			    !entry_is(s, s->e[i].key, json_object_get_string(v),
			        (size_t)json_object_get_string_len(v)))
				abort();
		} else if (cur == NULL || secret_find(cur, s->e[i].key) == NULL)
			abort();
	}
	json_object_put(o);
}

static enum cf_status
run_vault(const uint8_t *body, size_t len, int patch, struct secret *s,
    const char **detail)
{
	struct secret *cur = NULL;
	enum cf_status st;

	if (patch && ((cur = secret_new()) == NULL ||
	                 secret_add(cur, "kept", "k", 1) != 0 ||
	                 secret_add(cur, "b", "old", 3) != 0)) {
		secret_free(cur);
		return CF_E_INTERNAL;
	}
	st = vault_kv_body_parse(body, len, cur, s, detail);
	if (st == CF_OK)
		check_vault(body, len, cur, s);
	secret_free(cur);
	return st;
}

/* A versions body: 1 to CF_MAX_VERSIONS versions, none 0; none on error. */
static enum cf_status
run_vault_versions(const uint8_t *body, size_t len, const char **detail)
{
	uint64_t *vers = NULL;
	size_t i, n = 0;
	enum cf_status st;

	st = vault_kv_versions_parse(body, len, &vers, &n, detail);
	if (st != CF_OK && (vers != NULL || n != 0))
		abort();
	if (st == CF_OK && (vers == NULL || n == 0 || n > CF_MAX_VERSIONS))
		abort();
	for (i = 0; i < n; i++)
		if (vers[i] == 0)
			abort();
	free(vers);
	return st;
}

/* A metadata body: the fields it sets within their bounds. */
static enum cf_status
run_vault_meta(const uint8_t *body, size_t len, int merge, struct secret *m,
    const char **detail)
{
	unsigned set = 0;
	enum cf_status st;

	st = vault_kv_meta_parse(body, len, merge, m, &set, detail);
	if (st != CF_OK)
		return st;
	if (m->max_versions > CF_MAX_VERSIONS)
		abort();
	if ((set & (SECRET_META_CUSTOM | SECRET_META_MERGE)) &&
	    m->custom != NULL && secret_meta_valid(m->custom, merge) != CF_OK)
		abort();
	return st;
}

/* Each path of an accepted batch: given back as written, or refused. */
static enum cf_status
run_batch(const uint8_t *body, size_t len, const char **detail)
{
	struct json_object *paths = NULL, *p;
	char *path;
	size_t i, n;
	enum cf_status st;

	st = batch_body_parse(body, len, &paths, detail);
	if (st != CF_OK) {
		if (paths != NULL)
			abort();
		return st;
	}
	n = json_object_array_length(paths);
	if (n == 0 || n > BATCH_MAX)
		abort();
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(paths, i);
		st = batch_path(json_object_get_string(p),
		    (size_t)json_object_get_string_len(p), &path);
		if (st == CF_OK &&
		    (path == NULL || strcmp(path, json_object_get_string(p))))
			abort();
		if (st != CF_OK && (st != CF_E_BAD_PATH || path != NULL))
			abort();
		free(path);
	}
	json_object_put(paths);
	return CF_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct secret *s;
	const char *detail = NULL;
	const uint8_t *body = data + 1;
	size_t len = size - 1;
	enum fuzz_dialect d;
	enum cf_status st;

	if (size == 0 || (s = secret_new()) == NULL)
		return 0;
	d = (enum fuzz_dialect)(data[0] % NDIALECTS);
	switch (d) {
	case DCOS_JSON:
	case DCOS_BINARY:
		st = dcos_body_parse(body, len, d == DCOS_BINARY, s, &detail);
		if (st == CF_OK)
			check_dcos(body, len, d == DCOS_BINARY, s);
		else if (st != CF_E_BAD_JSON)
			abort();
		break;
	case PATH:
		st = path_body_parse(body, len, s, &detail);
		if (st == CF_OK)
			check_path(body, len, s);
		else if (st != CF_E_BAD_JSON && st != CF_E_TOO_LARGE)
			abort();
		break;
	case DCOS_INIT: {
		struct dcos_init_req r;

		st = dcos_init_parse(body, len, &r, &detail);
		if (st == CF_OK)
			check_init(&r);
		else if (st != CF_E_BAD_JSON && st != CF_E_BAD_REQUEST)
			abort();
		break;
	}
	case DCOS_UNSEAL:
		st = run_unseal(body, len, &detail);
		if (st != CF_OK && st != CF_E_BAD_JSON &&
		    st != CF_E_BAD_REQUEST)
			abort();
		break;
	case VAULT_WRITE:
	case VAULT_PATCH:
		st = run_vault(body, len, d == VAULT_PATCH, s, &detail);
		if (st != CF_OK && st != CF_E_BAD_JSON &&
		    st != CF_E_TOO_LARGE && st != CF_E_INTERNAL)
			abort();
		break;
	case VAULT_UNSEAL:
		st = run_vault_unseal(body, len, &detail);
		if (st != CF_OK && st != CF_E_BAD_JSON &&
		    st != CF_E_BAD_REQUEST)
			abort();
		break;
	case VAULT_VERSIONS:
		st = run_vault_versions(body, len, &detail);
		if (st != CF_OK && st != CF_E_BAD_JSON &&
		    st != CF_E_TOO_LARGE && st != CF_E_INTERNAL)
			abort();
		break;
	case VAULT_META:
	case VAULT_META_PATCH:
		st = run_vault_meta(
		    body, len, d == VAULT_META_PATCH, s, &detail);
		if (st != CF_OK && st != CF_E_BAD_JSON &&
		    st != CF_E_TOO_LARGE && st != CF_E_INTERNAL)
			abort();
		break;
	case BATCH:
		st = run_batch(body, len, &detail);
		if (st != CF_OK && st != CF_E_BAD_JSON)
			abort();
		break;
	default:
		st = sensu_body_parse(body, len, d == SENSU_PROVIDER, "default",
		    "db", s, &detail);
		if (st == CF_OK)
			check_sensu(d == SENSU_PROVIDER, s);
		else if (st != CF_E_BAD_JSON && st != CF_E_BAD_REQUEST)
			abort();
		break;
	}
	if (detail != NULL && (const uint8_t *)detail >= data &&
	    (const uint8_t *)detail < data + size)
		abort();
	secret_free(s);
	return 0;
}
