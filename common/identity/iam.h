/*
 * iam.h: users, service accounts, groups, ACLs and grants, API keys,
 * refresh tokens, password hashing and the login throttle.
 *
 * Records (all sealed, read from the store on every request, so a change
 * takes effect at once in every worker process):
 *   u:<uid>   a user: description, a PBKDF2-SHA256 password hash (with its
 *             own salt and iteration count) or, for a service account, an
 *             RSA public key; the groups it belongs to; "superuser" for the
 *             account init creates; its incarnation, random at creation,
 *             which the tokens issued to it name (token.h).
 *   g:<gid>   a group: description.
 *   p:<rid>   an ACL: description, and the actions granted on it to users
 *             and groups (bitmasks of enum acl_action).
 *   k:<hex>   an API key, by the SHA-256 of the key: its owner.
 *   r:<hex>   a Sensu refresh token, by its SHA-256: owner and expiry.
 * Keys and tokens are never stored, only their hashes.  What every request
 * reads (user, API key and ACL records, for iam_user_load, iam_apikey_lookup
 * and iam_allowed) goes through the vault's cache of opened records: still
 * fetched from the store each time, opened and parsed again only when its
 * sealed bytes changed (reccache.h); password hashes are never kept there.
 *
 * Every function opens and closes its own store section.  JSON returned
 * through struct json_object ** belongs to the caller (json_object_put).
 * Statuses: CF_OK, CF_E_NOT_FOUND, CF_E_CONFLICT, CF_E_BAD_REQUEST (with
 * *code set to a Bouncer ERR_* string where one applies), or a store error.
 *
 * The throttle counts failed logins per account and per client address in
 * a small shared per-host file (<state>.throttle, mode 0600; the config's
 * state, config.h), updated under an fcntl lock, so every worker process
 * of every program sees the same counts; a file that cannot be used
 * blocks every login (logged).  Names are placed by an HMAC under a random key
 * kept in that file, so which names compete for room cannot be known from
 * outside; a live count of an existing account is never evicted by another
 * name, and when there is no room a name counts as throttled.
 */
#ifndef COFFER_IAM_H
#define COFFER_IAM_H

#include <stddef.h>
#include <stdint.h>

#include "base/errors.h"
#include "identity/token.h"

struct vault;
struct vault_init_result;
struct vault_seed;
struct json_object;

/* The actions a grant holds: the bits of an ACL record (p:<rid>), which
 * acl_check() asks for. */
enum acl_action {
	ACL_CREATE = 1 << 0,
	ACL_READ = 1 << 1,
	ACL_UPDATE = 1 << 2,
	ACL_DELETE = 1 << 3,
	ACL_FULL = 0xf,
};

#define IAM_PBKDF2_ITER     600000 /* OWASP 2023; about 60 ms here */
#define IAM_SALT_LEN        16     /* bytes of per-user salt */
#define IAM_MAX_PASSWORD    1024   /* bytes in a password */
#define IAM_MAX_RID         600    /* bytes in a resource id */
#define IAM_MAX_DESC        1024   /* bytes in a description */
#define IAM_REFRESH_LIFE    43200  /* 12 h: Sensu refresh tokens, seconds */
#define IAM_APIKEY_LEN      36     /* a UUID */
#define IAM_HASH_HEX        (2 * CF_SHA256_LEN) /* a SHA-256 name, in hex */
#define IAM_APIKEY_NAME_LEN IAM_HASH_HEX        /* a key's name: its SHA-256 */
#define IAM_SUPERUSER_RID   "dcos:superuser"
#define IAM_INIT_SUPERUSER  "admin" /* the superuser init creates */

struct iam_user {
	char uid[CF_MAX_UID + 1];
	char incarnation[TOKEN_INC_LEN + 1]; /* "" for a record made before */
	int is_service;
	int superuser; /* the init flag */
};

/* uid and gid rule (Bouncer's), "anonymous" refused. */
int iam_id_valid(const char *id);
/* Resource id rule: [A-Za-z0-9:._@*-] and /, 1..IAM_MAX_RID bytes. */
int iam_rid_valid(const char *rid);
/* "create" ... "full" -> enum acl_action bits; 0 if unknown. */
unsigned iam_action_parse(const char *name);
/* The IAM API's rules for a user's text, shared by auth.c and cofferctl:
 * a password is 1..IAM_MAX_PASSWORD bytes, a description at most
 * IAM_MAX_DESC, neither with a NUL inside its len bytes. */
int iam_password_valid(const char *pw, size_t len);
int iam_description_valid(const char *desc, size_t len);

/* Users.  password and public_key: exactly one non-NULL (create). */
enum cf_status iam_user_create(struct vault *v, const char *uid,
    const char *description, const char *password, const char *public_key,
    size_t pklen, const char **code);
enum cf_status iam_user_update(struct vault *v, const char *uid,
    const char *description, const char *password, const char **code);
enum cf_status iam_user_delete(
    struct vault *v, const char *uid, const char **code);
/* The User object of the IAM API. */
enum cf_status iam_user_get(
    struct vault *v, const char *uid, struct json_object **out);
/* {"array": [User...]}: services or regular users. */
enum cf_status iam_user_list(
    struct vault *v, int services, struct json_object **out);
/* CF_OK with *u filled if uid exists. */
enum cf_status iam_user_load(
    struct vault *v, const char *uid, struct iam_user *u);
/* A token for the existing user uid, naming its incarnation (*jwt as
 * iam_token_mint's); CF_E_NOT_FOUND when there is no such user. */
enum cf_status iam_issue_token(struct vault *v, const char *uid, int64_t now,
    int64_t lifetime, char **jwt);
/* Mint a token for uid of incarnation inc (token.h) with the store's
 * sealed signing key (needs vault_ready); *jwt malloc'd, NUL-terminated,
 * the caller wipes and frees it. */
enum cf_status iam_token_mint(struct vault *v, const char *uid, const char *inc,
    int64_t now, int64_t lifetime, char **jwt);
/*
 * Initialize the store (vault_init_seeded, with seeds[0..nseeds)) and, in
 * the same commit, its first superuser IAM_INIT_SUPERUSER; *root_token is
 * that superuser's first token, valid token_lifetime seconds (malloc'd:
 * the caller wipes and frees it).  On failure out is freed and
 * *root_token is NULL.
 */
enum cf_status iam_init(struct vault *v, unsigned shares, unsigned threshold,
    int64_t token_lifetime, const struct vault_seed *seeds, size_t nseeds,
    struct vault_init_result *out, char **root_token);
enum cf_status iam_user_permissions(
    struct vault *v, const char *uid, struct json_object **out);
enum cf_status iam_user_groups(
    struct vault *v, const char *uid, struct json_object **out);

/* Login: CF_OK, CF_E_UNAUTHORIZED (any reason: unknown uid, wrong
 * password, password for a service account, bad token). */
enum cf_status iam_login_password(
    struct vault *v, const char *uid, const char *password, size_t len);
enum cf_status iam_login_service(
    struct vault *v, const char *uid, const char *jwt, size_t len);

/* Groups. */
enum cf_status iam_group_create(struct vault *v, const char *gid,
    const char *description, const char **code);
enum cf_status iam_group_update(struct vault *v, const char *gid,
    const char *description, const char **code);
enum cf_status iam_group_delete(
    struct vault *v, const char *gid, const char **code);
enum cf_status iam_group_get(
    struct vault *v, const char *gid, struct json_object **out);
enum cf_status iam_group_list(struct vault *v, struct json_object **out);
enum cf_status iam_group_members(
    struct vault *v, const char *gid, struct json_object **out);
/* add 1: add uid to gid; 0: remove. */
enum cf_status iam_group_member(struct vault *v, const char *gid,
    const char *uid, int add, const char **code);

/* ACLs and grants.  who is 'u' (user) or 'g' (group). */
enum cf_status iam_acl_create(struct vault *v, const char *rid,
    const char *description, const char **code);
enum cf_status iam_acl_update(struct vault *v, const char *rid,
    const char *description, const char **code);
enum cf_status iam_acl_delete(
    struct vault *v, const char *rid, const char **code);
enum cf_status iam_acl_get(
    struct vault *v, const char *rid, struct json_object **out);
enum cf_status iam_acl_list(struct vault *v, struct json_object **out);
enum cf_status iam_acl_permissions(
    struct vault *v, const char *rid, struct json_object **out);
/* actions: bits to add (add 1) or remove (add 0; ACL_FULL removes all). */
enum cf_status iam_grant(struct vault *v, const char *rid, char who,
    const char *id, unsigned actions, int add, const char **code);
/* The actions granted directly to who/id on rid ({"array":[{name,url}]}). */
enum cf_status iam_grant_get(struct vault *v, const char *rid, char who,
    const char *id, struct json_object **out, const char **code);
/* GET .../{action}: *allowed for who/id; unknown rid, user or group is
 * CF_E_BAD_REQUEST with *code set. */
enum cf_status iam_grant_query(struct vault *v, const char *rid, char who,
    const char *id, unsigned actions, int *allowed, const char **code);

/*
 * The decision, and the only place one is made (acl_check() asks it for
 * every request and records it): may uid do actions on rid?  Superuser
 * (the init flag, or full on dcos:superuser, directly or through a group;
 * a lesser action there is an ordinary grant) may do anything; otherwise a
 * grant on rid or on a resource above it (segment boundaries of the path
 * after ":/", or that path followed by "/" and "*") to uid or one of its
 * groups must hold every bit of actions.  *allowed is 0 or 1.
 */
enum cf_status iam_allowed(struct vault *v, const char *uid, const char *rid,
    unsigned actions, int *allowed);
/* The same for the group gid as a subject of its own (an ACME External
 * Account Binding's team): its own grants, or full on dcos:superuser;
 * *allowed 0 for a group that does not exist. */
enum cf_status iam_group_allowed(struct vault *v, const char *gid,
    const char *rid, unsigned actions, int *allowed);

/* API keys: a new random UUID key for uid (*key malloc'd, caller wipes
 * and frees), its name (the SHA-256 hex, 64 bytes + NUL). */
enum cf_status iam_apikey_create(struct vault *v, const char *uid, char **key,
    char name[IAM_APIKEY_NAME_LEN + 1]);
/* CF_OK with uid filled, or CF_E_UNAUTHORIZED. */
enum cf_status iam_apikey_lookup(
    struct vault *v, const char *key, size_t len, char uid[CF_MAX_UID + 1]);
/* owner NULL: every key; else only that user's. */
enum cf_status iam_apikey_list(
    struct vault *v, const char *owner, struct json_object **out);
/* The name of the key that arg (len bytes) stands for, as a URL carries
 * it: arg itself when it is already a name (IAM_APIKEY_NAME_LEN lowercase
 * hex digits; no key is), else its SHA-256 hex.  Never the key: what may be
 * logged. 0, or -1 (out of memory). */
int iam_apikey_name(
    const char *arg, size_t len, char name[IAM_APIKEY_NAME_LEN + 1]);
/* name: the SHA-256 hex or the key itself.  only_owner non-NULL: a key
 * of anyone else is CF_E_NOT_FOUND. */
enum cf_status iam_apikey_delete(
    struct vault *v, const char *name, const char *only_owner);

/* Refresh tokens (Sensu). */
enum cf_status iam_refresh_create(
    struct vault *v, const char *uid, int64_t now, char **token);
/* Consume a refresh token for uid (single use). */
enum cf_status iam_refresh_take(struct vault *v, const char *uid,
    const char *token, size_t len, int64_t now);

/* Throttle.  key: "u:<uid>" or "a:<address>".  iam_throttle_blocked: 1
 * when key has max or more failures in the last window seconds, or has no
 * count and no room for one.  account: key is an existing account's, whose
 * count no other name may evict (names without an account, which anyone
 * can invent, and addresses only take room that is free or theirs). */
int iam_throttle_blocked(const char *store, const char *key, unsigned max,
    int64_t window, int64_t now);
void iam_throttle_fail(const char *store, const char *key, int account,
    int64_t window, int64_t now);
void iam_throttle_reset(const char *store, const char *key);

#endif
