/* iam.c: see iam.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/codec.h"
#include "base/json.h"
#include "base/log.h"
#include "crypto/crypto.h"
#include "identity/iam.h"
#include "identity/token.h"
#include "vault/record.h"
#include "vault/vault.h"

#define IAM_KEY_MAX   (IAM_MAX_RID + 8)
#define IAM_HASH_LEN  32
#define IAM_URL_USERS "/acs/api/v1/users/"
#define IAM_URL_GRPS  "/acs/api/v1/groups/"
#define IAM_URL_ACLS  "/acs/api/v1/acls/"

static const char *const iam_action_names[] = {
    "create", "read", "update", "delete"};

int
iam_id_valid(const char *id)
{
	return id != NULL && token_uid_valid(id, strnlen(id, 98)) &&
	       strcmp(id, "anonymous") != 0;
}

int
iam_rid_valid(const char *rid)
{
	size_t i, n;

	if (rid == NULL || (n = strnlen(rid, IAM_MAX_RID + 1)) == 0 ||
	    n > IAM_MAX_RID)
		return 0;
	for (i = 0; i < n; i++) {
		char c = rid[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || strchr(":._/*@-", c)))
			return 0;
	}
	return 1;
}

unsigned
iam_action_parse(const char *name)
{
	size_t i;

	if (name == NULL)
		return 0;
	if (!strcmp(name, "full"))
		return ACL_FULL;
	for (i = 0; i < 4; i++)
		if (!strcmp(name, iam_action_names[i]))
			return 1u << i;
	return 0;
}

int
iam_password_valid(const char *pw, size_t len)
{
	return pw != NULL && len > 0 && len <= IAM_MAX_PASSWORD &&
	       memchr(pw, '\0', len) == NULL;
}

int
iam_description_valid(const char *desc, size_t len)
{
	return desc != NULL && len <= IAM_MAX_DESC &&
	       memchr(desc, '\0', len) == NULL;
}

/* ---- records ---- */

static char *
iam_text(struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	return s ? strdup(s) : NULL;
}

/* Outside any section. */
static enum cf_status
rec_read(struct vault *v, const char *key, struct json_object **out)
{
	enum cf_status st;

	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	st = vault_get_json(v, key, out);
	vault_read_end(v);
	return st;
}

/* What of a user record may stay in a process's cache of opened records:
 * all but its password hash. */
static const char *const user_uncached[] = {"password", NULL};

/* In a section: a record as the hot path reads it (who is calling, what
 * may they do), through the vault's cache; *out is shared, read-only. */
static enum cf_status
rec_get_shared(struct vault *v, const char *key, struct json_object **out)
{
	return vault_get_json_cached(
	    v, key, key[0] == 'u' ? user_uncached : NULL, out);
}

/* Outside any section. */
static enum cf_status
rec_read_shared(struct vault *v, const char *key, struct json_object **out)
{
	enum cf_status st;

	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	st = rec_get_shared(v, key, out);
	vault_read_end(v);
	return st;
}

static enum cf_status
rec_put(struct vault *v, const char *key, struct json_object *o)
{
	char *text;
	enum cf_status st;

	if ((text = iam_text(o)) == NULL)
		return CF_E_INTERNAL;
	st = vault_put(v, key[0] == 'u' ? RECORD_USER : RECORD_META, key, text,
	    strlen(text));
	crypto_wipe(text, strlen(text));
	free(text);
	return st;
}

static void
rec_key(char *buf, size_t len, char type, const char *id)
{
	snprintf(buf, len, "%c:%s", type, id);
}

static void
add_str(struct json_object *o, const char *k, const char *s)
{
	json_object_object_add(o, k, json_object_new_string(s ? s : ""));
}

static const char *
get_str(struct json_object *o, const char *k)
{
	const char *s;
	size_t len;

	return cf_json_string(o, k, &s, &len) == CF_OK ? s : "";
}

/* ---- passwords ---- */

static enum cf_status
pw_hash(const char *pw, size_t len, struct json_object **out)
{
	uint8_t salt[IAM_SALT_LEN], h[IAM_HASH_LEN];
	char *s64 = NULL, *h64 = NULL;
	struct json_object *o;
	enum cf_status st = CF_E_INTERNAL;

	if (crypto_random(salt, sizeof(salt)) != 0 ||
	    crypto_pbkdf2_sha256(pw, len, salt, sizeof(salt), IAM_PBKDF2_ITER,
	        h, sizeof(h)) != 0 ||
	    (s64 = codec_base64_encode(salt, sizeof(salt), 0)) == NULL ||
	    (h64 = codec_base64_encode(h, sizeof(h), 0)) == NULL)
		goto out;
	o = json_object_new_object();
	add_str(o, "alg", "pbkdf2-sha256");
	json_object_object_add(o, "iter", json_object_new_int(IAM_PBKDF2_ITER));
	add_str(o, "salt", s64);
	add_str(o, "hash", h64);
	*out = o;
	st = CF_OK;
out:
	crypto_wipe(h, sizeof(h));
	free(s64);
	free(h64);
	return st;
}

/* 1 if pw matches the stored hash.  With no hash (unknown user, service
 * account) the same work is done against a dummy, so timing does not tell
 * which uids exist. */
static int
pw_check(struct json_object *ph, const char *pw, size_t len)
{
	static const uint8_t dummy_salt[IAM_SALT_LEN];
	uint8_t h[IAM_HASH_LEN], *salt = NULL, *want = NULL;
	size_t slen = 0, wlen = 0;
	int64_t iter = IAM_PBKDF2_ITER;
	int ok = 0;
	const char *s, *hh;

	if (ph != NULL) {
		s = get_str(ph, "salt");
		hh = get_str(ph, "hash");
		if (cf_json_int(ph, "iter", 1, 100000000, &iter) != CF_OK ||
		    codec_base64_decode(s, strlen(s), 0, &salt, &slen) != 0 ||
		    codec_base64_decode(hh, strlen(hh), 0, &want, &wlen) != 0 ||
		    wlen != IAM_HASH_LEN)
			ph = NULL;
	}
	if (crypto_pbkdf2_sha256(pw, len, ph ? salt : dummy_salt,
	        ph ? slen : sizeof(dummy_salt), (unsigned)iter, h,
	        sizeof(h)) == 0 &&
	    ph != NULL)
		ok = crypto_equal(h, want, IAM_HASH_LEN);
	crypto_wipe(h, sizeof(h));
	free(salt);
	free(want);
	return ok;
}

/* ---- users ---- */

static struct json_object *
user_view(struct json_object *u)
{
	struct json_object *o = json_object_new_object(), *pk;
	const char *uid = get_str(u, "uid");
	char url[160];

	snprintf(url, sizeof(url), IAM_URL_USERS "%s", uid);
	add_str(o, "uid", uid);
	add_str(o, "url", url);
	add_str(o, "description", get_str(u, "description"));
	json_object_object_add(o, "is_remote", json_object_new_boolean(0));
	pk = NULL;
	json_object_object_get_ex(u, "public_key", &pk);
	json_object_object_add(
	    o, "is_service", json_object_new_boolean(pk != NULL));
	if (pk != NULL)
		json_object_object_add(o, "public_key", json_object_get(pk));
	add_str(o, "provider_type", "internal");
	add_str(o, "provider_id", "");
	return o;
}

enum cf_status
iam_user_load(struct vault *v, const char *uid, struct iam_user *u)
{
	struct json_object *o = NULL;
	char key[IAM_KEY_MAX];
	const char *inc;
	size_t inclen;
	enum cf_status st;
	int su = 0;

	if (!iam_id_valid(uid))
		return CF_E_NOT_FOUND;
	rec_key(key, sizeof(key), 'u', uid);
	if ((st = rec_read_shared(v, key, &o)) != CF_OK)
		return st;
	memset(u, 0, sizeof(*u));
	snprintf(u->uid, sizeof(u->uid), "%s", uid);
	u->is_service = json_object_object_get_ex(o, "public_key", NULL);
	(void)cf_json_bool(o, "superuser", &su);
	u->superuser = su;
	if (cf_json_string(o, TOKEN_INC_CLAIM, &inc, &inclen) == CF_OK &&
	    inclen < sizeof(u->incarnation))
		memcpy(u->incarnation, inc, inclen + 1);
	json_object_put(o);
	return CF_OK;
}

enum cf_status
iam_token_mint(struct vault *v, const char *uid, const char *inc, int64_t now,
    int64_t lifetime, char **jwt)
{
	struct crypto_rsa *key = NULL;
	enum cf_status st;

	if ((st = vault_token_signing_key(v, &key)) == CF_OK)
		st = token_issue(key, uid, inc, now, lifetime, jwt);
	crypto_rsa_free(key);
	return st;
}

enum cf_status
iam_issue_token(
    struct vault *v, const char *uid, int64_t now, int64_t lifetime, char **jwt)
{
	struct iam_user u;
	enum cf_status st;

	if ((st = iam_user_load(v, uid, &u)) != CF_OK)
		return st;
	return iam_token_mint(v, uid, u.incarnation, now, lifetime, jwt);
}

/* The first superuser's record, as init writes it: the init flag makes it
 * a superuser without any grant, and no password (cofferctl passwd). */
static char *
superuser_record(const char *inc)
{
	struct json_object *o = json_object_new_object();
	char *text;

	add_str(o, "uid", IAM_INIT_SUPERUSER);
	add_str(o, "description", "superuser created at init");
	json_object_object_add(o, "superuser", json_object_new_boolean(1));
	add_str(o, TOKEN_INC_CLAIM, inc);
	json_object_object_add(
	    o, "created", json_object_new_int64((int64_t)time(NULL)));
	text = iam_text(o);
	json_object_put(o);
	return text;
}

enum cf_status
iam_init(struct vault *v, unsigned shares, unsigned threshold, int64_t lifetime,
    const struct vault_seed *seeds, size_t nseeds,
    struct vault_init_result *out, char **root_token)
{
	struct vault_seed *all = NULL;
	char inc[TOKEN_INC_LEN + 1], *text = NULL;
	enum cf_status st = CF_E_INTERNAL;

	*root_token = NULL;
	memset(out, 0, sizeof(*out));
	if (token_incarnation_new(inc) != 0 ||
	    (text = superuser_record(inc)) == NULL ||
	    (all = calloc(nseeds + 1, sizeof(*all))) == NULL)
		goto out;
	if (nseeds > 0)
		memcpy(all, seeds, nseeds * sizeof(*seeds));
	all[nseeds].key = "u:" IAM_INIT_SUPERUSER;
	all[nseeds].pt = text;
	all[nseeds].len = strlen(text);
	all[nseeds].kind = RECORD_USER;
	if ((st = vault_init_seeded(
	         v, shares, threshold, all, nseeds + 1, out)) != CF_OK)
		goto out;
	st = token_issue(out->token_key, IAM_INIT_SUPERUSER, inc,
	    (int64_t)time(NULL), lifetime, root_token);
	if (st != CF_OK)
		vault_init_result_free(out);
out:
	if (text != NULL)
		crypto_wipe(text, strlen(text));
	free(text);
	free(all);
	return st;
}

enum cf_status
iam_user_create(struct vault *v, const char *uid, const char *desc,
    const char *pw, const char *pk, size_t pklen, const char **code)
{
	struct json_object *o = NULL, *ph = NULL, *old = NULL;
	struct crypto_rsa *rsa = NULL;
	char key[IAM_KEY_MAX], inc[TOKEN_INC_LEN + 1];
	enum cf_status st;
	int rc;

	if (!iam_id_valid(uid)) {
		*code = "ERR_INVALID_USER_ID";
		return CF_E_BAD_REQUEST;
	}
	/* A fresh incarnation, so that no token of a user deleted before
	 * under this uid reaches this one. */
	if (token_incarnation_new(inc) != 0)
		return CF_E_INTERNAL;
	if (pk != NULL) {
		rc = crypto_rsa_import_public(pk, pklen, &rsa);
		crypto_rsa_free(rsa);
		if (rc != 0) {
			*code = "ERR_INVALID_PUBLIC_KEY";
			return CF_E_BAD_REQUEST;
		}
	}
	o = json_object_new_object();
	add_str(o, "uid", uid);
	add_str(o, "description", desc);
	json_object_object_add(
	    o, "created", json_object_new_int64((int64_t)time(NULL)));
	json_object_object_add(o, "groups", json_object_new_array());
	add_str(o, TOKEN_INC_CLAIM, inc);
	if (pk != NULL)
		json_object_object_add(o, "public_key",
		    json_object_new_string_len(pk, (int)pklen));
	else {
		if ((st = pw_hash(pw, strlen(pw), &ph)) != CF_OK)
			goto out;
		json_object_object_add(o, "password", ph);
	}
	rec_key(key, sizeof(key), 'u', uid);
	if ((st = vault_write_begin(v)) != CF_OK)
		goto out;
	st = vault_get_json(v, key, &old);
	if (st == CF_OK) {
		*code = "ERR_USER_EXISTS";
		st = CF_E_CONFLICT;
	} else if (st == CF_E_NOT_FOUND)
		st = rec_put(v, key, o);
	if (st == CF_OK)
		st = vault_commit(v);
	else
		vault_abort(v);
out:
	json_object_put(old);
	json_object_put(o);
	return st;
}

enum cf_status
iam_user_update(struct vault *v, const char *uid, const char *desc,
    const char *pw, const char **code)
{
	struct json_object *o = NULL, *ph = NULL;
	char key[IAM_KEY_MAX];
	enum cf_status st;

	rec_key(key, sizeof(key), 'u', uid);
	/* Hash before taking the write lock: it is the slow part. */
	if (pw != NULL && (st = pw_hash(pw, strlen(pw), &ph)) != CF_OK)
		return st;
	if ((st = vault_write_begin(v)) != CF_OK)
		goto out;
	if ((st = vault_get_json(v, key, &o)) == CF_E_NOT_FOUND)
		*code = "ERR_UNKNOWN_USER_ID";
	if (st == CF_OK && ph != NULL &&
	    json_object_object_get_ex(o, "public_key", NULL)) {
		*code = "ERR_INVALID_DATA";
		st = CF_E_BAD_REQUEST;
	}
	if (st == CF_OK) {
		if (desc != NULL)
			add_str(o, "description", desc);
		if (ph != NULL) {
			json_object_object_add(o, "password", ph);
			ph = NULL;
		}
		st = rec_put(v, key, o);
	}
	if (st == CF_OK)
		st = vault_commit(v);
	else
		vault_abort(v);
out:
	json_object_put(ph);
	json_object_put(o);
	return st;
}

static int
array_has(struct json_object *a, const char *s)
{
	size_t i, n = a ? json_object_array_length(a) : 0;
	struct json_object *e;

	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(a, i);
		if (json_object_is_type(e, json_type_string) &&
		    !strcmp(json_object_get_string(e), s))
			return 1;
	}
	return 0;
}

/* Bits granted to who/id in an ACL record. */
static unsigned
acl_bits(struct json_object *acl, char who, const char *id)
{
	struct json_object *m, *b;

	if (!json_object_object_get_ex(
	        acl, who == 'u' ? "users" : "groups", &m) ||
	    !json_object_object_get_ex(m, id, &b))
		return 0;
	return (unsigned)json_object_get_int(b) & ACL_FULL;
}

/* In a section: is the user record u a superuser (flag, or full on
 * dcos:superuser directly or through one of its groups)?  su: the
 * dcos:superuser ACL or NULL.  As in DC/OS, only full makes a superuser:
 * read on dcos:superuser lets a user ask about it, not act as it. */
static int
user_is_su(struct json_object *u, struct json_object *su)
{
	struct json_object *groups = NULL, *g;
	size_t i, n;
	int flag = 0;

	(void)cf_json_bool(u, "superuser", &flag);
	if (flag)
		return 1;
	if (su == NULL)
		return 0;
	if (acl_bits(su, 'u', get_str(u, "uid")) == ACL_FULL)
		return 1;
	json_object_object_get_ex(u, "groups", &groups);
	n = groups ? json_object_array_length(groups) : 0;
	for (i = 0; i < n; i++) {
		g = json_object_array_get_idx(groups, i);
		if (json_object_is_type(g, json_type_string) &&
		    acl_bits(su, 'g', json_object_get_string(g)) == ACL_FULL)
			return 1;
	}
	return 0;
}

/*
 * In a write section: how many superusers remain if the change described
 * happens (skip_uid deleted or stripped; su_after the superuser ACL after
 * the change; member_rm removes uid from group gid).  Reads every user.
 */
static enum cf_status
su_count(struct vault *v, const char *skip_uid, struct json_object *su_after,
    const char *rm_gid, const char *rm_uid, int *count)
{
	struct vault_keylist l;
	struct json_object *u, *groups, *ng, *g;
	enum cf_status st;
	size_t i, j, n;

	*count = 0;
	if ((st = vault_list_keys(v, "u:", &l)) != CF_OK)
		return st;
	for (i = 0; i < l.n && st == CF_OK; i++) {
		u = NULL;
		if (skip_uid && !strcmp(l.k[i] + 2, skip_uid))
			continue;
		if ((st = vault_get_json(v, l.k[i], &u)) != CF_OK)
			break;
		if (rm_gid && !strcmp(l.k[i] + 2, rm_uid) &&
		    json_object_object_get_ex(u, "groups", &groups)) {
			ng = json_object_new_array();
			n = json_object_array_length(groups);
			for (j = 0; j < n; j++) {
				g = json_object_array_get_idx(groups, j);
				if (strcmp(json_object_get_string(g), rm_gid))
					json_object_array_add(
					    ng, json_object_get(g));
			}
			json_object_object_add(u, "groups", ng);
		}
		*count += user_is_su(u, su_after);
		json_object_put(u);
	}
	vault_keylist_free(&l);
	return st;
}

/* In a write section: drop id from every record under prefix that names
 * it (ACL users/groups maps when field is set, or a "uid" owner). */
static enum cf_status
purge_refs(
    struct vault *v, const char *prefix, const char *field, const char *id)
{
	struct vault_keylist l;
	struct json_object *o, *m;
	enum cf_status st;
	size_t i;

	if ((st = vault_list_keys(v, prefix, &l)) != CF_OK)
		return st;
	for (i = 0; i < l.n && st == CF_OK; i++) {
		o = NULL;
		if ((st = vault_get_json(v, l.k[i], &o)) != CF_OK)
			break;
		if (field != NULL && json_object_object_get_ex(o, field, &m) &&
		    json_object_object_get_ex(m, id, NULL)) {
			json_object_object_del(m, id);
			st = rec_put(v, l.k[i], o);
		} else if (field == NULL && !strcmp(get_str(o, "uid"), id))
			st = vault_del(v, l.k[i]);
		json_object_put(o);
	}
	vault_keylist_free(&l);
	return st;
}

enum cf_status
iam_user_delete(struct vault *v, const char *uid, const char **code)
{
	struct json_object *o = NULL, *su = NULL;
	char key[IAM_KEY_MAX];
	enum cf_status st;
	int n = 0;

	rec_key(key, sizeof(key), 'u', uid);
	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	if ((st = vault_get_json(v, key, &o)) == CF_E_NOT_FOUND) {
		*code = "ERR_UNKNOWN_USER_ID";
		st = CF_E_BAD_REQUEST;
		goto out;
	}
	if (st != CF_OK)
		goto out;
	st = vault_get_json(v, "p:" IAM_SUPERUSER_RID, &su);
	if (st != CF_OK && st != CF_E_NOT_FOUND)
		goto out;
	if (user_is_su(o, su)) {
		if ((st = su_count(v, uid, su, NULL, NULL, &n)) != CF_OK)
			goto out;
		if (n == 0) {
			*code = "ERR_NO_MORE_SUPERUSERS";
			st = CF_E_BAD_REQUEST;
			goto out;
		}
	}
	/* Grants and keys die with the user, so a user created later under
	 * the same uid inherits nothing. */
	if ((st = vault_del(v, key)) != CF_OK ||
	    (st = purge_refs(v, "p:", "users", uid)) != CF_OK ||
	    (st = purge_refs(v, "k:", NULL, uid)) != CF_OK ||
	    (st = purge_refs(v, "r:", NULL, uid)) != CF_OK)
		goto out;
	st = vault_commit(v);
	json_object_put(o);
	json_object_put(su);
	return st;
out:
	vault_abort(v);
	json_object_put(o);
	json_object_put(su);
	return st;
}

enum cf_status
iam_user_get(struct vault *v, const char *uid, struct json_object **out)
{
	struct json_object *o = NULL;
	char key[IAM_KEY_MAX];
	enum cf_status st;

	if (!iam_id_valid(uid))
		return CF_E_NOT_FOUND;
	rec_key(key, sizeof(key), 'u', uid);
	if ((st = rec_read(v, key, &o)) != CF_OK)
		return st;
	*out = user_view(o);
	json_object_put(o);
	return CF_OK;
}

static struct json_object *
wrap_array(struct json_object *a)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "array", a);
	return o;
}

enum cf_status
iam_user_list(struct vault *v, int services, struct json_object **out)
{
	struct vault_keylist l;
	struct json_object *a, *u;
	enum cf_status st;
	size_t i;

	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	if ((st = vault_list_keys(v, "u:", &l)) != CF_OK) {
		vault_read_end(v);
		return st;
	}
	a = json_object_new_array();
	for (i = 0; i < l.n && st == CF_OK; i++) {
		u = NULL;
		if ((st = vault_get_json(v, l.k[i], &u)) != CF_OK)
			break;
		if (json_object_object_get_ex(u, "public_key", NULL) ==
		    (services != 0))
			json_object_array_add(a, user_view(u));
		json_object_put(u);
	}
	vault_read_end(v);
	vault_keylist_free(&l);
	if (st != CF_OK) {
		json_object_put(a);
		return st;
	}
	*out = wrap_array(a);
	return CF_OK;
}

/* Escape a rid for a URL the way Bouncer does: '/' as %252F. */
static void
rid_url(char *buf, size_t len, const char *rid)
{
	size_t o = 0;
	const char *p;

	o = (size_t)snprintf(buf, len, IAM_URL_ACLS);
	for (p = rid; *p && o + 6 < len; p++) {
		if (*p == '/') {
			memcpy(buf + o, "%252F", 5);
			o += 5;
		} else
			buf[o++] = *p;
	}
	buf[o < len ? o : len - 1] = '\0';
}

static struct json_object *
actions_view(const char *aclurl, const char *who, const char *id, unsigned b)
{
	struct json_object *a = json_object_new_array(), *e;
	char url[IAM_MAX_RID * 3 + 256];
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!(b & (1u << i)))
			continue;
		e = json_object_new_object();
		add_str(e, "name", iam_action_names[i]);
		snprintf(url, sizeof(url), "%s/%s/%s/%s", aclurl, who, id,
		    iam_action_names[i]);
		add_str(e, "url", url);
		json_object_array_add(a, e);
	}
	if (b == ACL_FULL) {
		/* A full grant reads back as "full", as it was given. */
		json_object_put(a);
		a = json_object_new_array();
		e = json_object_new_object();
		add_str(e, "name", "full");
		snprintf(url, sizeof(url), "%s/%s/%s/full", aclurl, who, id);
		add_str(e, "url", url);
		json_object_array_add(a, e);
	}
	return a;
}

/* A user's own grant of actions b on rid, as GET .../permissions lists it. */
static void
direct_add(struct json_object *direct, const char *rid, const char *desc,
    const char *uid, unsigned b)
{
	struct json_object *e = json_object_new_object();
	char url[IAM_MAX_RID * 3 + 64];

	rid_url(url, sizeof(url), rid);
	add_str(e, "rid", rid);
	add_str(e, "description", desc);
	add_str(e, "aclurl", url);
	json_object_object_add(
	    e, "actions", actions_view(url, "users", uid, b));
	json_object_array_add(direct, e);
}

enum cf_status
iam_user_permissions(struct vault *v, const char *uid, struct json_object **out)
{
	struct vault_keylist l;
	struct json_object *u = NULL, *acl, *direct, *grp, *groups = NULL, *e;
	char key[IAM_KEY_MAX], url[IAM_MAX_RID * 3 + 64];
	enum cf_status st;
	size_t i, j, n;
	unsigned b;
	int flag = 0;
	const char *gid;

	rec_key(key, sizeof(key), 'u', uid);
	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	if ((st = vault_get_json(v, key, &u)) != CF_OK) {
		vault_read_end(v);
		return st;
	}
	if ((st = vault_list_keys(v, "p:", &l)) != CF_OK) {
		vault_read_end(v);
		json_object_put(u);
		return st;
	}
	json_object_object_get_ex(u, "groups", &groups);
	(void)cf_json_bool(u, "superuser", &flag);
	n = groups ? json_object_array_length(groups) : 0;
	direct = json_object_new_array();
	grp = json_object_new_array();
	for (i = 0; i < l.n && st == CF_OK; i++) {
		acl = NULL;
		if ((st = vault_get_json(v, l.k[i], &acl)) != CF_OK)
			break;
		rid_url(url, sizeof(url), l.k[i] + 2);
		b = acl_bits(acl, 'u', uid);
		/* The superuser made at init holds it by a flag, not in the
		 * ACL: listed all the same, as what it can do. */
		if (flag && !strcmp(l.k[i] + 2, IAM_SUPERUSER_RID)) {
			b = ACL_FULL;
			flag = 0;
		}
		if (b != 0)
			direct_add(direct, l.k[i] + 2,
			    get_str(acl, "description"), uid, b);
		for (j = 0; j < n; j++) {
			gid = json_object_get_string(
			    json_object_array_get_idx(groups, j));
			if ((b = acl_bits(acl, 'g', gid)) == 0)
				continue;
			e = json_object_new_object();
			add_str(e, "rid", l.k[i] + 2);
			add_str(e, "gid", gid);
			add_str(e, "description", get_str(acl, "description"));
			add_str(e, "aclurl", url);
			snprintf(key, sizeof(key), IAM_URL_GRPS "%s/users/%s",
			    gid, uid);
			add_str(e, "membershipurl", key);
			json_object_object_add(
			    e, "actions", actions_view(url, "groups", gid, b));
			json_object_array_add(grp, e);
		}
		json_object_put(acl);
	}
	vault_read_end(v);
	vault_keylist_free(&l);
	json_object_put(u);
	if (st != CF_OK) {
		json_object_put(direct);
		json_object_put(grp);
		return st;
	}
	/* Its ACL not yet written: it exists from the start all the same. */
	if (flag)
		direct_add(
		    direct, IAM_SUPERUSER_RID, "superuser", uid, ACL_FULL);
	*out = json_object_new_object();
	json_object_object_add(*out, "direct", direct);
	json_object_object_add(*out, "groups", grp);
	return CF_OK;
}

static struct json_object *
group_view(struct json_object *g)
{
	struct json_object *o = json_object_new_object();
	char url[160];

	snprintf(url, sizeof(url), IAM_URL_GRPS "%s", get_str(g, "gid"));
	add_str(o, "gid", get_str(g, "gid"));
	add_str(o, "url", url);
	add_str(o, "description", get_str(g, "description"));
	/* Required by the IAM spec's Group, as for users: no group here
	 * comes from LDAP or another provider. */
	add_str(o, "provider_type", "internal");
	return o;
}

enum cf_status
iam_user_groups(struct vault *v, const char *uid, struct json_object **out)
{
	struct json_object *u = NULL, *groups = NULL, *g, *a, *e;
	char key[IAM_KEY_MAX], url[256];
	enum cf_status st;
	size_t i, n;
	const char *gid;

	rec_key(key, sizeof(key), 'u', uid);
	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	if ((st = vault_get_json(v, key, &u)) != CF_OK) {
		vault_read_end(v);
		return st;
	}
	a = json_object_new_array();
	json_object_object_get_ex(u, "groups", &groups);
	n = groups ? json_object_array_length(groups) : 0;
	for (i = 0; i < n; i++) {
		gid = json_object_get_string(
		    json_object_array_get_idx(groups, i));
		rec_key(key, sizeof(key), 'g', gid);
		g = NULL;
		if (vault_get_json(v, key, &g) != CF_OK)
			continue;
		e = json_object_new_object();
		json_object_object_add(e, "group", group_view(g));
		snprintf(
		    url, sizeof(url), IAM_URL_GRPS "%s/users/%s", gid, uid);
		add_str(e, "membershipurl", url);
		json_object_array_add(a, e);
		json_object_put(g);
	}
	vault_read_end(v);
	json_object_put(u);
	*out = wrap_array(a);
	return CF_OK;
}

/* ---- login ---- */

enum cf_status
iam_login_password(struct vault *v, const char *uid, const char *pw, size_t len)
{
	struct json_object *u = NULL, *ph = NULL;
	char key[IAM_KEY_MAX];
	enum cf_status st = CF_E_NOT_FOUND;
	int ok;

	if (iam_id_valid(uid)) {
		rec_key(key, sizeof(key), 'u', uid);
		st = rec_read(v, key, &u);
		if (st != CF_OK && st != CF_E_NOT_FOUND)
			return st;
	}
	if (u != NULL)
		json_object_object_get_ex(u, "password", &ph);
	ok = pw_check(ph, pw, len);
	json_object_put(u);
	return ok ? CF_OK : CF_E_UNAUTHORIZED;
}

enum cf_status
iam_login_service(struct vault *v, const char *uid, const char *jwt, size_t len)
{
	struct json_object *u = NULL;
	struct crypto_rsa *pub = NULL;
	struct token_claims c;
	const char *pem;
	size_t pemlen;
	char key[IAM_KEY_MAX];
	enum cf_status st;

	if (!iam_id_valid(uid))
		return CF_E_UNAUTHORIZED;
	rec_key(key, sizeof(key), 'u', uid);
	if ((st = rec_read(v, key, &u)) != CF_OK)
		return st == CF_E_NOT_FOUND ? CF_E_UNAUTHORIZED : st;
	st = CF_E_UNAUTHORIZED;
	if (cf_json_string(u, "public_key", &pem, &pemlen) != CF_OK ||
	    crypto_rsa_import_public(pem, pemlen, &pub) != 0)
		goto out;
	/* RS256 only, signature and exp checked; the uid claim must be the
	 * account logging in (Bouncer's rule). */
	if (token_verify(pub, jwt, len, (int64_t)time(NULL), &c) == CF_OK &&
	    !strcmp(c.uid, uid))
		st = CF_OK;
out:
	crypto_rsa_free(pub);
	json_object_put(u);
	return st;
}

/* Write record o (taken) at key unless one is there: then 409 with
 * exists as the code.  Its own write section. */
static enum cf_status
rec_create(struct vault *v, const char *key, struct json_object *o,
    const char *exists, const char **code)
{
	struct json_object *old = NULL;
	enum cf_status st;

	if ((st = vault_write_begin(v)) != CF_OK) {
		json_object_put(o);
		return st;
	}
	st = vault_get_json(v, key, &old);
	if (st == CF_OK) {
		*code = exists;
		st = CF_E_CONFLICT;
	} else if (st == CF_E_NOT_FOUND)
		st = rec_put(v, key, o);
	if (st == CF_OK)
		st = vault_commit(v);
	else
		vault_abort(v);
	json_object_put(old);
	json_object_put(o);
	return st;
}

/* ---- groups ---- */

enum cf_status
iam_group_create(
    struct vault *v, const char *gid, const char *desc, const char **code)
{
	struct json_object *o;
	char key[IAM_KEY_MAX];

	if (!iam_id_valid(gid)) {
		*code = "ERR_INVALID_DATA";
		return CF_E_BAD_REQUEST;
	}
	rec_key(key, sizeof(key), 'g', gid);
	o = json_object_new_object();
	add_str(o, "gid", gid);
	add_str(o, "description", desc);
	return rec_create(v, key, o, "ERR_GROUP_EXISTS", code);
}

/* Update description of g:/p: record; code when it is unknown. */
static enum cf_status
describe(struct vault *v, const char *key, const char *desc,
    const char *unknown, const char **code)
{
	struct json_object *o = NULL;
	enum cf_status st;

	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	if ((st = vault_get_json(v, key, &o)) == CF_E_NOT_FOUND) {
		*code = unknown;
		st = CF_E_BAD_REQUEST;
	}
	if (st == CF_OK) {
		add_str(o, "description", desc);
		st = rec_put(v, key, o);
	}
	if (st == CF_OK)
		st = vault_commit(v);
	else
		vault_abort(v);
	json_object_put(o);
	return st;
}

enum cf_status
iam_group_update(
    struct vault *v, const char *gid, const char *desc, const char **code)
{
	char key[IAM_KEY_MAX];

	rec_key(key, sizeof(key), 'g', gid);
	return describe(v, key, desc, "ERR_UNKNOWN_GROUP_ID", code);
}

/* In a write section: set or clear gid in uid's groups. */
static enum cf_status
member_set(
    struct vault *v, const char *uid, const char *gid, int add, int *changed)
{
	struct json_object *u = NULL, *groups = NULL, *ng, *g;
	char key[IAM_KEY_MAX];
	enum cf_status st;
	size_t i, n;

	*changed = 0;
	rec_key(key, sizeof(key), 'u', uid);
	if ((st = vault_get_json(v, key, &u)) != CF_OK)
		return st;
	if (!json_object_object_get_ex(u, "groups", &groups)) {
		groups = json_object_new_array();
		json_object_object_add(u, "groups", groups);
	}
	if (add && !array_has(groups, gid)) {
		json_object_array_add(groups, json_object_new_string(gid));
		*changed = 1;
	} else if (!add && array_has(groups, gid)) {
		ng = json_object_new_array();
		n = json_object_array_length(groups);
		for (i = 0; i < n; i++) {
			g = json_object_array_get_idx(groups, i);
			if (strcmp(json_object_get_string(g), gid))
				json_object_array_add(ng, json_object_get(g));
		}
		json_object_object_add(u, "groups", ng);
		*changed = 1;
	}
	if (*changed)
		st = rec_put(v, key, u);
	json_object_put(u);
	return st;
}

enum cf_status
iam_group_member(struct vault *v, const char *gid, const char *uid, int add,
    const char **code)
{
	struct json_object *g = NULL, *su = NULL;
	char key[IAM_KEY_MAX];
	enum cf_status st;
	int changed, n;

	rec_key(key, sizeof(key), 'g', gid);
	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	if ((st = vault_get_json(v, key, &g)) == CF_E_NOT_FOUND) {
		*code = "ERR_UNKNOWN_GROUP_ID";
		st = CF_E_BAD_REQUEST;
		goto out;
	}
	if (st != CF_OK)
		goto out;
	if (!add) {
		st = vault_get_json(v, "p:" IAM_SUPERUSER_RID, &su);
		if (st == CF_OK && acl_bits(su, 'g', gid)) {
			if ((st = su_count(v, NULL, su, gid, uid, &n)) != CF_OK)
				goto out;
			if (n == 0) {
				*code = "ERR_NO_MORE_SUPERUSERS";
				st = CF_E_BAD_REQUEST;
				goto out;
			}
		} else if (st != CF_OK && st != CF_E_NOT_FOUND)
			goto out;
	}
	if ((st = member_set(v, uid, gid, add, &changed)) == CF_E_NOT_FOUND) {
		*code = "ERR_UNKNOWN_USER_ID";
		st = CF_E_BAD_REQUEST;
	}
	if (st == CF_OK && add && !changed) {
		*code = "ERR_USER_ALREADY_IN_GROUP";
		st = CF_E_CONFLICT;
	}
	if (st != CF_OK)
		goto out;
	st = vault_commit(v);
	json_object_put(g);
	json_object_put(su);
	return st;
out:
	vault_abort(v);
	json_object_put(g);
	json_object_put(su);
	return st;
}

enum cf_status
iam_group_delete(struct vault *v, const char *gid, const char **code)
{
	struct json_object *g = NULL, *su = NULL, *after = NULL;
	struct vault_keylist l;
	char key[IAM_KEY_MAX];
	enum cf_status st;
	size_t i;
	int changed, n;

	memset(&l, 0, sizeof(l));
	rec_key(key, sizeof(key), 'g', gid);
	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	if ((st = vault_get_json(v, key, &g)) == CF_E_NOT_FOUND) {
		*code = "ERR_UNKNOWN_GROUP_ID";
		st = CF_E_BAD_REQUEST;
		goto out;
	}
	if (st != CF_OK)
		goto out;
	st = vault_get_json(v, "p:" IAM_SUPERUSER_RID, &su);
	if (st == CF_OK && acl_bits(su, 'g', gid)) {
		after = json_object_get(su);
		json_object_object_del(
		    json_object_object_get(after, "groups"), gid);
		if ((st = su_count(v, NULL, after, NULL, NULL, &n)) != CF_OK)
			goto out;
		if (n == 0) {
			*code = "ERR_NO_MORE_SUPERUSERS";
			st = CF_E_BAD_REQUEST;
			goto out;
		}
	} else if (st != CF_OK && st != CF_E_NOT_FOUND)
		goto out;
	if ((st = vault_list_keys(v, "u:", &l)) != CF_OK)
		goto out;
	for (i = 0; i < l.n && st == CF_OK; i++)
		st = member_set(v, l.k[i] + 2, gid, 0, &changed);
	if (st != CF_OK || (st = vault_del(v, key)) != CF_OK ||
	    (st = purge_refs(v, "p:", "groups", gid)) != CF_OK)
		goto out;
	st = vault_commit(v);
	goto done;
out:
	vault_abort(v);
done:
	vault_keylist_free(&l);
	json_object_put(after);
	json_object_put(g);
	json_object_put(su);
	return st;
}

enum cf_status
iam_group_get(struct vault *v, const char *gid, struct json_object **out)
{
	struct json_object *o = NULL;
	char key[IAM_KEY_MAX];
	enum cf_status st;

	if (!iam_id_valid(gid))
		return CF_E_NOT_FOUND;
	rec_key(key, sizeof(key), 'g', gid);
	if ((st = rec_read(v, key, &o)) != CF_OK)
		return st;
	*out = group_view(o);
	json_object_put(o);
	return CF_OK;
}

/* {"array": [view(record)...]} over a prefix, with a filter. */
static enum cf_status
list_records(struct vault *v, const char *prefix,
    struct json_object *(*view)(struct json_object *, const char *, void *),
    void *arg, struct json_object **out)
{
	struct vault_keylist l;
	struct json_object *a, *o, *e;
	enum cf_status st;
	size_t i;

	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	if ((st = vault_list_keys(v, prefix, &l)) != CF_OK) {
		vault_read_end(v);
		return st;
	}
	a = json_object_new_array();
	for (i = 0; i < l.n && st == CF_OK; i++) {
		o = NULL;
		if ((st = vault_get_json(v, l.k[i], &o)) != CF_OK)
			break;
		if ((e = view(o, l.k[i] + 2, arg)) != NULL)
			json_object_array_add(a, e);
		json_object_put(o);
	}
	vault_read_end(v);
	vault_keylist_free(&l);
	if (st != CF_OK) {
		json_object_put(a);
		return st;
	}
	*out = wrap_array(a);
	return CF_OK;
}

static struct json_object *
group_list_view(struct json_object *g, const char *gid, void *arg)
{
	(void)gid;
	(void)arg;
	return group_view(g);
}

enum cf_status
iam_group_list(struct vault *v, struct json_object **out)
{
	return list_records(v, "g:", group_list_view, NULL, out);
}

static struct json_object *
member_view(struct json_object *u, const char *uid, void *arg)
{
	struct json_object *groups = NULL, *e;
	char url[256];

	json_object_object_get_ex(u, "groups", &groups);
	if (!array_has(groups, arg))
		return NULL;
	e = json_object_new_object();
	json_object_object_add(e, "user", user_view(u));
	snprintf(url, sizeof(url), IAM_URL_GRPS "%s/users/%s",
	    (const char *)arg, uid);
	add_str(e, "membershipurl", url);
	return e;
}

enum cf_status
iam_group_members(struct vault *v, const char *gid, struct json_object **out)
{
	struct json_object *g = NULL;
	char key[IAM_KEY_MAX];
	enum cf_status st;

	rec_key(key, sizeof(key), 'g', gid);
	if ((st = rec_read(v, key, &g)) != CF_OK)
		return st;
	json_object_put(g);
	return list_records(v, "u:", member_view, (void *)gid, out);
}

/* ---- ACLs ---- */

static struct json_object *
acl_view(struct json_object *acl, const char *rid, void *arg)
{
	struct json_object *o = json_object_new_object();
	char url[IAM_MAX_RID * 3 + 64];

	(void)arg;
	rid_url(url, sizeof(url), rid);
	add_str(o, "rid", rid);
	add_str(o, "url", url);
	add_str(o, "description", get_str(acl, "description"));
	return o;
}

static struct json_object *
acl_new(const char *rid, const char *desc)
{
	struct json_object *o = json_object_new_object();

	add_str(o, "rid", rid);
	add_str(o, "description", desc);
	json_object_object_add(o, "users", json_object_new_object());
	json_object_object_add(o, "groups", json_object_new_object());
	return o;
}

enum cf_status
iam_acl_create(
    struct vault *v, const char *rid, const char *desc, const char **code)
{
	char key[IAM_KEY_MAX];

	if (!iam_rid_valid(rid)) {
		*code = "ERR_INVALID_DATA";
		return CF_E_BAD_REQUEST;
	}
	rec_key(key, sizeof(key), 'p', rid);
	return rec_create(v, key, acl_new(rid, desc), "ERR_ACL_EXISTS", code);
}

enum cf_status
iam_acl_update(
    struct vault *v, const char *rid, const char *desc, const char **code)
{
	char key[IAM_KEY_MAX];

	if (!iam_rid_valid(rid)) {
		*code = "ERR_UNKNOWN_RESOURCE_ID";
		return CF_E_BAD_REQUEST;
	}
	rec_key(key, sizeof(key), 'p', rid);
	return describe(v, key, desc, "ERR_UNKNOWN_RESOURCE_ID", code);
}

enum cf_status
iam_acl_delete(struct vault *v, const char *rid, const char **code)
{
	struct json_object *o = NULL;
	char key[IAM_KEY_MAX];
	enum cf_status st;

	if (!iam_rid_valid(rid)) {
		*code = "ERR_UNKNOWN_RESOURCE_ID";
		return CF_E_BAD_REQUEST;
	}
	if (!strcmp(rid, IAM_SUPERUSER_RID)) {
		/* Removing it would strip every granted superuser at once. */
		*code = "ERR_NO_MORE_SUPERUSERS";
		return CF_E_BAD_REQUEST;
	}
	rec_key(key, sizeof(key), 'p', rid);
	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	if ((st = vault_get_json(v, key, &o)) == CF_E_NOT_FOUND) {
		*code = "ERR_UNKNOWN_RESOURCE_ID";
		st = CF_E_BAD_REQUEST;
	}
	if (st == CF_OK)
		st = vault_del(v, key);
	if (st == CF_OK)
		st = vault_commit(v);
	else
		vault_abort(v);
	json_object_put(o);
	return st;
}

enum cf_status
iam_acl_get(struct vault *v, const char *rid, struct json_object **out)
{
	struct json_object *o = NULL;
	char key[IAM_KEY_MAX];
	enum cf_status st;

	if (!iam_rid_valid(rid))
		return CF_E_NOT_FOUND;
	rec_key(key, sizeof(key), 'p', rid);
	if ((st = rec_read(v, key, &o)) != CF_OK)
		return st;
	*out = acl_view(o, rid, NULL);
	json_object_put(o);
	return CF_OK;
}

enum cf_status
iam_acl_list(struct vault *v, struct json_object **out)
{
	return list_records(v, "p:", acl_view, NULL, out);
}

enum cf_status
iam_acl_permissions(struct vault *v, const char *rid, struct json_object **out)
{
	struct json_object *o = NULL, *m, *users, *groups, *e;
	char key[IAM_KEY_MAX], url[IAM_MAX_RID * 3 + 64], u2[256];
	enum cf_status st;

	if (!iam_rid_valid(rid))
		return CF_E_NOT_FOUND;
	rec_key(key, sizeof(key), 'p', rid);
	if ((st = rec_read(v, key, &o)) != CF_OK)
		return st;
	rid_url(url, sizeof(url), rid);
	users = json_object_new_array();
	groups = json_object_new_array();
	if (json_object_object_get_ex(o, "users", &m)) {
		json_object_object_foreach(m, uid, b)
		{
			e = json_object_new_object();
			add_str(e, "uid", uid);
			snprintf(u2, sizeof(u2), IAM_URL_USERS "%s", uid);
			add_str(e, "userurl", u2);
			json_object_object_add(e, "actions",
			    actions_view(url, "users", uid,
			        (unsigned)json_object_get_int(b)));
			json_object_array_add(users, e);
		}
	}
	if (json_object_object_get_ex(o, "groups", &m)) {
		json_object_object_foreach(m, gid, b)
		{
			e = json_object_new_object();
			add_str(e, "gid", gid);
			snprintf(u2, sizeof(u2), IAM_URL_GRPS "%s", gid);
			add_str(e, "groupurl", u2);
			json_object_object_add(e, "actions",
			    actions_view(url, "groups", gid,
			        (unsigned)json_object_get_int(b)));
			json_object_array_add(groups, e);
		}
	}
	json_object_put(o);
	*out = json_object_new_object();
	json_object_object_add(*out, "users", users);
	json_object_object_add(*out, "groups", groups);
	return CF_OK;
}

enum cf_status
iam_grant(struct vault *v, const char *rid, char who, const char *id,
    unsigned actions, int add, const char **code)
{
	struct json_object *acl = NULL, *m, *subj = NULL;
	char key[IAM_KEY_MAX], skey[IAM_KEY_MAX];
	enum cf_status st;
	unsigned b;
	int n;

	if (!iam_rid_valid(rid)) {
		*code = "ERR_UNKNOWN_RESOURCE_ID";
		return CF_E_BAD_REQUEST;
	}
	if (!iam_id_valid(id)) {
		*code =
		    who == 'u' ? "ERR_UNKNOWN_USER_ID" : "ERR_UNKNOWN_GROUP_ID";
		return CF_E_BAD_REQUEST;
	}
	rec_key(key, sizeof(key), 'p', rid);
	rec_key(skey, sizeof(skey), who, id);
	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	st = vault_get_json(v, key, &acl);
	/* dcos:superuser exists from the start, as in DC/OS. */
	if (st == CF_E_NOT_FOUND && !strcmp(rid, IAM_SUPERUSER_RID)) {
		acl = acl_new(rid, "superuser");
		st = CF_OK;
	} else if (st == CF_E_NOT_FOUND) {
		*code = "ERR_UNKNOWN_RESOURCE_ID";
		st = CF_E_BAD_REQUEST;
	}
	if (st != CF_OK)
		goto out;
	if (add && (st = vault_get_json(v, skey, &subj)) == CF_E_NOT_FOUND) {
		*code =
		    who == 'u' ? "ERR_UNKNOWN_USER_ID" : "ERR_UNKNOWN_GROUP_ID";
		st = CF_E_BAD_REQUEST;
	}
	if (st != CF_OK)
		goto out;
	m = json_object_object_get(acl, who == 'u' ? "users" : "groups");
	if (m == NULL) {
		m = json_object_new_object();
		json_object_object_add(acl, who == 'u' ? "users" : "groups", m);
	}
	b = acl_bits(acl, who, id);
	b = add ? (b | actions) : (b & ~actions);
	if (b)
		json_object_object_add(m, id, json_object_new_int((int)b));
	else
		json_object_object_del(m, id);
	if (!add && !strcmp(rid, IAM_SUPERUSER_RID)) {
		if ((st = su_count(v, NULL, acl, NULL, NULL, &n)) != CF_OK)
			goto out;
		if (n == 0) {
			*code = "ERR_NO_MORE_SUPERUSERS";
			st = CF_E_BAD_REQUEST;
			goto out;
		}
	}
	if ((st = rec_put(v, key, acl)) != CF_OK)
		goto out;
	st = vault_commit(v);
	json_object_put(acl);
	json_object_put(subj);
	return st;
out:
	vault_abort(v);
	json_object_put(acl);
	json_object_put(subj);
	return st;
}

enum cf_status
iam_grant_get(struct vault *v, const char *rid, char who, const char *id,
    struct json_object **out, const char **code)
{
	struct json_object *acl = NULL;
	char key[IAM_KEY_MAX], url[IAM_MAX_RID * 3 + 64];
	enum cf_status st;

	if (!iam_rid_valid(rid)) {
		*code = "ERR_UNKNOWN_RESOURCE_ID";
		return CF_E_BAD_REQUEST;
	}
	rec_key(key, sizeof(key), 'p', rid);
	if ((st = rec_read(v, key, &acl)) == CF_E_NOT_FOUND) {
		*code = "ERR_UNKNOWN_RESOURCE_ID";
		return CF_E_BAD_REQUEST;
	}
	if (st != CF_OK)
		return st;
	rid_url(url, sizeof(url), rid);
	*out = wrap_array(actions_view(
	    url, who == 'u' ? "users" : "groups", id, acl_bits(acl, who, id)));
	json_object_put(acl);
	return CF_OK;
}

/* The decision one grant route answers: for a user, the policy decision
 * (groups and superuser included); for a group, its own grant.  Unknown
 * subjects are an error, as in Bouncer, not a "false". */
enum cf_status
iam_grant_query(struct vault *v, const char *rid, char who, const char *id,
    unsigned actions, int *allowed, const char **code)
{
	struct json_object *acl = NULL, *subj = NULL;
	char key[IAM_KEY_MAX];
	enum cf_status st;

	*allowed = 0;
	if (!iam_rid_valid(rid)) {
		*code = "ERR_UNKNOWN_RESOURCE_ID";
		return CF_E_BAD_REQUEST;
	}
	rec_key(key, sizeof(key), 'p', rid);
	if ((st = rec_read(v, key, &acl)) == CF_E_NOT_FOUND)
		*code = "ERR_UNKNOWN_RESOURCE_ID";
	if (st != CF_OK)
		goto out;
	st = CF_E_BAD_REQUEST;
	*code = who == 'u' ? "ERR_UNKNOWN_USER_ID" : "ERR_UNKNOWN_GROUP_ID";
	if (!iam_id_valid(id))
		goto out;
	rec_key(key, sizeof(key), who, id);
	if ((st = rec_read(v, key, &subj)) == CF_E_NOT_FOUND)
		st = CF_E_BAD_REQUEST;
	if (st != CF_OK)
		goto out;
	*code = NULL;
	if (who == 'u')
		st = iam_allowed(v, id, rid, actions, allowed);
	else
		*allowed = (acl_bits(acl, who, id) & actions) == actions;
out:
	json_object_put(acl);
	json_object_put(subj);
	return st;
}

/* ---- the decision ---- */

/* In a read section: bits granted on key to uid or its groups. */
static enum cf_status
bits_on(struct vault *v, const char *key, const char *uid,
    struct json_object *groups, unsigned *bits)
{
	struct json_object *acl = NULL;
	enum cf_status st;
	size_t i, n;

	*bits = 0;
	if ((st = rec_get_shared(v, key, &acl)) == CF_E_NOT_FOUND)
		return CF_OK;
	if (st != CF_OK)
		return st;
	*bits = acl_bits(acl, 'u', uid);
	n = groups ? json_object_array_length(groups) : 0;
	for (i = 0; i < n; i++)
		*bits |= acl_bits(acl, 'g',
		    json_object_get_string(
		        json_object_array_get_idx(groups, i)));
	json_object_put(acl);
	return CF_OK;
}

/* bits |= the grant on rid[0..cut) followed by suffix. */
static enum cf_status
bits_at(struct vault *v, const char *rid, size_t cut, const char *suffix,
    const char *uid, struct json_object *groups, unsigned *bits)
{
	char key[IAM_KEY_MAX + 4];
	unsigned b;
	enum cf_status st;

	snprintf(key, sizeof(key), "p:%.*s%s", (int)cut, rid, suffix);
	if ((st = bits_on(v, key, uid, groups, &b)) == CF_OK)
		*bits |= b;
	return st;
}

/*
 * The grants that may cover rid: rid itself, then each resource above it
 * on a '/' boundary of the path after the first ":/", each also in the
 * form with "/" and "*" appended; "...:ca:ro" is also covered by "...:ca:rw".
 */
static enum cf_status
decide(struct vault *v, const char *uid, struct json_object *groups,
    const char *rid, unsigned actions, int *allowed)
{
	char key[IAM_KEY_MAX + 2];
	const char *slash;
	size_t n = strlen(rid), base, cut;
	unsigned bits = 0, b;
	enum cf_status st;

	if (n > IAM_MAX_RID)
		return CF_OK;
	rec_key(key, sizeof(key), 'p', rid);
	if ((st = bits_on(v, key, uid, groups, &b)) != CF_OK)
		return st;
	bits |= b;
	if (n > 6 && !strcmp(rid + n - 6, ":ca:ro")) {
		key[2 + n - 1] = 'w';
		if ((st = bits_on(v, key, uid, groups, &b)) != CF_OK)
			return st;
		bits |= b;
	}
	if ((slash = strstr(rid, ":/")) != NULL) {
		base =
		    (size_t)(slash - rid) + 2; /* rid[0..base) ends in ":/" */
		for (cut = n; cut-- > base;) {
			if (rid[cut] != '/')
				continue;
			if ((st = bits_at(v, rid, cut, "", uid, groups,
			         &bits)) != CF_OK ||
			    (st = bits_at(v, rid, cut, "/*", uid, groups,
			         &bits)) != CF_OK)
				return st;
		}
		if ((st = bits_at(v, rid, base, "", uid, groups, &bits)) !=
		        CF_OK ||
		    (st = bits_at(v, rid, base, "*", uid, groups, &bits)) !=
		        CF_OK)
			return st;
	}
	*allowed = (bits & actions) == actions;
	return CF_OK;
}

enum cf_status
iam_allowed(struct vault *v, const char *uid, const char *rid, unsigned actions,
    int *allowed)
{
	struct json_object *u = NULL, *su = NULL, *groups = NULL;
	char key[IAM_KEY_MAX];
	enum cf_status st;

	*allowed = 0;
	if (!iam_id_valid(uid) || actions == 0)
		return CF_OK;
	rec_key(key, sizeof(key), 'u', uid);
	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	if ((st = rec_get_shared(v, key, &u)) != CF_OK)
		goto out;
	st = rec_get_shared(v, "p:" IAM_SUPERUSER_RID, &su);
	if (st != CF_OK && st != CF_E_NOT_FOUND)
		goto out;
	st = CF_OK;
	if (user_is_su(u, su)) {
		*allowed = 1;
		goto out;
	}
	json_object_object_get_ex(u, "groups", &groups);
	st = decide(v, uid, groups, rid, actions, allowed);
out:
	vault_read_end(v);
	json_object_put(u);
	json_object_put(su);
	return st == CF_E_NOT_FOUND ? CF_OK : st;
}

/* ---- API keys and refresh tokens ---- */

static int
hash_hex(const void *s, size_t len, char hex[65])
{
	uint8_t h[32];
	char *x;

	if (crypto_sha256(s, len, h) != 0 ||
	    (x = codec_hex_encode(h, 32)) == NULL)
		return -1;
	memcpy(hex, x, 65);
	free(x);
	return 0;
}

static char *
uuid_new(void)
{
	uint8_t b[16];
	char *s;

	if (crypto_random(b, sizeof(b)) != 0 ||
	    (s = malloc(IAM_APIKEY_LEN + 1)) == NULL)
		return NULL;
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(s, IAM_APIKEY_LEN + 1,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
	    b[11], b[12], b[13], b[14], b[15]);
	crypto_wipe(b, sizeof(b));
	return s;
}

/* Put an owned record by hash; creation only. */
static enum cf_status
owned_put(struct vault *v, const char *key, const char *uid, int64_t exp)
{
	struct json_object *o = json_object_new_object();
	enum cf_status st;

	add_str(o, "uid", uid);
	json_object_object_add(
	    o, "created", json_object_new_int64((int64_t)time(NULL)));
	if (exp)
		json_object_object_add(o, "exp", json_object_new_int64(exp));
	if ((st = vault_write_begin(v)) == CF_OK) {
		if ((st = rec_put(v, key, o)) == CF_OK)
			st = vault_commit(v);
		else
			vault_abort(v);
	}
	json_object_put(o);
	return st;
}

enum cf_status
iam_apikey_create(struct vault *v, const char *uid, char **key, char name[65])
{
	char rkey[70];
	char *k;
	enum cf_status st;

	if ((k = uuid_new()) == NULL)
		return CF_E_INTERNAL;
	if (hash_hex(k, strlen(k), name) != 0) {
		free(k);
		return CF_E_INTERNAL;
	}
	snprintf(rkey, sizeof(rkey), "k:%s", name);
	if ((st = owned_put(v, rkey, uid, 0)) != CF_OK) {
		crypto_wipe(k, strlen(k));
		free(k);
		return st;
	}
	*key = k;
	return CF_OK;
}

enum cf_status
iam_apikey_lookup(struct vault *v, const char *key, size_t len, char uid[97])
{
	struct json_object *o = NULL;
	char hex[65], rkey[70];
	enum cf_status st;

	/* A lookup by hash: the key itself is never compared. */
	if (hash_hex(key, len, hex) != 0)
		return CF_E_INTERNAL;
	snprintf(rkey, sizeof(rkey), "k:%s", hex);
	if ((st = rec_read_shared(v, rkey, &o)) != CF_OK)
		return st == CF_E_NOT_FOUND ? CF_E_UNAUTHORIZED : st;
	snprintf(uid, 97, "%s", get_str(o, "uid"));
	json_object_put(o);
	return CF_OK;
}

static struct json_object *
apikey_view(struct json_object *k, const char *name, void *arg)
{
	struct json_object *o, *meta;
	int64_t created = 0;

	if (arg != NULL && strcmp(get_str(k, "uid"), arg))
		return NULL;
	(void)cf_json_int(k, "created", 0, INT64_MAX, &created);
	o = json_object_new_object();
	meta = json_object_new_object();
	add_str(meta, "name", name);
	add_str(meta, "created_by", get_str(k, "uid"));
	json_object_object_add(o, "metadata", meta);
	add_str(o, "username", get_str(k, "uid"));
	json_object_object_add(o, "created_at", json_object_new_int64(created));
	return o;
}

enum cf_status
iam_apikey_list(struct vault *v, const char *owner, struct json_object **out)
{
	struct json_object *w = NULL;
	enum cf_status st;

	if ((st = list_records(v, "k:", apikey_view, (void *)owner, &w)) !=
	    CF_OK)
		return st;
	/* Sensu answers a bare array. */
	*out = json_object_get(json_object_object_get(w, "array"));
	json_object_put(w);
	return CF_OK;
}

int
iam_apikey_name(const char *arg, size_t len, char name[IAM_APIKEY_NAME_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; len == IAM_APIKEY_NAME_LEN && i < len; i++)
		if (memchr(digits, arg[i], sizeof(digits) - 1) == NULL)
			break;
	if (len != IAM_APIKEY_NAME_LEN || i < len)
		return hash_hex(arg, len, name);
	memcpy(name, arg, IAM_APIKEY_NAME_LEN);
	name[IAM_APIKEY_NAME_LEN] = '\0';
	return 0;
}

enum cf_status
iam_apikey_delete(struct vault *v, const char *name, const char *only_owner)
{
	struct json_object *o = NULL;
	char hex[65], rkey[70];
	enum cf_status st;

	if (iam_apikey_name(name, strlen(name), hex) != 0)
		return CF_E_INTERNAL;
	snprintf(rkey, sizeof(rkey), "k:%s", hex);
	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	if ((st = vault_get_json(v, rkey, &o)) == CF_OK) {
		if (only_owner != NULL && strcmp(get_str(o, "uid"), only_owner))
			st = CF_E_NOT_FOUND;
		else
			st = vault_del(v, rkey);
	}
	if (st == CF_OK)
		st = vault_commit(v);
	else
		vault_abort(v);
	json_object_put(o);
	return st;
}

enum cf_status
iam_refresh_create(struct vault *v, const char *uid, int64_t now, char **tok)
{
	uint8_t b[32];
	char hex[65], rkey[70], *t;
	enum cf_status st;

	if (crypto_random(b, sizeof(b)) != 0 ||
	    (t = codec_base64_encode(b, sizeof(b), 1)) == NULL)
		return CF_E_INTERNAL;
	crypto_wipe(b, sizeof(b));
	if (hash_hex(t, strlen(t), hex) != 0) {
		free(t);
		return CF_E_INTERNAL;
	}
	snprintf(rkey, sizeof(rkey), "r:%s", hex);
	if ((st = owned_put(v, rkey, uid, now + IAM_REFRESH_LIFE)) != CF_OK) {
		crypto_wipe(t, strlen(t));
		free(t);
		return st;
	}
	*tok = t;
	return CF_OK;
}

enum cf_status
iam_refresh_take(
    struct vault *v, const char *uid, const char *tok, size_t len, int64_t now)
{
	struct json_object *o = NULL;
	char hex[65], rkey[70];
	enum cf_status st;
	int64_t exp = 0;

	if (hash_hex(tok, len, hex) != 0)
		return CF_E_INTERNAL;
	snprintf(rkey, sizeof(rkey), "r:%s", hex);
	if ((st = vault_write_begin(v)) != CF_OK)
		return st;
	if ((st = vault_get_json(v, rkey, &o)) == CF_OK) {
		(void)cf_json_int(o, "exp", 0, INT64_MAX, &exp);
		/* Used once: a stolen refresh token works once at most. */
		st = vault_del(v, rkey);
		if (st == CF_OK &&
		    (strcmp(get_str(o, "uid"), uid) || exp <= now))
			st = CF_E_UNAUTHORIZED;
	}
	if (st == CF_E_NOT_FOUND)
		st = CF_E_UNAUTHORIZED;
	/* A refused token is deleted all the same. */
	if (st == CF_OK || st == CF_E_UNAUTHORIZED) {
		if (vault_commit(v) != CF_OK)
			st = CF_E_INTERNAL;
	} else
		vault_abort(v);
	json_object_put(o);
	return st;
}

/* ---- throttle ---- */

/*
 * The file is a header and a table of THR_SLOTS counters.  A name finds
 * its counter in a window of THR_PROBE slots chosen by an HMAC keyed with
 * the header's random key, made when the file is, so no one outside the
 * file can tell which names share a window.  A counter of an existing
 * account is never given up for another name while it is live (inside its
 * window of time); counters of names without an account and of addresses
 * give way to anything, oldest first.  When a window holds only live
 * account counters, a name that has none there is treated as throttled:
 * a failure that cannot be counted must not be free.
 */
#define THR_SLOTS    1024
#define THR_PROBE    16
#define THR_MAGIC    "cfthrot1" /* a file of another layout starts over */
#define THR_MAGICLEN (sizeof(THR_MAGIC) - 1)
#define THR_KEYLEN   32
#define THR_IDLEN    16   /* bytes of the HMAC kept per slot */
#define THR_ACCOUNT  1u   /* slot flag: an existing account's count */
#define THR_PATH_LEN 1100 /* a store path of the config, and ".throttle" */

struct thr_head {
	char magic[THR_MAGICLEN];
	uint8_t key[THR_KEYLEN];
	uint8_t pad[24];
};

struct thr_slot {
	uint8_t id[THR_IDLEN];
	uint32_t count;
	uint32_t flags;
	int64_t start;
};

struct thr_file {
	struct thr_head head;
	struct thr_slot slot[THR_SLOTS];
};

struct thr_arg {
	int64_t now, window;
	unsigned max;
	int account; /* fail: the name is an existing account */
	int blocked;
};

typedef void (*thr_fn)(struct thr_slot *, int fresh, struct thr_arg *);

/* A slot whose count no longer matters to anyone. */
static int
thr_stale(const struct thr_slot *s, const struct thr_arg *a)
{
	return s->count == 0 || s->start <= a->now - a->window;
}

/* A new file, or one of an older layout: a fresh key, no counts. */
static int
thr_file_ready(struct thr_file *f)
{
	if (!memcmp(f->head.magic, THR_MAGIC, THR_MAGICLEN))
		return 0;
	crypto_wipe(f, sizeof(*f));
	if (crypto_random(f->head.key, sizeof(f->head.key)) != 0)
		return -1;
	memcpy(f->head.magic, THR_MAGIC, THR_MAGICLEN);
	return 0;
}

/*
 * In key's window: its own slot, or (*victim) the slot a new count may
 * take: a stale one first, else the oldest that is not a live account
 * count; NULL both when there is neither.
 */
static struct thr_slot *
thr_find(struct thr_file *f, const uint8_t *id, size_t idx,
    const struct thr_arg *a, struct thr_slot **victim)
{
	struct thr_slot *c, *stale = NULL, *other = NULL;
	size_t i;

	for (i = 0; i < THR_PROBE; i++) {
		c = &f->slot[(idx + i) % THR_SLOTS];
		if (crypto_equal(c->id, id, THR_IDLEN))
			return c;
		if (stale == NULL && thr_stale(c, a))
			stale = c;
		else if (!(c->flags & THR_ACCOUNT) &&
		         (other == NULL || c->start < other->start))
			other = c;
	}
	*victim = stale != NULL ? stale : other;
	return NULL;
}

/* Run fn on key's slot (create: or on a new one) under the file's lock. */
static int
thr_with(const char *store, const char *key, int create, thr_fn fn,
    struct thr_arg *a)
{
	struct thr_file *f = MAP_FAILED;
	struct thr_slot *s, *victim = NULL;
	struct flock fl;
	uint8_t h[IAM_HASH_LEN];
	uint64_t idx;
	char path[THR_PATH_LEN];
	int fd, rc = -1;

	if (snprintf(path, sizeof(path), "%s.throttle", store) >=
	    (int)sizeof(path))
		return -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		lwarn("%s", path);
		return -1;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLKW, &fl) == -1 ||
	    ftruncate(fd, (off_t)sizeof(*f)) == -1)
		goto out;
	f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (f == MAP_FAILED || thr_file_ready(f) != 0 ||
	    crypto_hmac_sha256(
	        f->head.key, sizeof(f->head.key), key, strlen(key), h) != 0)
		goto out;
	/* HMAC output is uniform, so its first bytes make a fine index. */
	memcpy(&idx, h, sizeof(idx));
	if ((s = thr_find(f, h, (size_t)(idx % THR_SLOTS), a, &victim)) != NULL)
		fn(s, 0, a);
	else if (victim == NULL) {
		lwarnx("throttle window full of live account counts");
		a->blocked = 1;
	} else if (create) {
		memset(victim, 0, sizeof(*victim));
		memcpy(victim->id, h, THR_IDLEN);
		fn(victim, 1, a);
	}
	rc = 0;
out:
	crypto_wipe(h, sizeof(h));
	if (f != MAP_FAILED)
		munmap(f, sizeof(*f));
	close(fd); /* releases the lock */
	return rc;
}

static void
thr_check(struct thr_slot *s, int fresh, struct thr_arg *a)
{
	(void)fresh;
	a->blocked = !thr_stale(s, a) && s->count >= a->max;
}

static void
thr_fail(struct thr_slot *s, int fresh, struct thr_arg *a)
{
	if (fresh || thr_stale(s, a)) {
		s->start = a->now;
		s->count = 0;
	}
	if (a->account)
		s->flags |= THR_ACCOUNT;
	if (s->count < UINT32_MAX)
		s->count++;
}

static void
thr_reset(struct thr_slot *s, int fresh, struct thr_arg *a)
{
	(void)fresh;
	(void)a;
	memset(s, 0, sizeof(*s));
}

int
iam_throttle_blocked(const char *store, const char *key, unsigned max,
    int64_t window, int64_t now)
{
	struct thr_arg a = {now, window, max, 0, 0};

	if (max == 0)
		return 0;
	if (thr_with(store, key, 0, thr_check, &a) == -1) {
		lwarnx("login refused: its throttle's file cannot be used");
		return 1; /* fail closed: a guess must not go uncounted */
	}
	return a.blocked;
}

void
iam_throttle_fail(const char *store, const char *key, int account,
    int64_t window, int64_t now)
{
	struct thr_arg a = {now, window, 0, account, 0};

	(void)thr_with(store, key, 1, thr_fail, &a);
}

void
iam_throttle_reset(const char *store, const char *key)
{
	struct thr_arg a = {0, 0, 0, 0, 0};

	(void)thr_with(store, key, 0, thr_reset, &a);
}
