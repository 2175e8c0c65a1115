/*
 * iam_decision.c: iam_allowed(), the decision, and the only place the
 * grants are walked for one (iam.h says the rule).  It reads through the
 * vault's cache of opened records (iam_rec_get_shared): the user, the
 * superuser ACL, then the ACLs that may cover the resource.  acl_check()
 * (identity/acl.c) asks it for every request and records the decision for
 * the audit line.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "base/jbuild.h"
#include "identity/iam.h"
#include "identity/iam_impl.h"
#include "vault/vault.h"

/* In a read section: bits granted on key to uid or its groups. */
static enum cf_status
bits_on(struct vault *v, const char *key, const char *uid,
    struct json_object *groups, unsigned *bits)
{
	struct json_object *acl = NULL;
	enum cf_status st;
	size_t i, n;

	*bits = 0;
	if ((st = iam_rec_get_shared(v, key, &acl)) == CF_E_NOT_FOUND)
		return CF_OK;
	if (st != CF_OK)
		return st;
	*bits = iam_acl_bits(acl, 'u', uid);
	n = groups ? json_object_array_length(groups) : 0;
	for (i = 0; i < n; i++)
		*bits |= iam_acl_bits(acl, 'g',
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
	iam_key(key, sizeof(key), IAM_K_ACL, rid);
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
	iam_key(key, sizeof(key), IAM_K_USER, uid);
	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	if ((st = iam_rec_get_shared(v, key, &u)) != CF_OK)
		goto out;
	st = iam_rec_get_shared(v, "p:" IAM_SUPERUSER_RID, &su);
	if (st != CF_OK && st != CF_E_NOT_FOUND)
		goto out;
	st = CF_OK;
	if (iam_user_is_su(u, su)) {
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

enum cf_status
iam_group_allowed(struct vault *v, const char *gid, const char *rid,
    unsigned actions, int *allowed)
{
	struct json_object *g = NULL, *su = NULL, *groups = NULL;
	char key[IAM_KEY_MAX];
	enum cf_status st;

	*allowed = 0;
	if (!iam_id_valid(gid) || actions == 0)
		return CF_OK;
	iam_key(key, sizeof(key), IAM_K_GROUP, gid);
	if ((st = vault_read_begin(v)) != CF_OK)
		return st;
	if ((st = iam_rec_get_shared(v, key, &g)) != CF_OK)
		goto out;
	st = iam_rec_get_shared(v, "p:" IAM_SUPERUSER_RID, &su);
	if (st != CF_OK && st != CF_E_NOT_FOUND)
		goto out;
	st = CF_OK;
	if (su != NULL && iam_acl_bits(su, 'g', gid) == ACL_FULL) {
		*allowed = 1;
		goto out;
	}
	/* No user: only the group's own grants count. */
	groups = jb_array();
	jb_push(groups, jb_str(gid));
	st = decide(v, "", groups, rid, actions, allowed);
out:
	vault_read_end(v);
	json_object_put(g);
	json_object_put(su);
	json_object_put(groups);
	return st == CF_E_NOT_FOUND ? CF_OK : st;
}
