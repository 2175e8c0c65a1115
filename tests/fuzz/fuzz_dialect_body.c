/*
 * fuzz_dialect_body: libFuzzer target for the request bodies of the
 * dialects that write a secret: DC/OS (JSON or raw bytes) and the path
 * API (common/dialects/dialect_body.c), Sensu's Secret and SecretProvider
 * (common/dialects/sensu.c).  Dapr's API reads no body: its inputs are the
 * path, one query parameter and a header (fuzz_http_request, fuzz_token).
 *
 * The first byte of an input picks the parser, the rest is the body.  A
 * body is accepted only with what its dialect requires (a DC/OS value
 * equal to the body's, a path map of as many non-empty keys as the
 * body's "data", a Sensu Secret with an id and a provider, a coffer id
 * of the form path#key, a provider with a type other than "Secret"),
 * refused only with the statuses its parser documents, and an error
 * detail never points into the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/errors.h"
#include "base/json.h"
#include "base/limits.h"
#include "dialects/dcos_secrets.h"
#include "dialects/path.h"
#include "dialects/sensu.h"
#include "vault/secret.h"

enum fuzz_dialect {
	DCOS_JSON,
	DCOS_BINARY,
	PATH,
	SENSU_SECRET,
	SENSU_PROVIDER,
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
