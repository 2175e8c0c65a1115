/*
 * test_secret.c: what a secret's keys cost, and their bound (secret.c over
 * a real vault and gdbm).
 *
 * Reading a secret and merging a write into one take time linear in its
 * keys: ten times the keys cost about ten times the CPU, never a hundred,
 * as a search per key once did (60,000 keys took 20 s).  The figure is
 * this process's CPU time, the least of a few runs, so a busy machine
 * does not fail it.  The factor allowed over ten is SLACK, not less: the
 * larger map outgrows the CPU's caches, so that json-c's own parse of it
 * costs about 14 times the smaller one's, and a loaded machine adds more.
 *
 * A write that would leave a secret with more than CF_MAX_MAP_KEYS keys
 * is refused and changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "base/limits.h"
#include "unit.h"
#include "vault/secret.h"
#include "vault/vault.h"

#define STORE     "default"
#define RUNS      5  /* runs of each size; the least counts */
#define SLACK     4  /* allowed factor over a linear cost */
#define KEY_BYTES 32 /* "key-" and a size_t in decimal */

static char dir[] = "/tmp/coffer-secret.XXXXXX";

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
key_name(char *buf, size_t i)
{
	snprintf(buf, KEY_BYTES, "key-%06zu", i);
}

/*
 * Write s:STORE:/path straight into the vault as a record of n keys
 * ("value" first, then key-000001...), every value "v": so a record over
 * the bound can be read, as one an older build wrote.
 */
static int
put_record(struct vault *v, const char *path, size_t n)
{
	struct json_object *o = json_object_new_object();
	struct json_object *d = json_object_new_object();
	char key[KEY_BYTES], skey[CF_MAX_PATH + CF_MAX_STORE_NAME + 8];
	const char *text;
	size_t i, len;
	int rc = -1;

	json_object_object_add(o, "version", json_object_new_int64(1));
	json_object_object_add(o, "created", json_object_new_int64(1));
	json_object_object_add(o, "updated", json_object_new_int64(1));
	json_object_object_add(d, "value", json_object_new_string("dg=="));
	for (i = 1; i < n; i++) {
		key_name(key, i);
		json_object_object_add(d, key, json_object_new_string("dg=="));
	}
	json_object_object_add(o, "data", d);
	text =
	    json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	snprintf(skey, sizeof(skey), "s:%s:/%s", STORE, path);
	if (text != NULL && vault_write_begin(v) == CF_OK) {
		if (vault_put(v, RECORD_SECRET, skey, text, len) == CF_OK &&
		    vault_commit(v) == CF_OK)
			rc = 0;
		else
			vault_abort(v);
	}
	json_object_put(o);
	return rc;
}

/* One read of path: its CPU seconds, or -1 when it fails or has not n
 * keys. */
static double
read_once(struct vault *v, const char *path, size_t n)
{
	struct secret *s = NULL;
	double t = cpu_now();
	int ok;

	ok = secret_get(v, STORE, path, 0, &s) == CF_OK && s->n == n;
	t = cpu_now() - t;
	secret_free(s);
	return ok ? t : -1;
}

/* One DC/OS-style PATCH of path: {"value"} merged into its n keys. */
static double
merge_once(struct vault *v, const char *path, size_t n)
{
	struct secret *in = secret_new();
	double t = cpu_now();
	int ok;

	(void)n;
	ok = in != NULL && secret_set(in, "value", "w", 1) == 0;
	if (ok) {
		in->merge = 1;
		ok = secret_write(v, STORE, path, SECRET_UPDATE, in, 1, NULL) ==
		     CF_OK;
	}
	t = cpu_now() - t;
	secret_free(in);
	return ok ? t : -1;
}

typedef double (*cost_fn)(struct vault *v, const char *path, size_t n);

/*
 * The least cost of RUNS runs of each size, the runs alternating so that
 * both sizes meet the machine's load alike.  Stop early once the large
 * one is within SLACK of linear, so that a quadratic build does not run
 * for minutes.
 */
static int
least(struct vault *v, cost_fn fn, const char *a, size_t small, double *ts,
    const char *b, size_t large, double *tl)
{
	double t;
	int i;

	*ts = *tl = -1;
	for (i = 0; i < RUNS; i++) {
		if ((t = fn(v, a, small)) < 0)
			return -1;
		if (*ts < 0 || t < *ts)
			*ts = t;
		if ((t = fn(v, b, large)) < 0)
			return -1;
		if (*tl < 0 || t < *tl)
			*tl = t;
		if (*tl <= *ts * SLACK * (double)large / (double)small)
			break;
	}
	return 0;
}

static const struct {
	int line;
	const char *what;
	cost_fn fn;
	size_t small, large;
} costs[] = {
    {__LINE__, "a read of 60,000 keys against 6,000", read_once, 6000, 60000},
    {__LINE__, "a merge into a full secret against a tenth of one", merge_once,
        CF_MAX_MAP_KEYS / 10, CF_MAX_MAP_KEYS},
};

static void
test_cost_is_linear_in_the_keys(struct vault *v)
{
	char a[32], b[32];
	double small, large, limit;
	size_t i;
	int ok;

	for (i = 0; i < sizeof(costs) / sizeof(costs[0]); i++) {
		snprintf(a, sizeof(a), "cost/%zu-small", i);
		snprintf(b, sizeof(b), "cost/%zu-large", i);
		CHECK_LINE(costs[i].line,
		    put_record(v, a, costs[i].small) == 0 &&
		        put_record(v, b, costs[i].large) == 0,
		    "the records are written");
		ok = least(v, costs[i].fn, a, costs[i].small, &small, b,
		         costs[i].large, &large) == 0;
		limit = small * SLACK * (double)costs[i].large /
		        (double)costs[i].small;
		printf("%s: %.4f s and %.4f s of CPU (ratio %.1f)\n",
		    costs[i].what, small, large,
		    small > 0 ? large / small : 0.0);
		CHECK_LINE(costs[i].line, ok, "each run succeeds");
		CHECK_LINE(costs[i].line, ok && large <= limit, costs[i].what);
	}
}

/* A map of n keys key-000000..., every value "v", as a client sends. */
static struct secret *
map_of(size_t n)
{
	struct secret *s = secret_new();
	char key[KEY_BYTES];
	size_t i;

	for (i = 0; s != NULL && i < n; i++) {
		key_name(key, i);
		if (secret_set(s, key, "v", 1) != 0) {
			secret_free(s);
			return NULL;
		}
	}
	return s;
}

/* path's current version and number of keys, or 0 and 0. */
static void
current(struct vault *v, const char *path, uint64_t *ver, size_t *n)
{
	struct secret *s = NULL;

	*ver = 0;
	*n = 0;
	if (secret_get(v, STORE, path, 0, &s) == CF_OK) {
		*ver = s->version;
		*n = s->n;
	}
	secret_free(s);
}

static const struct {
	int line;
	const char *what;
	size_t keys;  /* keys sent */
	int merge;    /* merged into the full secret (DC/OS PATCH) */
	size_t first; /* first key's number: below CF_MAX_MAP_KEYS
	               * replaces keys the secret holds */
	enum cf_status want;
} bounds[] = {
    {__LINE__, "a map of the bound replaces the map", CF_MAX_MAP_KEYS, 0, 0,
        CF_OK},
    {__LINE__, "a map over the bound is refused", CF_MAX_MAP_KEYS + 1, 0, 0,
        CF_E_TOO_LARGE},
    {__LINE__, "a new key merged into a full secret is refused", 1, 1,
        CF_MAX_MAP_KEYS, CF_E_TOO_LARGE},
    {__LINE__, "a held key merged into a full secret is taken", 1, 1, 7, CF_OK},
};

static void
test_a_write_over_the_key_bound_is_refused_and_changes_nothing(struct vault *v)
{
	struct secret *full = map_of(CF_MAX_MAP_KEYS), *in;
	char key[KEY_BYTES];
	uint64_t ver, ver2;
	size_t i, j, n, n2;
	enum cf_status st;

	CHECK(full != NULL && secret_write(v, STORE, "bound/s", SECRET_UPSERT,
	                          full, 1, NULL) == CF_OK,
	    "a secret of CF_MAX_MAP_KEYS keys is written");
	secret_free(full);
	for (i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
		current(v, "bound/s", &ver, &n);
		in = bounds[i].merge ? secret_new() : map_of(bounds[i].keys);
		for (j = 0; bounds[i].merge && in != NULL && j < bounds[i].keys;
		     j++) {
			key_name(key, bounds[i].first + j);
			if (secret_set(in, key, "w", 1) != 0) {
				secret_free(in);
				in = NULL;
			}
		}
		if (in != NULL)
			in->merge = bounds[i].merge;
		st = in ? secret_write(
		              v, STORE, "bound/s", SECRET_UPDATE, in, 1, NULL)
		        : CF_E_INTERNAL;
		secret_free(in);
		current(v, "bound/s", &ver2, &n2);
		CHECK_LINE(
		    bounds[i].line, st == bounds[i].want, bounds[i].what);
		CHECK_LINE(bounds[i].line,
		    bounds[i].want != CF_OK ||
		        (ver2 == ver + 1 && n2 == CF_MAX_MAP_KEYS),
		    "a write taken makes a version of the bound's keys");
		CHECK_LINE(bounds[i].line,
		    bounds[i].want == CF_OK || (ver2 == ver && n2 == n),
		    "a write refused changes nothing");
	}
}

/* A merge keeps the old keys' order, takes the new values in place and
 * appends the new keys in theirs. */
static void
test_a_merge_keeps_the_order_of_the_keys(struct vault *v)
{
	static const char *const old[] = {"c", "a", "b"}, *const in[] = {
	                                                      "d", "a", "e"};
	static const char *const want[] = {"c", "a", "b", "d", "e"},
	                         *const want_val[] = {
	                             "old", "new", "old", "new", "new"};
	struct secret *s = secret_new(), *t = secret_new(), *got = NULL;
	size_t i;
	int ok = s != NULL && t != NULL;

	for (i = 0; ok && i < 3; i++)
		ok = secret_set(s, old[i], "old", 3) == 0 &&
		     secret_set(t, in[i], "new", 3) == 0;
	if (ok) {
		t->merge = 1;
		ok = secret_write(v, STORE, "order/s", SECRET_UPSERT, s, 1,
		         NULL) == CF_OK &&
		     secret_write(v, STORE, "order/s", SECRET_UPDATE, t, 1,
		         NULL) == CF_OK &&
		     secret_get(v, STORE, "order/s", 0, &got) == CF_OK;
	}
	CHECK(ok && got->n == 5, "the merge holds five keys");
	for (i = 0; ok && got->n == 5 && i < 5; i++) {
		CHECK(!strcmp(got->e[i].key, want[i]), "in order");
		CHECK(!strcmp((const char *)got->e[i].val, want_val[i]),
		    "with the merged value");
	}
	secret_free(s);
	secret_free(t);
	secret_free(got);
}

/* Check-and-set: a write whose cas_version is not the current version
 * (0: absent) is refused and changes nothing. */
static void
test_a_check_and_set_write_needs_the_current_version(struct vault *v)
{
	static const struct {
		int line;
		const char *what;
		uint64_t cas;
		enum cf_status want;
		uint64_t version; /* after */
	} rows[] = {
	    {__LINE__, "cas 0 creates what is absent", 0, CF_OK, 1},
	    {__LINE__, "cas 0 refuses what exists", 0, CF_E_CONFLICT, 1},
	    {__LINE__, "the current version writes", 1, CF_OK, 2},
	    {__LINE__, "an older version is refused", 1, CF_E_CONFLICT, 2},
	    {__LINE__, "a newer version is refused", 3, CF_E_CONFLICT, 2},
	};
	struct secret *s = secret_new(), *got = NULL;
	uint64_t ver;
	size_t i;

	if (s == NULL || secret_set(s, "a", "1", 1) != 0)
		abort();
	s->cas = 1;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		s->cas_version = rows[i].cas;
		CHECK_LINE(rows[i].line,
		    secret_write(v, STORE, "cas/s", SECRET_UPSERT, s, 5,
		        &ver) == rows[i].want,
		    rows[i].what);
		CHECK_LINE(rows[i].line,
		    secret_get(v, STORE, "cas/s", 0, &got) == CF_OK &&
		        got->version == rows[i].version,
		    rows[i].what);
		secret_free(got);
		got = NULL;
	}
	secret_free(s);
}

/* Write one version of path holding {"a": val}. */
static void
write_a(struct vault *v, const char *path, const char *val, unsigned kept)
{
	struct secret *s = secret_new();

	if (s == NULL || secret_set(s, "a", val, strlen(val)) != 0)
		abort();
	if (secret_write(v, STORE, path, SECRET_UPSERT, s, kept, NULL) != CF_OK)
		abort();
	secret_free(s);
}

/* The state of version ver: 'L' live, 'D' deleted, 'X' destroyed, '-'
 * absent; *n its keys. */
static char
state_of(struct vault *v, const char *path, uint64_t ver, size_t *n)
{
	struct secret *s = NULL;
	char c;

	*n = 0;
	if (secret_get_any(v, STORE, path, ver, &s) != CF_OK)
		return '-';
	c = s->destroyed ? 'X' : s->deleted != 0 ? 'D' : 'L';
	*n = s->n;
	secret_free(s);
	return c;
}

/* Delete, undelete and destroy, each on the versions named (none: the
 * current), as Vault does them: a destroyed version is never undeleted. */
static void
test_versions_are_deleted_undeleted_and_destroyed(struct vault *v)
{
	static const uint64_t one[] = {1}, two[] = {2}, both[] = {1, 3},
	                      far[] = {9};
	static const struct {
		int line;
		const char *what;
		enum secret_version_op op;
		const uint64_t *vers;
		size_t n;
		const char *want; /* states of versions 1..3 */
	} rows[] = {
	    {__LINE__, "a delete of none marks the current",
	        SECRET_VERSION_DELETE, NULL, 0, "LLD"},
	    {__LINE__, "an older version is deleted", SECRET_VERSION_DELETE,
	        one, 1, "DLD"},
	    {__LINE__, "undelete clears both", SECRET_VERSION_UNDELETE, both, 2,
	        "LLL"},
	    {__LINE__, "destroy wipes a version", SECRET_VERSION_DESTROY, two,
	        1, "LXL"},
	    {__LINE__, "a destroyed version is not undeleted",
	        SECRET_VERSION_UNDELETE, two, 1, "LXL"},
	    {__LINE__, "a destroyed version is not deleted",
	        SECRET_VERSION_DELETE, two, 1, "LXL"},
	    {__LINE__, "a version never written is skipped",
	        SECRET_VERSION_DELETE, far, 1, "LXL"},
	};
	size_t i, j, n;
	char got[4];

	write_a(v, "marks/s", "1", 5);
	write_a(v, "marks/s", "2", 5);
	write_a(v, "marks/s", "3", 5);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		CHECK_LINE(rows[i].line,
		    secret_versions_mark(v, STORE, "marks/s", rows[i].op,
		        rows[i].vers, rows[i].n, 5) == CF_OK,
		    rows[i].what);
		for (j = 0; j < 3; j++)
			got[j] = state_of(v, "marks/s", j + 1, &n);
		got[3] = '\0';
		CHECK_LINE(
		    rows[i].line, !strcmp(got, rows[i].want), rows[i].what);
	}
	CHECK(state_of(v, "marks/s", 2, &n) == 'X' && n == 0,
	    "a destroyed version keeps no key");
	CHECK(secret_versions_mark(v, STORE, "marks/absent",
	          SECRET_VERSION_DELETE, NULL, 0, 5) == CF_E_NOT_FOUND,
	    "marking an absent secret is not found");
}

/* Every dialect but Vault's reads a deleted current version as absent;
 * a create over it makes the next version, an update is not found. */
static void
test_a_deleted_current_version_reads_as_absent(struct vault *v)
{
	struct secret *s = NULL, *in = secret_new();
	uint64_t ver = 0;

	write_a(v, "gone/s", "1", 5);
	write_a(v, "gone/s", "2", 5);
	secret_versions_mark(
	    v, STORE, "gone/s", SECRET_VERSION_DELETE, NULL, 0, 5);
	CHECK(secret_get(v, STORE, "gone/s", 0, &s) == CF_E_NOT_FOUND,
	    "secret_get reads a deleted current version as absent");
	CHECK(secret_get(v, STORE, "gone/s", 1, &s) == CF_OK && s->n == 1,
	    "an older version still reads");
	secret_free(s);
	if (in == NULL || secret_set(in, "b", "x", 1) != 0)
		abort();
	in->merge = 1;
	CHECK(secret_write(v, STORE, "gone/s", SECRET_UPDATE, in, 5, &ver) ==
	          CF_E_NOT_FOUND,
	    "an update of a deleted current version is not found");
	CHECK(secret_write(v, STORE, "gone/s", SECRET_CREATE, in, 5, &ver) ==
	              CF_OK &&
	          ver == 3,
	    "a create over it makes the next version");
	s = NULL;
	CHECK(secret_get(v, STORE, "gone/s", 0, &s) == CF_OK && s->n == 1 &&
	          secret_find(s, "a") == NULL,
	    "the deleted map is not merged into the new version");
	secret_free(s);
	secret_free(in);
}

/* max_versions keeps the newest N; lowering it drops the older at once. */
static void
test_max_versions_bounds_the_versions_kept(struct vault *v)
{
	struct secret *m = secret_new(), *s = NULL;
	size_t n, i;

	if (m == NULL)
		abort();
	for (i = 0; i < 4; i++)
		write_a(v, "max/s", "v", 10);
	m->max_versions = 2;
	CHECK(
	    secret_meta_set(v, STORE, "max/s", m, SECRET_META_MAX, 10) == CF_OK,
	    "max_versions is set");
	CHECK(state_of(v, "max/s", 2, &n) == '-' &&
	          state_of(v, "max/s", 3, &n) == 'L',
	    "lowering it drops the versions below the window");
	write_a(v, "max/s", "v", 10);
	CHECK(state_of(v, "max/s", 3, &n) == '-' &&
	          state_of(v, "max/s", 4, &n) == 'L',
	    "a write keeps only max_versions");
	CHECK(secret_get(v, STORE, "max/s", 0, &s) == CF_OK &&
	          s->max_versions == 2,
	    "the metadata is carried to the new version");
	secret_free(s);
	secret_free(m);
}

/* cas_required refuses a write whose client gave no cas, and only that. */
static void
test_cas_required_refuses_a_write_without_the_clients_cas(struct vault *v)
{
	struct secret *m = secret_new(), *in = secret_new();

	if (m == NULL || in == NULL || secret_set(in, "a", "1", 1) != 0)
		abort();
	write_a(v, "casreq/s", "1", 5);
	m->cas_required = 1;
	secret_meta_set(v, STORE, "casreq/s", m, SECRET_META_CAS, 5);
	in->cas_missing = 1;
	CHECK(secret_write(v, STORE, "casreq/s", SECRET_UPSERT, in, 5, NULL) ==
	          CF_E_BAD_REQUEST,
	    "a write without the client's cas is refused");
	in->cas_missing = 0;
	CHECK(secret_write(v, STORE, "casreq/s", SECRET_UPSERT, in, 5, NULL) ==
	          CF_OK,
	    "a write of a dialect with no cas is taken");
	secret_free(in);
	secret_free(m);
}

/* Metadata written before any version is a version 0 that reads as
 * absent; the first write makes version 1 and keeps the metadata. */
static void
test_metadata_before_any_version_reads_as_absent(struct vault *v)
{
	struct secret *m = secret_new(), *s = NULL;

	if (m == NULL)
		abort();
	m->max_versions = 3;
	CHECK(
	    secret_meta_set(v, STORE, "pre/s", m, SECRET_META_MAX, 5) == CF_OK,
	    "metadata is set on an absent secret");
	CHECK(secret_get(v, STORE, "pre/s", 0, &s) == CF_E_NOT_FOUND,
	    "it reads as absent");
	CHECK(secret_get_any(v, STORE, "pre/s", 0, &s) == CF_OK &&
	          s->version == 0 && s->max_versions == 3,
	    "its metadata reads as version 0");
	secret_free(s);
	s = NULL;
	write_a(v, "pre/s", "1", 5);
	CHECK(secret_get(v, STORE, "pre/s", 0, &s) == CF_OK &&
	          s->version == 1 && s->max_versions == 3,
	    "the first write makes version 1 and keeps the metadata");
	secret_free(s);
	secret_free(m);
}

/* custom_metadata: replaced, merged (null removes), bounded. */
static void
test_custom_metadata_is_replaced_merged_and_bounded(struct vault *v)
{
	struct secret *m = secret_new(), *s = NULL;
	struct json_object *big;
	char k[16];
	int i;

	if (m == NULL)
		abort();
	write_a(v, "cm/s", "1", 5);
	m->custom = json_tokener_parse("{\"a\":\"1\",\"b\":\"2\"}");
	CHECK(secret_meta_set(v, STORE, "cm/s", m, SECRET_META_CUSTOM, 5) ==
	          CF_OK,
	    "a map is set");
	json_object_put(m->custom);
	m->custom = json_tokener_parse("{\"a\":null,\"c\":\"3\"}");
	CHECK(
	    secret_meta_set(v, STORE, "cm/s", m, SECRET_META_MERGE, 5) == CF_OK,
	    "a merge is taken");
	CHECK(secret_get(v, STORE, "cm/s", 0, &s) == CF_OK &&
	          s->custom != NULL &&
	          !strcmp(json_object_to_json_string_ext(
	                      s->custom, JSON_C_TO_STRING_PLAIN),
	              "{\"b\":\"2\",\"c\":\"3\"}"),
	    "a null removes its key, the others are set");
	secret_free(s);
	big = json_object_new_object();
	for (i = 0; i <= CF_MAX_META_KEYS; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		json_object_object_add(big, k, json_object_new_string("v"));
	}
	json_object_put(m->custom);
	m->custom = big;
	CHECK(secret_meta_set(v, STORE, "cm/s", m, SECRET_META_MERGE, 5) ==
	          CF_E_TOO_LARGE,
	    "a merge past the key bound is refused");
	CHECK(secret_meta_valid(big, 0) == CF_E_TOO_LARGE,
	    "a map past the key bound is not valid");
	secret_free(m);
}

/* A record as the build before deletion states wrote it (no deleted,
 * destroyed or metadata members) reads as a live version with no
 * metadata, and a write over it carries on from its version. */
static void
test_a_record_without_the_new_members_reads_as_before(struct vault *v)
{
	static const char old[] =
	    "{\"version\":4,\"created\":1,\"updated\":2,\"author\":\"u\","
	    "\"binary\":false,\"data\":{\"a\":\"MQ==\"}}";
	static const char key[] = "s:" STORE ":/old/format";
	struct secret *s = NULL;

	if (vault_write_begin(v) != CF_OK)
		abort();
	if (vault_put(v, RECORD_SECRET, key, old, sizeof(old) - 1) != CF_OK ||
	    vault_commit(v) != CF_OK)
		abort();
	CHECK(secret_get(v, STORE, "old/format", 0, &s) == CF_OK &&
	          s->version == 4 && s->deleted == 0 && !s->destroyed &&
	          s->max_versions == 0 && !s->cas_required &&
	          s->custom == NULL && s->n == 1,
	    "an old record reads live, with no metadata");
	secret_free(s);
	write_a(v, "old/format", "2", 5);
	s = NULL;
	CHECK(secret_get(v, STORE, "old/format", 0, &s) == CF_OK &&
	          s->version == 5,
	    "a write over it makes the next version");
	secret_free(s);
}

int
main(void)
{
	struct vault_init_result r;
	struct vault *v = NULL;
	char path[256];
	int inited = 0;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/coffer.db", dir);
	CHECK(vault_open(path, &v) == 0, "open");
	inited = v != NULL && vault_init(v, 1, 1, &r) == CF_OK;
	CHECK(inited, "init");
	CHECK(inited && r.nshares == 1 &&
	          vault_unlock(v, r.shares_hex, 1) == CF_OK,
	    "unlocked in this process");
	if (inited && r.nshares == 1) {
		test_a_merge_keeps_the_order_of_the_keys(v);
		test_a_check_and_set_write_needs_the_current_version(v);
		test_a_write_over_the_key_bound_is_refused_and_changes_nothing(
		    v);
		test_a_record_without_the_new_members_reads_as_before(v);
		test_versions_are_deleted_undeleted_and_destroyed(v);
		test_a_deleted_current_version_reads_as_absent(v);
		test_max_versions_bounds_the_versions_kept(v);
		test_metadata_before_any_version_reads_as_absent(v);
		test_cas_required_refuses_a_write_without_the_clients_cas(v);
		test_custom_metadata_is_replaced_merged_and_bounded(v);
		test_cost_is_linear_in_the_keys(v);
	}
	if (inited)
		vault_init_result_free(&r);
	vault_close(v);
	unit_rmtree(dir);
	return unit_done();
}
