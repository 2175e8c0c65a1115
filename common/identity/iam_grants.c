/*
 * iam_grants.c: ACL records (p:<rid>) and the grants in them: a bitmask of
 * enum acl_action per user and per group.  Also who is a superuser (the
 * init flag, or full on dcos:superuser), which every change that could
 * take the last one away counts first (iam_su_count).  The decision that
 * reads these grants is iam_decision.c's.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "base/jbuild.h"
#include "base/json.h"
#include "identity/iam.h"
#include "identity/iam_impl.h"
#include "vault/vault.h"

const char *const iam_action_names[4] = {"create", "read", "update", "delete"};

/* Bits granted to who/id in an ACL record. */
unsigned
iam_acl_bits(struct json_object *acl, char who, const char *id)
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
int
iam_user_is_su(struct json_object *u, struct json_object *su)
{
	struct json_object *groups = NULL, *g;
	size_t i, n;
	int flag = 0;

	(void)cf_json_bool(u, "superuser", &flag);
	if (flag)
		return 1;
	if (su == NULL)
		return 0;
	if (iam_acl_bits(su, 'u', iam_get_str(u, "uid")) == ACL_FULL)
		return 1;
	json_object_object_get_ex(u, "groups", &groups);
	n = groups ? json_object_array_length(groups) : 0;
	for (i = 0; i < n; i++) {
		g = json_object_array_get_idx(groups, i);
		if (json_object_is_type(g, json_type_string) &&
		    iam_acl_bits(su, 'g', json_object_get_string(g)) ==
		        ACL_FULL)
			return 1;
	}
	return 0;
}

/*
 * In a write section: how many superusers remain if the change described
 * happens (skip_uid deleted or stripped; su_after the superuser ACL after
 * the change; member_rm removes uid from group gid).  Reads every user.
 */
enum cf_status
iam_su_count(struct vault *v, const char *skip_uid,
    struct json_object *su_after, const char *rm_gid, const char *rm_uid,
    int *count)
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
			ng = jb_array();
			n = json_object_array_length(groups);
			for (j = 0; j < n; j++) {
				g = json_object_array_get_idx(groups, j);
				if (strcmp(json_object_get_string(g), rm_gid))
					jb_push(ng, json_object_get(g));
			}
			jb_set(u, "groups", ng);
		}
		*count += iam_user_is_su(u, su_after);
		json_object_put(u);
	}
	vault_keylist_free(&l);
	return st;
}

/* Escape a rid for a URL the way Bouncer does: '/' as %252F. */
void
iam_rid_url(char *buf, size_t len, const char *rid)
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

struct json_object *
iam_actions_view(
    const char *aclurl, const char *who, const char *id, unsigned b)
{
	struct json_object *a = jb_array(), *e;
	char url[IAM_MAX_RID * 3 + 256];
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!(b & (1u << i)))
			continue;
		e = jb_object();
		iam_add_str(e, "name", iam_action_names[i]);
		snprintf(url, sizeof(url), "%s/%s/%s/%s", aclurl, who, id,
		    iam_action_names[i]);
		iam_add_str(e, "url", url);
		jb_push(a, e);
	}
	if (b == ACL_FULL) {
		/* A full grant reads back as "full", as it was given. */
		json_object_put(a);
		a = jb_array();
		e = jb_object();
		iam_add_str(e, "name", "full");
		snprintf(url, sizeof(url), "%s/%s/%s/full", aclurl, who, id);
		iam_add_str(e, "url", url);
		jb_push(a, e);
	}
	return a;
}

/* The kind's view (iam_kinds), for GET and lists. */
struct json_object *
iam_acl_view(struct json_object *acl, const char *rid, void *arg)
{
	struct json_object *o = jb_object();
	char url[IAM_MAX_RID * 3 + 64];

	(void)arg;
	iam_rid_url(url, sizeof(url), rid);
	iam_add_str(o, "rid", rid);
	iam_add_str(o, "url", url);
	iam_add_str(o, "description", iam_get_str(acl, "description"));
	return o;
}

static struct json_object *
acl_new(const char *rid, const char *desc)
{
	struct json_object *o = jb_object();

	iam_add_str(o, "rid", rid);
	iam_add_str(o, "description", desc);
	jb_set(o, "users", jb_object());
	jb_set(o, "groups", jb_object());
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
	iam_key(key, sizeof(key), IAM_K_ACL, rid);
	return iam_rec_create(
	    v, key, acl_new(rid, desc), "ERR_ACL_EXISTS", code);
}

enum cf_status
iam_acl_update(
    struct vault *v, const char *rid, const char *desc, const char **code)
{
	return iam_rec_describe(v, IAM_K_ACL, rid, desc, code);
}

enum cf_status
iam_acl_delete(struct vault *v, const char *rid, const char **code)
{
	if (iam_rid_valid(rid) && !strcmp(rid, IAM_SUPERUSER_RID)) {
		/* Removing it would strip every granted superuser at once. */
		*code = "ERR_NO_MORE_SUPERUSERS";
		return CF_E_BAD_REQUEST;
	}
	return iam_rec_delete(v, IAM_K_ACL, rid, NULL, code);
}

enum cf_status
iam_acl_get(struct vault *v, const char *rid, struct json_object **out)
{
	return iam_rec_get(v, IAM_K_ACL, rid, out);
}

enum cf_status
iam_acl_list(struct vault *v, struct json_object **out)
{
	return iam_rec_list(v, IAM_K_ACL, NULL, NULL, out);
}

enum cf_status
iam_acl_permissions(struct vault *v, const char *rid, struct json_object **out)
{
	struct json_object *o = NULL, *m, *users, *groups, *e;
	char key[IAM_KEY_MAX], url[IAM_MAX_RID * 3 + 64], u2[256];
	enum cf_status st;

	if (!iam_rid_valid(rid))
		return CF_E_NOT_FOUND;
	iam_key(key, sizeof(key), IAM_K_ACL, rid);
	if ((st = iam_rec_read(v, key, &o)) != CF_OK)
		return st;
	iam_rid_url(url, sizeof(url), rid);
	users = jb_array();
	groups = jb_array();
	if (json_object_object_get_ex(o, "users", &m)) {
		json_object_object_foreach(m, uid, b)
		{
			e = jb_object();
			iam_add_str(e, "uid", uid);
			snprintf(u2, sizeof(u2), IAM_URL_USERS "%s", uid);
			iam_add_str(e, "userurl", u2);
			jb_set(e, "actions",
			    iam_actions_view(url, "users", uid,
			        (unsigned)json_object_get_int(b)));
			jb_push(users, e);
		}
	}
	if (json_object_object_get_ex(o, "groups", &m)) {
		json_object_object_foreach(m, gid, b)
		{
			e = jb_object();
			iam_add_str(e, "gid", gid);
			snprintf(u2, sizeof(u2), IAM_URL_GRPS "%s", gid);
			iam_add_str(e, "groupurl", u2);
			jb_set(e, "actions",
			    iam_actions_view(url, "groups", gid,
			        (unsigned)json_object_get_int(b)));
			jb_push(groups, e);
		}
	}
	json_object_put(o);
	*out = jb_object();
	jb_set(*out, "users", users);
	jb_set(*out, "groups", groups);
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
	iam_key(key, sizeof(key), IAM_K_ACL, rid);
	iam_key(skey, sizeof(skey), who == 'u' ? IAM_K_USER : IAM_K_GROUP, id);
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
		m = jb_object();
		jb_set(acl, who == 'u' ? "users" : "groups", m);
	}
	b = iam_acl_bits(acl, who, id);
	b = add ? (b | actions) : (b & ~actions);
	if (b)
		jb_set_int(m, id, (int)b);
	else
		json_object_object_del(m, id);
	if (!add && !strcmp(rid, IAM_SUPERUSER_RID)) {
		if ((st = iam_su_count(v, NULL, acl, NULL, NULL, &n)) != CF_OK)
			goto out;
		if (n == 0) {
			*code = "ERR_NO_MORE_SUPERUSERS";
			st = CF_E_BAD_REQUEST;
			goto out;
		}
	}
	if ((st = iam_rec_put(v, key, acl)) != CF_OK)
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
	iam_key(key, sizeof(key), IAM_K_ACL, rid);
	if ((st = iam_rec_read(v, key, &acl)) == CF_E_NOT_FOUND) {
		*code = "ERR_UNKNOWN_RESOURCE_ID";
		return CF_E_BAD_REQUEST;
	}
	if (st != CF_OK)
		return st;
	iam_rid_url(url, sizeof(url), rid);
	*out = iam_wrap_array(iam_actions_view(url,
	    who == 'u' ? "users" : "groups", id, iam_acl_bits(acl, who, id)));
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
	iam_key(key, sizeof(key), IAM_K_ACL, rid);
	if ((st = iam_rec_read(v, key, &acl)) == CF_E_NOT_FOUND)
		*code = "ERR_UNKNOWN_RESOURCE_ID";
	if (st != CF_OK)
		goto out;
	st = CF_E_BAD_REQUEST;
	*code = who == 'u' ? "ERR_UNKNOWN_USER_ID" : "ERR_UNKNOWN_GROUP_ID";
	if (!iam_id_valid(id))
		goto out;
	iam_key(key, sizeof(key), who == 'u' ? IAM_K_USER : IAM_K_GROUP, id);
	if ((st = iam_rec_read(v, key, &subj)) == CF_E_NOT_FOUND)
		st = CF_E_BAD_REQUEST;
	if (st != CF_OK)
		goto out;
	*code = NULL;
	if (who == 'u')
		st = iam_allowed(v, id, rid, actions, allowed);
	else
		*allowed = (iam_acl_bits(acl, who, id) & actions) == actions;
out:
	json_object_put(acl);
	json_object_put(subj);
	return st;
}
