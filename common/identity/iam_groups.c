/*
 * iam_groups.c: group records (g:<gid>) and membership.  A member list is
 * kept in each user record ("groups"), not in the group, so the decision
 * reads one record per user; a group's delete takes it out of every user
 * and every ACL, and is refused if it would leave no superuser.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "base/jbuild.h"
#include "identity/iam.h"
#include "identity/iam_impl.h"
#include "vault/vault.h"

/* The kind's view (iam_kinds), for GET, lists and a user's groups. */
struct json_object *
iam_group_view(struct json_object *g, const char *gid, void *arg)
{
	struct json_object *o = jb_object();
	char url[160];

	(void)gid;
	(void)arg;
	snprintf(url, sizeof(url), IAM_URL_GRPS "%s", iam_get_str(g, "gid"));
	iam_add_str(o, "gid", iam_get_str(g, "gid"));
	iam_add_str(o, "url", url);
	iam_add_str(o, "description", iam_get_str(g, "description"));
	/* Required by the IAM spec's Group, as for users: no group here
	 * comes from LDAP or another provider. */
	iam_add_str(o, "provider_type", "internal");
	return o;
}

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
	iam_key(key, sizeof(key), IAM_K_GROUP, gid);
	o = jb_object();
	iam_add_str(o, "gid", gid);
	iam_add_str(o, "description", desc);
	return iam_rec_create(v, key, o, "ERR_GROUP_EXISTS", code);
}

enum cf_status
iam_group_update(
    struct vault *v, const char *gid, const char *desc, const char **code)
{
	return iam_rec_describe(v, IAM_K_GROUP, gid, desc, code);
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
	iam_key(key, sizeof(key), IAM_K_USER, uid);
	if ((st = vault_get_json(v, key, &u)) != CF_OK)
		return st;
	if (!json_object_object_get_ex(u, "groups", &groups)) {
		groups = jb_array();
		jb_set(u, "groups", groups);
	}
	if (add && !iam_array_has(groups, gid)) {
		jb_push(groups, jb_str(gid));
		*changed = 1;
	} else if (!add && iam_array_has(groups, gid)) {
		ng = jb_array();
		n = json_object_array_length(groups);
		for (i = 0; i < n; i++) {
			g = json_object_array_get_idx(groups, i);
			if (strcmp(json_object_get_string(g), gid))
				jb_push(ng, json_object_get(g));
		}
		jb_set(u, "groups", ng);
		*changed = 1;
	}
	if (*changed)
		st = iam_rec_put(v, key, u);
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

	iam_key(key, sizeof(key), IAM_K_GROUP, gid);
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
		if (st == CF_OK && iam_acl_bits(su, 'g', gid)) {
			if ((st = iam_su_count(v, NULL, su, gid, uid, &n)) !=
			    CF_OK)
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

/* iam_rec_delete's check for a group: its members are not the last
 * superusers; and what goes with it: its place in every user and every
 * ACL. */
enum cf_status
iam_group_on_delete(struct vault *v, const char *gid, struct json_object *g,
    void *arg, const char **code)
{
	struct json_object *su = NULL, *after = NULL;
	struct vault_keylist l;
	enum cf_status st;
	size_t i;
	int changed, n;

	(void)g;
	(void)arg;
	memset(&l, 0, sizeof(l));
	st = vault_get_json(v, "p:" IAM_SUPERUSER_RID, &su);
	if (st == CF_OK && iam_acl_bits(su, 'g', gid)) {
		after = json_object_get(su);
		json_object_object_del(
		    json_object_object_get(after, "groups"), gid);
		if ((st = iam_su_count(v, NULL, after, NULL, NULL, &n)) !=
		    CF_OK)
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
	if (st == CF_OK)
		st = iam_purge_refs(v, "p:", "groups", gid);
out:
	vault_keylist_free(&l);
	json_object_put(after);
	json_object_put(su);
	return st;
}

enum cf_status
iam_group_delete(struct vault *v, const char *gid, const char **code)
{
	return iam_rec_delete(v, IAM_K_GROUP, gid, NULL, code);
}

enum cf_status
iam_group_get(struct vault *v, const char *gid, struct json_object **out)
{
	return iam_rec_get(v, IAM_K_GROUP, gid, out);
}

enum cf_status
iam_group_list(struct vault *v, struct json_object **out)
{
	return iam_rec_list(v, IAM_K_GROUP, NULL, NULL, out);
}

static struct json_object *
member_view(struct json_object *u, const char *uid, void *arg)
{
	struct json_object *groups = NULL, *e;
	char url[256];

	json_object_object_get_ex(u, "groups", &groups);
	if (!iam_array_has(groups, arg))
		return NULL;
	e = jb_object();
	jb_set(e, "user", iam_user_view(u, uid, NULL));
	snprintf(url, sizeof(url), IAM_URL_GRPS "%s/users/%s",
	    (const char *)arg, uid);
	iam_add_str(e, "membershipurl", url);
	return e;
}

enum cf_status
iam_group_members(struct vault *v, const char *gid, struct json_object **out)
{
	struct json_object *g = NULL;
	char key[IAM_KEY_MAX];
	enum cf_status st;

	iam_key(key, sizeof(key), IAM_K_GROUP, gid);
	if ((st = iam_rec_read(v, key, &g)) != CF_OK)
		return st;
	json_object_put(g);
	return iam_rec_list(v, IAM_K_USER, member_view, (void *)gid, out);
}
