/*
 * secret.h: the one secret model every dialect is a view of.
 *
 * A secret lives in a store at a path and holds a map of keys to values
 * (bytes; UTF-8 text unless marked binary), with metadata.  Every write
 * makes a new version; the current one is record s:<store>:/<path>, older
 * ones v:<store>:/<path>#<n>, and only the newest versions_kept survive.
 * Each directory has an index record d:<store>:/<dir> naming its children
 * (secret, folder or both), updated in the same write as the secret, so
 * listing reads only the directories listed, never the whole store.
 *
 * Paths are checked here (secret_path_valid) and nowhere else: segments
 * of [A-Za-z0-9._-], no empty, "." or ".." segment, at most CF_MAX_SEGMENTS
 * segments and CF_MAX_PATH bytes.
 *
 * A secret holds at most CF_MAX_MAP_KEYS keys: a write that would pass
 * it is refused (CF_E_TOO_LARGE) and changes nothing.  Reading one costs
 * time linear in its size, whatever its number of keys: keys are unique,
 * so a map taken from one JSON object (json-c keeps the last of duplicate
 * members) is appended without a search, and a merge looks keys up in a
 * sorted index.  A record an older build wrote with more keys still reads.
 *
 * A version may be soft-deleted (deleted: when) and undeleted, or
 * destroyed: its map wiped from its record for good, the record kept so
 * that its metadata still reads.  secret_get and the walks treat such a
 * version as absent, so that every dialect but Vault's reads it as not
 * found; secret_get_any (Vault's) reads it whatever its state.  A write
 * over a deleted or destroyed current version makes the next version, as
 * a create would (the map is not merged with the one gone).
 *
 * The secret's own metadata (max_versions, cas_required, custom) is kept
 * in the current record alone and carried to each new version.  The
 * fields are optional members of the record's JSON, so records written
 * before them read as before (not deleted, no metadata).
 *
 * Ownership: a struct secret owns its strings and values; secret_free()
 * wipes the values and accepts NULL.  The functions below open and close
 * their own store sections.
 */
#ifndef COFFER_SECRET_H
#define COFFER_SECRET_H

#include <stddef.h>
#include <stdint.h>

#include "base/errors.h"
#include "base/limits.h"

struct vault;
struct json_object;

struct secret_entry {
	char *key;
	uint8_t *val;
	size_t len;
};

struct secret {
	uint64_t version;
	int64_t created;
	int64_t updated;
	char *author;               /* may be NULL */
	char *description;          /* NULL: none (or keep, on update) */
	struct json_object *labels; /* array of strings, or NULL */
	int binary;
	int64_t deleted; /* soft-deleted at (0: not) */
	int destroyed;   /* the map is wiped for good */
	/* the secret's metadata (current record only) */
	unsigned max_versions;      /* 0: the store's versions_kept */
	int cas_required;           /* Vault: writes must give options.cas */
	struct json_object *custom; /* object of strings, or NULL */
	int merge;                  /* write: keep keys not in e */
	/* write: check-and-set.  When set, the write happens only if the
	 * current version is cas_version (0: only if absent), checked in the
	 * write's own section; else CF_E_CONFLICT and nothing changes. */
	int cas;
	uint64_t cas_version;
	/* write: the client gave no cas of its own (Vault's dialect; the
	 * others have none to give): CF_E_BAD_REQUEST when the secret has
	 * cas_required, decided in the write's section. */
	int cas_missing;
	struct secret_entry *e;
	size_t n;
	size_t cap; /* entries allocated in e */
};

enum secret_mode {
	SECRET_CREATE, /* 409 if it exists */
	SECRET_UPDATE, /* 404 if it does not */
	SECRET_UPSERT,
};

int secret_store_valid(const char *store);
/* Validate segs and join them into "a/b/c" (malloc'd) */
enum cf_status secret_path_join(char *const *segs, size_t n, char **path);

struct secret *secret_new(void);
void secret_free(struct secret *s);
/* Set (replace) key's value; copies.  A search of the keys: for a
 * dialect's few fixed keys, not for a client's map. */
int secret_set(struct secret *s, const char *key, const void *val, size_t len);
/* Append key, which s must not hold (the members of one JSON object are
 * unique); copies.  Amortized constant time. */
int secret_add(struct secret *s, const char *key, const void *val, size_t len);
const struct secret_entry *secret_find(const struct secret *s, const char *key);
/* 1 when every value is UTF-8, so that the map has a JSON form. */
int secret_is_text(const struct secret *s);
/* The map as one JSON object of strings, {"key": "value", ...}, in the
 * secret's key order: the shape the path, Dapr and batch answers share
 * (and DC/OS's "value" of a map written in another dialect).  Values
 * that are not UTF-8 go in as they are: a caller that needs text asks
 * secret_is_text() first. */
struct json_object *secret_map_json(const struct secret *s);

/* The detail of the CF_E_TOO_LARGE a write over CF_MAX_MAP_KEYS gets. */
#define SECRET_KEYS_DETAIL                                                     \
	"a secret holds at most " CF_STRING(CF_MAX_MAP_KEYS) " keys"

/* A hint that the request's next section will read the secret's
 * current version (vault_prefetch): a route whose handler gets one secret
 * gives it before the request is authenticated, so that the record comes
 * with the request's first round trip to the store; secret_write gives
 * it before its write section, whose lock it then comes with.  It reads
 * and opens nothing: an unauthorized request never sees the record. */
void secret_prefetch(struct vault *v, const char *store, const char *path);
/* version 0 = current.  CF_E_NOT_FOUND when absent. */
enum cf_status secret_get(struct vault *v, const char *store, const char *path,
    uint64_t version, struct secret **out);
/* The same whatever the version's state (deleted, destroyed): Vault's
 * reads, which answer a deleted version with its metadata. */
enum cf_status secret_get_any(struct vault *v, const char *store,
    const char *path, uint64_t version, struct secret **out);
/* The current version, unless its record holds more than max bytes: then
 * CF_E_TOO_LARGE, told from the record's stored size before it is opened.
 * On success *size is the record's plaintext bytes, which bound the bytes
 * of its keys and values. */
enum cf_status secret_get_within(struct vault *v, const char *store,
    const char *path, size_t max, struct secret **out, size_t *size);
/* Write s (its map, and description/labels when set) as a new version.
 * On success *version (may be NULL) is the new version number. */
enum cf_status secret_write(struct vault *v, const char *store,
    const char *path, enum secret_mode mode, const struct secret *s,
    unsigned versions_kept, uint64_t *version);
/* The same inside a write section the caller holds (vault_write_begin,
 * then vault_commit or vault_abort), so that offline tools can batch many
 * writes in one transaction.  The section sees its own pending writes. */
enum cf_status secret_write_in(struct vault *v, const char *store,
    const char *path, enum secret_mode mode, const struct secret *s,
    unsigned versions_kept, uint64_t *version);
enum cf_status secret_delete(struct vault *v, const char *store,
    const char *path, unsigned versions_kept);
/* How many versions s's secret keeps: its max_versions, else kept. */
unsigned secret_kept(const struct secret *s, unsigned kept);

enum secret_version_op {
	SECRET_VERSION_DELETE,   /* soft delete: deleted = now */
	SECRET_VERSION_UNDELETE, /* clears deleted (not destroyed) */
	SECRET_VERSION_DESTROY,  /* wipes the map for good */
};
/* op on each of vers[0..n) (n == 0: the current version), in one write
 * section.  Versions not kept are skipped, as are those the op does not
 * change (a destroyed version is not undeleted).  CF_E_NOT_FOUND when the
 * secret is absent. */
enum cf_status secret_versions_mark(struct vault *v, const char *store,
    const char *path, enum secret_version_op op, const uint64_t *vers, size_t n,
    unsigned kept);

/* A metadata write: the fields named in set, from m. */
#define SECRET_META_MAX    0x1 /* m->max_versions */
#define SECRET_META_CAS    0x2 /* m->cas_required */
#define SECRET_META_CUSTOM 0x4 /* m->custom replaces the map */
#define SECRET_META_MERGE  0x8 /* m->custom merged in (null removes) */
/* The detail of the CF_E_TOO_LARGE a metadata map over the bounds gets. */
/* clang-format off */
#define SECRET_META_DETAIL \
	"custom_metadata holds at most " CF_STRING(CF_MAX_META_KEYS) " keys " \
	"of " CF_STRING(CF_MAX_META_KEY) " bytes, values of " \
	CF_STRING(CF_MAX_META_VALUE) " bytes"
/* clang-format on */
/* Is o (an object) a custom metadata map within the bounds?  CF_OK,
 * CF_E_BAD_JSON (a value not a string; nulls allowed when merge) or
 * CF_E_TOO_LARGE. */
enum cf_status secret_meta_valid(struct json_object *o, int merge);
/* Set the secret's metadata; versions below a lowered max_versions are
 * dropped in the same section.  No new version is made.  On an absent
 * secret it writes a version 0 holding the metadata alone, as Vault
 * keeps metadata before any version: every reader but secret_get_any
 * reads it as absent, and the first write makes version 1. */
enum cf_status secret_meta_set(struct vault *v, const char *store,
    const char *path, const struct secret *m, unsigned set, unsigned kept);

/* Is name one of the comma-separated names in list (config's
 * secret_stores, sensu_namespaces)?  Exact and case-sensitive. */
int secret_name_listed(const char *list, const char *name);

/*
 * Visit the secrets under path ("" = the store's root) through the
 * directory index, in one read section, in byte order of their paths
 * relative to path (the order secret_list answers).  after (NULL: from the
 * start) resumes a walk: only secrets after that relative path are
 * visited.  fn gets the path
 * relative to path and the current version (borrowed: freed when fn
 * returns); a non-zero return stops the walk, which then returns CF_OK.
 * Only one index per level and one secret are in memory at once.  fn must
 * not open a store section (acl_check does): collect, return non-zero,
 * then resume with after.
 */
typedef int (*secret_iter_fn)(
    void *arg, const char *rel, const struct secret *s);
enum cf_status secret_iter(struct vault *v, const char *store, const char *path,
    const char *after, secret_iter_fn fn, void *arg);
/* The same, names only (no secret is read): s is NULL. */
enum cf_status secret_iter_names(struct vault *v, const char *store,
    const char *path, const char *after, secret_iter_fn fn, void *arg);

/* RFC 3339 UTC time text into buf (at least 21 bytes). */
void secret_time(int64_t t, char *buf, size_t len);

#endif
