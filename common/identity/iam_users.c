/*
 * iam_users.c: user records (u:<uid>): users and service accounts, the
 * first superuser made at init, tokens for them, login by password or by
 * a service account's signed token, and what a user may do and belongs to
 * as the IAM API shows it.  A user's delete takes its grants, API keys and
 * refresh tokens with it, and is refused if it would leave no superuser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "base/jbuild.h"
#include "base/json.h"
#include "crypto/crypto.h"
#include "identity/iam.h"
#include "identity/iam_impl.h"
#include "identity/token.h"
#include "vault/vault.h"

static struct json_object *
user_view(struct json_object *u)
{
	struct json_object *o = jb_object(), *pk;
	const char *uid = iam_get_str(u, "uid");
	char url[160];

	snprintf(url, sizeof(url), IAM_URL_USERS "%s", uid);
	iam_add_str(o, "uid", uid);
	iam_add_str(o, "url", url);
	iam_add_str(o, "description", iam_get_str(u, "description"));
	jb_set_bool(o, "is_remote", 0);
	pk = NULL;
	json_object_object_get_ex(u, "public_key", &pk);
	jb_set_bool(o, "is_service", pk != NULL);
	if (pk != NULL)
		jb_set(o, "public_key", json_object_get(pk));
	iam_add_str(o, "provider_type", "internal");
	iam_add_str(o, "provider_id", "");
	return o;
}

/* The kind's view (iam_kinds): arg, if not NULL, points to 1 to list only
 * service accounts, 0 to list only users. */
struct json_object *
iam_user_view(struct json_object *u, const char *uid, void *arg)
{
	(void)uid;
	if (arg != NULL && json_object_object_get_ex(u, "public_key", NULL) !=
	                       *(const int *)arg)
		return NULL;
	return user_view(u);
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
	iam_key(key, sizeof(key), IAM_K_USER, uid);
	if ((st = iam_rec_read_shared(v, key, &o)) != CF_OK)
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
	struct json_object *o = jb_object();
	char *text;

	iam_add_str(o, "uid", IAM_INIT_SUPERUSER);
	iam_add_str(o, "description", "superuser created at init");
	jb_set_bool(o, "superuser", 1);
	iam_add_str(o, TOKEN_INC_CLAIM, inc);
	jb_set_int(o, "created", (int64_t)time(NULL));
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
	o = jb_object();
	iam_add_str(o, "uid", uid);
	iam_add_str(o, "description", desc);
	jb_set_int(o, "created", (int64_t)time(NULL));
	jb_set(o, "groups", jb_array());
	iam_add_str(o, TOKEN_INC_CLAIM, inc);
	if (pk != NULL)
		jb_set(o, "public_key", jb_strn(pk, pklen));
	else {
		if ((st = iam_pw_hash(pw, strlen(pw), &ph)) != CF_OK)
			goto out;
		jb_set(o, "password", ph);
	}
	iam_key(key, sizeof(key), IAM_K_USER, uid);
	if ((st = vault_write_begin(v)) != CF_OK)
		goto out;
	st = vault_get_json(v, key, &old);
	if (st == CF_OK) {
		*code = "ERR_USER_EXISTS";
		st = CF_E_CONFLICT;
	} else if (st == CF_E_NOT_FOUND)
		st = iam_rec_put(v, key, o);
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

	iam_key(key, sizeof(key), IAM_K_USER, uid);
	/* Hash before taking the write lock: it is the slow part. */
	if (pw != NULL && (st = iam_pw_hash(pw, strlen(pw), &ph)) != CF_OK)
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
			iam_add_str(o, "description", desc);
		if (ph != NULL) {
			jb_set(o, "password", ph);
			ph = NULL;
		}
		st = iam_rec_put(v, key, o);
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

/* iam_rec_delete's check for a user: not the last superuser; and what
 * goes with it: its grants, API keys and refresh tokens, so that a user
 * created later under the same uid inherits nothing. */
enum cf_status
iam_user_on_delete(struct vault *v, const char *uid, struct json_object *u,
    void *arg, const char **code)
{
	struct json_object *su = NULL;
	enum cf_status st;
	int n = 0;

	(void)arg;
	st = vault_get_json(v, "p:" IAM_SUPERUSER_RID, &su);
	if (st != CF_OK && st != CF_E_NOT_FOUND)
		goto out;
	st = CF_OK;
	if (iam_user_is_su(u, su)) {
		if ((st = iam_su_count(v, uid, su, NULL, NULL, &n)) != CF_OK)
			goto out;
		if (n == 0) {
			*code = "ERR_NO_MORE_SUPERUSERS";
			st = CF_E_BAD_REQUEST;
			goto out;
		}
	}
	if ((st = iam_purge_refs(v, "p:", "users", uid)) == CF_OK &&
	    (st = iam_purge_refs(v, "k:", NULL, uid)) == CF_OK)
		st = iam_purge_refs(v, "r:", NULL, uid);
out:
	json_object_put(su);
	return st;
}

enum cf_status
iam_user_delete(struct vault *v, const char *uid, const char **code)
{
	return iam_rec_delete(v, IAM_K_USER, uid, NULL, code);
}

enum cf_status
iam_user_get(struct vault *v, const char *uid, struct json_object **out)
{
	return iam_rec_get(v, IAM_K_USER, uid, out);
}

enum cf_status
iam_user_list(struct vault *v, int services, struct json_object **out)
{
	int want = services != 0;

	return iam_rec_list(v, IAM_K_USER, NULL, &want, out);
}

/* A user's own grant of actions b on rid, as GET .../permissions lists it. */
static void
direct_add(struct json_object *direct, const char *rid, const char *desc,
    const char *uid, unsigned b)
{
	struct json_object *e = jb_object();
	char url[IAM_MAX_RID * 3 + 64];

	iam_rid_url(url, sizeof(url), rid);
	iam_add_str(e, "rid", rid);
	iam_add_str(e, "description", desc);
	iam_add_str(e, "aclurl", url);
	jb_set(e, "actions", iam_actions_view(url, "users", uid, b));
	jb_push(direct, e);
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

	iam_key(key, sizeof(key), IAM_K_USER, uid);
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
	direct = jb_array();
	grp = jb_array();
	for (i = 0; i < l.n && st == CF_OK; i++) {
		acl = NULL;
		if ((st = vault_get_json(v, l.k[i], &acl)) != CF_OK)
			break;
		iam_rid_url(url, sizeof(url), l.k[i] + 2);
		b = iam_acl_bits(acl, 'u', uid);
		/* The superuser made at init holds it by a flag, not in the
		 * ACL: listed all the same, as what it can do. */
		if (flag && !strcmp(l.k[i] + 2, IAM_SUPERUSER_RID)) {
			b = ACL_FULL;
			flag = 0;
		}
		if (b != 0)
			direct_add(direct, l.k[i] + 2,
			    iam_get_str(acl, "description"), uid, b);
		for (j = 0; j < n; j++) {
			gid = json_object_get_string(
			    json_object_array_get_idx(groups, j));
			if ((b = iam_acl_bits(acl, 'g', gid)) == 0)
				continue;
			e = jb_object();
			iam_add_str(e, "rid", l.k[i] + 2);
			iam_add_str(e, "gid", gid);
			iam_add_str(
			    e, "description", iam_get_str(acl, "description"));
			iam_add_str(e, "aclurl", url);
			snprintf(key, sizeof(key), IAM_URL_GRPS "%s/users/%s",
			    gid, uid);
			iam_add_str(e, "membershipurl", key);
			jb_set(e, "actions",
			    iam_actions_view(url, "groups", gid, b));
			jb_push(grp, e);
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
	*out = jb_object();
	jb_set(*out, "direct", direct);
	jb_set(*out, "groups", grp);
	return CF_OK;
}

enum cf_status
iam_user_groups(struct vault *v, const char *uid, struct json_object **out)
{
	struct json_object *u = NULL, *groups = NULL, *g, *a, *e;
	char key[IAM_KEY_MAX], url[256];
	enum cf_status st;
	size_t i, n;
	const char *gid;

	iam_key(key, sizeof(key), IAM_K_USER, uid);
	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	if ((st = vault_get_json(v, key, &u)) != CF_OK) {
		vault_read_end(v);
		return st;
	}
	a = jb_array();
	json_object_object_get_ex(u, "groups", &groups);
	n = groups ? json_object_array_length(groups) : 0;
	for (i = 0; i < n; i++) {
		gid = json_object_get_string(
		    json_object_array_get_idx(groups, i));
		iam_key(key, sizeof(key), IAM_K_GROUP, gid);
		g = NULL;
		if (vault_get_json(v, key, &g) != CF_OK)
			continue;
		e = jb_object();
		jb_set(e, "group", iam_group_view(g, gid, NULL));
		snprintf(
		    url, sizeof(url), IAM_URL_GRPS "%s/users/%s", gid, uid);
		iam_add_str(e, "membershipurl", url);
		jb_push(a, e);
		json_object_put(g);
	}
	vault_read_end(v);
	json_object_put(u);
	*out = iam_wrap_array(a);
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
		iam_key(key, sizeof(key), IAM_K_USER, uid);
		st = iam_rec_read(v, key, &u);
		if (st != CF_OK && st != CF_E_NOT_FOUND)
			return st;
	}
	if (u != NULL)
		json_object_object_get_ex(u, "password", &ph);
	ok = iam_pw_check(ph, pw, len);
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
	iam_key(key, sizeof(key), IAM_K_USER, uid);
	if ((st = iam_rec_read(v, key, &u)) != CF_OK)
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
