/*
 * iam_impl.h: what the parts of the IAM share: for common/identity/iam*.c
 * only, after identity/iam.h (not included here: iam.c and this header
 * would make one module include the other).
 *
 * The IAM is a file per record kind over one table of kinds:
 *   iam.c           the id rules, the table of kinds (iam_kinds) and the
 *                   one get, list, describe and delete path it drives
 *   iam_users.c     u:<uid>: users and service accounts, init's
 *                   superuser, tokens, login, a user's permissions
 *   iam_groups.c    g:<gid>: groups and their members
 *   iam_grants.c    p:<rid>: ACLs and grants, and who is a superuser
 *   iam_decision.c  iam_allowed(), the decision
 *   iam_apikeys.c   k:<hex>: API keys
 *   iam_refresh.c   r:<hex>: Sensu refresh tokens
 *   iam_password.c  PBKDF2 password hashes
 *   iam_throttle.c  the login throttle file (no record)
 *
 * Invariants:
 *   - A record's key is its kind's prefix letter, ':', and its id
 *     (iam_key); iam_kind_of(key) finds the kind back, and with it how
 *     the record is sealed (RECORD_USER or RECORD_META) and what of it
 *     the cache of opened records may keep.  A kind that is not in the
 *     table has no records.
 *   - Each public function opens and closes its own store section; what
 *     takes a struct vault in a section says so ("In a write section").
 *   - A record read here is JSON owned by the caller (json_object_put),
 *     except through iam_rec_get_shared, whose object is the cache's and
 *     read-only.
 */
#ifndef COFFER_IAM_IMPL_H
#define COFFER_IAM_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "base/errors.h"
#include "vault/record.h"

struct json_object;
struct vault;

#define IAM_KEY_MAX       (IAM_MAX_RID + 8)
#define IAM_HASH_LEN      CF_SHA256_LEN
#define IAM_REFRESH_BYTES 32 /* random bytes of a refresh token */
/* "k:" or "r:" and a hashed name: the record of an API or refresh key. */
#define IAM_HASHED_KEY_MAX (2 + IAM_HASH_HEX + 1)
#define IAM_URL_USERS      "/acs/api/v1/users/"
#define IAM_URL_GRPS       "/acs/api/v1/groups/"
#define IAM_URL_ACLS       "/acs/api/v1/acls/"

/* A record as GET and list show it, or NULL to leave it out of a list
 * (arg: the list's filter, NULL for a GET). */
typedef struct json_object *(*iam_view_fn)(
    struct json_object *rec, const char *id, void *arg);

enum iam_kind_id {
	IAM_K_USER,
	IAM_K_GROUP,
	IAM_K_ACL,
	IAM_K_APIKEY,
	IAM_K_REFRESH,
	IAM_K_COUNT
};

/* One kind of IAM record: iam_kinds[] in iam.c has one line per kind. */
struct iam_kind {
	char prefix;                  /* the key's first letter */
	enum record_kind sealed_as;   /* RECORD_USER or RECORD_META */
	const char *const *uncached;  /* fields the record cache never keeps */
	int (*valid)(const char *id); /* the id rule; NULL: a hash name */
	iam_view_fn view;             /* GET and list; NULL: never shown */
	/* The Bouncer code for an unknown id (CF_E_BAD_REQUEST), or NULL:
	 * CF_E_NOT_FOUND. */
	const char *unknown;
	/* In the delete's write section, the record read: what must hold
	 * (CF_E_BAD_REQUEST and *code, or another status, refuse it) and what
	 * goes with it.  NULL: nothing. */
	enum cf_status (*on_delete)(struct vault *v, const char *id,
	    struct json_object *rec, void *arg, const char **code);
};

extern const struct iam_kind iam_kinds[IAM_K_COUNT];

/* iam.c: keys, records, and the one path for every kind */
void iam_key(char *buf, size_t len, enum iam_kind_id k, const char *id);
const struct iam_kind *iam_kind_of(const char *key);
char *iam_text(struct json_object *o);
void iam_add_str(struct json_object *o, const char *k, const char *s);
const char *iam_get_str(struct json_object *o, const char *k);
int iam_array_has(struct json_object *a, const char *s);
struct json_object *iam_wrap_array(struct json_object *a);
enum cf_status iam_rec_read(
    struct vault *v, const char *key, struct json_object **out);
enum cf_status iam_rec_get_shared(
    struct vault *v, const char *key, struct json_object **out);
enum cf_status iam_rec_read_shared(
    struct vault *v, const char *key, struct json_object **out);
enum cf_status iam_rec_put(
    struct vault *v, const char *key, struct json_object *o);
enum cf_status iam_rec_create(struct vault *v, const char *key,
    struct json_object *o, const char *exists, const char **code);
enum cf_status iam_rec_get(struct vault *v, enum iam_kind_id k, const char *id,
    struct json_object **out);
enum cf_status iam_rec_list(struct vault *v, enum iam_kind_id k,
    iam_view_fn view, void *arg, struct json_object **out);
enum cf_status iam_rec_describe(struct vault *v, enum iam_kind_id k,
    const char *id, const char *desc, const char **code);
enum cf_status iam_rec_delete(struct vault *v, enum iam_kind_id k,
    const char *id, void *arg, const char **code);
enum cf_status iam_purge_refs(
    struct vault *v, const char *prefix, const char *field, const char *id);
int iam_hash_hex(const void *s, size_t len, char hex[IAM_HASH_HEX + 1]);

/* iam_users.c */
struct json_object *iam_user_view(
    struct json_object *u, const char *uid, void *arg);
enum cf_status iam_user_on_delete(struct vault *v, const char *uid,
    struct json_object *u, void *arg, const char **code);

/* iam_groups.c */
struct json_object *iam_group_view(
    struct json_object *g, const char *gid, void *arg);
enum cf_status iam_group_on_delete(struct vault *v, const char *gid,
    struct json_object *g, void *arg, const char **code);

/* iam_grants.c */
extern const char *const iam_action_names[4];
struct json_object *iam_acl_view(
    struct json_object *acl, const char *rid, void *arg);
unsigned iam_acl_bits(struct json_object *acl, char who, const char *id);
int iam_user_is_su(struct json_object *u, struct json_object *su);
enum cf_status iam_su_count(struct vault *v, const char *skip_uid,
    struct json_object *su_after, const char *rm_gid, const char *rm_uid,
    int *count);
void iam_rid_url(char *buf, size_t len, const char *rid);
struct json_object *iam_actions_view(
    const char *aclurl, const char *who, const char *id, unsigned b);

/* iam_apikeys.c */
struct json_object *iam_apikey_view(
    struct json_object *k, const char *name, void *arg);
enum cf_status iam_apikey_on_delete(struct vault *v, const char *name,
    struct json_object *k, void *arg, const char **code);
enum cf_status iam_owned_put(
    struct vault *v, const char *key, const char *uid, int64_t exp);

/* iam_password.c */
enum cf_status iam_pw_hash(
    const char *pw, size_t len, struct json_object **out);
int iam_pw_check(struct json_object *ph, const char *pw, size_t len);

#endif
