/*
 * ctl_iam.c: cofferctl's identity commands (see ctl.h).  Each command
 * checks its input with iam.h's own validators, then makes one call into
 * iam.c, the code behind the IAM API, so a change made here is the change
 * the API would make, audited under the route that makes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/config.h"
#include "base/errors.h"
#include "crypto/crypto.h"
#include "ctl.h"
#include "identity/audit.h"
#include "identity/iam.h"
#include "vault/vault.h"

/* The options a command takes (bits of ctl_cmd.opts). */
#define OPT_DESC    (1u << 0) /* --description D */
#define OPT_PWFILE  (1u << 1) /* --password-file F */
#define OPT_PWSTDIN (1u << 2) /* --password-stdin */
#define OPT_PKFILE  (1u << 3) /* --public-key-file F */
#define OPT_GROUP   (1u << 4) /* --group: the last argument is a gid */

#define CTL_MAX_ARGS 3
#define CTL_PW_BUF   (IAM_MAX_PASSWORD + 3) /* room for CR LF, and one more */
#define CTL_PATH_MAX (IAM_MAX_RID * 5 + 256)
#define IAM_API      "/acs/api/v1"

struct ctl_run {
	struct vault *v;
	int audit_fd;
	const char *cmd;
	const char *arg[CTL_MAX_ARGS];
	const char *desc;
	const char *pwfile;
	const char *pkfile;
	int pwstdin;
	int group;
	const char *code; /* iam.c's ERR_* for the last failure */
};

struct ctl_cmd {
	const char *name;
	int nargs;
	unsigned opts;
	int (*fn)(struct ctl_run *);
	const char *usage;
	const char *what; /* one sentence for the help */
	/* The summary on success (NULL: the command prints its answer):
	 * $1 to $3 stand for the arguments, $4 for "user" or "group". */
	const char *done;
};

/* ---- messages and the audit line ---- */

/* iam.c's error codes in an operator's words, and their exit status. */
static const struct ctl_code {
	const char *code;
	const char *text;
	int rc;
} ctl_codes[] = {
    {"ERR_USER_EXISTS", "a user or service account with that uid exists",
        CTL_FAIL},
    {"ERR_GROUP_EXISTS", "a group with that gid exists", CTL_FAIL},
    {"ERR_USER_ALREADY_IN_GROUP", "already a member of the group", CTL_FAIL},
    {"ERR_UNKNOWN_USER_ID", "no user with that uid", CTL_FAIL},
    {"ERR_UNKNOWN_GROUP_ID", "no group with that gid", CTL_FAIL},
    {"ERR_UNKNOWN_RESOURCE_ID", "no ACL for that resource id", CTL_FAIL},
    {"ERR_NO_MORE_SUPERUSERS", "the last superuser cannot be removed",
        CTL_FAIL},
    {"ERR_INVALID_PUBLIC_KEY",
        "invalid public key: an RSA key in SubjectPublicKeyInfo PEM "
        "(BEGIN PUBLIC KEY)",
        CTL_USAGE},
};

static const struct ctl_code *
code_find(const char *code)
{
	size_t i;

	for (i = 0; code != NULL && i < sizeof(ctl_codes) / sizeof(*ctl_codes);
	     i++)
		if (!strcmp(code, ctl_codes[i].code))
			return &ctl_codes[i];
	return NULL;
}

/* Say why on stderr; the exit status for st and r->code. */
static int
ctl_fail(struct ctl_run *r, const char *what, enum cf_status st)
{
	const struct ctl_code *c = code_find(r->code);
	const char *text = ctl_status_text(st);
	int rc = CTL_FAIL;

	if (c != NULL) {
		text = c->text;
		rc = c->rc;
	}
	fprintf(stderr, "cofferctl: %s%s%s: %s\n", r->cmd, *what ? " " : "",
	    what, text);
	return rc;
}

static int
ctl_bad(struct ctl_run *r, const char *what, const char *rule)
{
	fprintf(stderr, "cofferctl: %s: invalid %s: %s\n", r->cmd, what, rule);
	return CTL_USAGE;
}

/* Append s to the path, '/' written as Bouncer's URLs write it in a rid. */
static void
path_add(char *path, size_t len, const char *s, int rid)
{
	size_t o = strlen(path);

	for (; *s != '\0' && o + 6 < len; s++) {
		if (rid && *s == '/') {
			memcpy(path + o, "%252F", 5);
			o += 5;
		} else
			path[o++] = *s;
	}
	path[o] = '\0';
}

/* The audit line of a change: the API route that makes it, and the status
 * that route would answer. */
static void
ctl_audit(struct ctl_run *r, const char *method, const char *path,
    enum cf_status st, int ok)
{
	audit_offline(r->audit_fd, "cofferctl", r->cmd, method, path,
	    st == CF_OK ? ok : errors_http_status(st));
}

/* ---- input ---- */

/* The store must be unsealed: cofferctl holds no share of its own here. */
static int
ctl_ready(struct ctl_run *r)
{
	enum cf_status st = vault_ready(r->v);

	if (st == CF_OK)
		return CTL_OK;
	r->code = NULL;
	return ctl_fail(r, "", st);
}

static int
check_id(struct ctl_run *r, const char *id, int group)
{
	if (iam_id_valid(id))
		return CTL_OK;
	return ctl_bad(r, group ? "gid" : "uid",
	    "[a-zA-Z0-9-_@.], 1 to 96 characters, not `anonymous`");
}

static int
check_desc(struct ctl_run *r)
{
	if (r->desc == NULL || iam_description_valid(r->desc, strlen(r->desc)))
		return CTL_OK;
	return ctl_bad(r, "description", "at most 1024 bytes");
}

/* Up to cap bytes of f into buf; -1 on a read error. */
static int
read_all(FILE *f, char *buf, size_t cap, size_t *len)
{
	*len = fread(buf, 1, cap, f);
	return ferror(f) ? -1 : 0;
}

/* The password, NUL-terminated in buf (CTL_PW_BUF bytes): a file's bytes
 * or stdin's (a terminal is prompted, without echo) up to one final
 * newline. */
static int
read_password(struct ctl_run *r, char *buf, size_t *len)
{
	FILE *f = stdin;
	int rc;

	if (r->pwfile != NULL && (f = ctl_fopen_input(r->pwfile)) == NULL) {
		perror(r->pwfile);
		return CTL_USAGE;
	}
	if (r->pwfile == NULL && isatty(STDIN_FILENO)) {
		rc = ctl_read_secret_line("password: ", buf, CTL_PW_BUF);
		*len = rc == 0 ? strlen(buf) : 0;
	} else
		rc = read_all(f, buf, CTL_PW_BUF - 1, len);
	if (f != stdin)
		fclose(f);
	if (rc != 0) {
		fprintf(stderr, "cofferctl: %s: cannot read the password\n",
		    r->cmd);
		return CTL_FAIL;
	}
	if (*len > 0 && buf[*len - 1] == '\n')
		(*len)--;
	if (*len > 0 && buf[*len - 1] == '\r')
		(*len)--;
	buf[*len] = '\0';
	if (!iam_password_valid(buf, *len))
		return ctl_bad(r, "password", "1 to 1024 bytes, without NUL");
	return CTL_OK;
}

/* ---- users and service accounts ---- */

static void
user_path(char *path, size_t len, const char *uid)
{
	snprintf(path, len, IAM_API "/users/");
	path_add(path, len, uid, 0);
}

static int
cmd_user_add(struct ctl_run *r)
{
	char pw[CTL_PW_BUF], path[CTL_PATH_MAX];
	size_t len = 0;
	enum cf_status st;
	int rc;

	if ((rc = check_id(r, r->arg[0], 0)) != CTL_OK ||
	    (rc = check_desc(r)) != CTL_OK || (rc = ctl_ready(r)) != CTL_OK ||
	    (rc = read_password(r, pw, &len)) != CTL_OK)
		goto out;
	st = iam_user_create(r->v, r->arg[0], r->desc, pw, NULL, 0, &r->code);
	user_path(path, sizeof(path), r->arg[0]);
	ctl_audit(r, "PUT", path, st, 201);
	rc = st == CF_OK ? CTL_OK : ctl_fail(r, r->arg[0], st);
out:
	crypto_wipe(pw, sizeof(pw));
	return rc;
}

static int
cmd_user_passwd(struct ctl_run *r)
{
	char pw[CTL_PW_BUF], path[CTL_PATH_MAX];
	size_t len = 0;
	enum cf_status st;
	int rc;

	if ((rc = check_id(r, r->arg[0], 0)) != CTL_OK ||
	    (rc = ctl_ready(r)) != CTL_OK ||
	    (rc = read_password(r, pw, &len)) != CTL_OK)
		goto out;
	st = iam_user_update(r->v, r->arg[0], NULL, pw, &r->code);
	user_path(path, sizeof(path), r->arg[0]);
	ctl_audit(r, "PATCH", path, st, 204);
	/* The API's one ERR_INVALID_DATA here: a service account. */
	if (st == CF_E_BAD_REQUEST) {
		fprintf(stderr,
		    "cofferctl: %s %s: a service account has no "
		    "password\n",
		    r->cmd, r->arg[0]);
		rc = CTL_FAIL;
	} else
		rc = st == CF_OK ? CTL_OK : ctl_fail(r, r->arg[0], st);
out:
	crypto_wipe(pw, sizeof(pw));
	return rc;
}

static int
cmd_sa_add(struct ctl_run *r)
{
	char *pem = NULL, path[CTL_PATH_MAX];
	size_t len = 0;
	enum cf_status st;
	int rc;

	if ((rc = check_id(r, r->arg[0], 0)) != CTL_OK ||
	    (rc = check_desc(r)) != CTL_OK)
		return rc;
	if (r->pkfile == NULL)
		return ctl_bad(
		    r, "command line", "--public-key-file is needed");
	if ((pem = ctl_read_pem(r->pkfile, &len)) == NULL)
		return CTL_USAGE;
	if (len == 0) {
		rc = ctl_bad(r, "public key", "the file is empty");
		goto out;
	}
	if ((rc = ctl_ready(r)) != CTL_OK)
		goto out;
	st =
	    iam_user_create(r->v, r->arg[0], r->desc, NULL, pem, len, &r->code);
	user_path(path, sizeof(path), r->arg[0]);
	ctl_audit(r, "PUT", path, st, 201);
	rc = st == CF_OK ? CTL_OK : ctl_fail(r, r->arg[0], st);
out:
	free(pem);
	return rc;
}

/* user-del removes any account, as DELETE /users/{uid} does; sa-del only
 * a service account, so a slip of the finger cannot remove a person. */
static int
user_del(struct ctl_run *r, int service_only)
{
	struct iam_user u;
	char path[CTL_PATH_MAX];
	enum cf_status st;
	int rc;

	if ((rc = check_id(r, r->arg[0], 0)) != CTL_OK ||
	    (rc = ctl_ready(r)) != CTL_OK)
		return rc;
	if (service_only) {
		st = iam_user_load(r->v, r->arg[0], &u);
		if (st == CF_E_NOT_FOUND)
			r->code = "ERR_UNKNOWN_USER_ID";
		if (st != CF_OK)
			return ctl_fail(r, r->arg[0], st);
		if (!u.is_service) {
			fprintf(stderr,
			    "cofferctl: %s %s: not a service account "
			    "(user-del removes users)\n",
			    r->cmd, r->arg[0]);
			return CTL_FAIL;
		}
	}
	st = iam_user_delete(r->v, r->arg[0], &r->code);
	user_path(path, sizeof(path), r->arg[0]);
	ctl_audit(r, "DELETE", path, st, 204);
	return st == CF_OK ? CTL_OK : ctl_fail(r, r->arg[0], st);
}

static int
cmd_user_del(struct ctl_run *r)
{
	return user_del(r, 0);
}

static int
cmd_sa_del(struct ctl_run *r)
{
	return user_del(r, 1);
}

/* Member k of object o as text ("" when absent). */
static const char *
member(struct json_object *o, const char *k)
{
	const char *s = json_object_get_string(json_object_object_get(o, k));

	return s != NULL ? s : "";
}

/* A description on one line: control bytes shown as '?'. */
static void
print_text(const char *s)
{
	for (; *s != '\0'; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

/* "uid<TAB>description" per account of the kind asked for. */
static int
user_list(struct ctl_run *r, int services)
{
	struct json_object *o = NULL, *a, *e;
	enum cf_status st;
	size_t i, n;

	if (ctl_ready(r) != CTL_OK)
		return CTL_FAIL;
	if ((st = iam_user_list(r->v, services, &o)) != CF_OK)
		return ctl_fail(r, "", st);
	a = json_object_object_get(o, "array");
	n = a != NULL ? json_object_array_length(a) : 0;
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(a, i);
		printf("%s\t", member(e, "uid"));
		print_text(member(e, "description"));
		putchar('\n');
	}
	json_object_put(o);
	return CTL_OK;
}

static int
cmd_user_list(struct ctl_run *r)
{
	return user_list(r, 0);
}

static int
cmd_sa_list(struct ctl_run *r)
{
	return user_list(r, 1);
}

/* ---- groups ---- */

static int
cmd_group_add(struct ctl_run *r)
{
	char path[CTL_PATH_MAX];
	enum cf_status st;
	int rc;

	if ((rc = check_id(r, r->arg[0], 1)) != CTL_OK ||
	    (rc = check_desc(r)) != CTL_OK || (rc = ctl_ready(r)) != CTL_OK)
		return rc;
	st = iam_group_create(r->v, r->arg[0], r->desc, &r->code);
	snprintf(path, sizeof(path), IAM_API "/groups/%s", r->arg[0]);
	ctl_audit(r, "PUT", path, st, 201);
	return st == CF_OK ? CTL_OK : ctl_fail(r, r->arg[0], st);
}

static int
cmd_group_del(struct ctl_run *r)
{
	char path[CTL_PATH_MAX];
	enum cf_status st;
	int rc;

	if ((rc = check_id(r, r->arg[0], 1)) != CTL_OK ||
	    (rc = ctl_ready(r)) != CTL_OK)
		return rc;
	st = iam_group_delete(r->v, r->arg[0], &r->code);
	snprintf(path, sizeof(path), IAM_API "/groups/%s", r->arg[0]);
	ctl_audit(r, "DELETE", path, st, 204);
	return st == CF_OK ? CTL_OK : ctl_fail(r, r->arg[0], st);
}

static int
member_change(struct ctl_run *r, int add)
{
	char path[CTL_PATH_MAX];
	enum cf_status st;
	int rc;

	if ((rc = check_id(r, r->arg[0], 1)) != CTL_OK ||
	    (rc = check_id(r, r->arg[1], 0)) != CTL_OK ||
	    (rc = ctl_ready(r)) != CTL_OK)
		return rc;
	st = iam_group_member(r->v, r->arg[0], r->arg[1], add, &r->code);
	snprintf(path, sizeof(path), IAM_API "/groups/%s/users/%s", r->arg[0],
	    r->arg[1]);
	ctl_audit(r, add ? "PUT" : "DELETE", path, st, 204);
	return st == CF_OK ? CTL_OK : ctl_fail(r, r->arg[1], st);
}

static int
cmd_group_member_add(struct ctl_run *r)
{
	return member_change(r, 1);
}

static int
cmd_group_member_del(struct ctl_run *r)
{
	return member_change(r, 0);
}

/* ---- grants ---- */

/* RID ACTION ID: checked by the API's rules; *actions the action's bits. */
static int
grant_args(struct ctl_run *r, unsigned *actions)
{
	int rc;

	if (!iam_rid_valid(r->arg[0]))
		return ctl_bad(r, "resource id",
		    "[A-Za-z0-9:._@*-] and /, 1 to 600 characters");
	if ((*actions = iam_action_parse(r->arg[1])) == 0)
		return ctl_bad(
		    r, "action", "create, read, update, delete or full");
	if ((rc = check_id(r, r->arg[2], r->group)) != CTL_OK)
		return rc;
	return ctl_ready(r);
}

static void
grant_path(struct ctl_run *r, char *path, size_t len)
{
	snprintf(path, len, IAM_API "/acls/");
	path_add(path, len, r->arg[0], 1);
	path_add(path, len, r->group ? "/groups/" : "/users/", 0);
	path_add(path, len, r->arg[2], 0);
	path_add(path, len, "/", 0);
	path_add(path, len, r->arg[1], 0);
}

/* The grantee must exist before an ACL is made for it, so that a grant to
 * nobody leaves nothing behind. */
static enum cf_status
grantee_exists(struct ctl_run *r)
{
	struct json_object *g = NULL;
	struct iam_user u;
	enum cf_status st;

	if (r->group) {
		st = iam_group_get(r->v, r->arg[2], &g);
		json_object_put(g);
	} else
		st = iam_user_load(r->v, r->arg[2], &u);
	if (st == CF_E_NOT_FOUND)
		r->code =
		    r->group ? "ERR_UNKNOWN_GROUP_ID" : "ERR_UNKNOWN_USER_ID";
	return st;
}

/* As the DC/OS CLI does, grant makes the ACL it needs (PUT /acls/{rid}),
 * and then the grant. */
static enum cf_status
grant_making_acl(struct ctl_run *r, unsigned actions)
{
	char who = r->group ? 'g' : 'u', path[CTL_PATH_MAX];
	enum cf_status st;

	st = iam_grant(r->v, r->arg[0], who, r->arg[2], actions, 1, &r->code);
	if (st != CF_E_BAD_REQUEST || r->code == NULL ||
	    strcmp(r->code, "ERR_UNKNOWN_RESOURCE_ID") != 0)
		return st;
	r->code = NULL;
	st = iam_acl_create(r->v, r->arg[0], r->desc, &r->code);
	snprintf(path, sizeof(path), IAM_API "/acls/");
	path_add(path, sizeof(path), r->arg[0], 1);
	ctl_audit(r, "PUT", path, st, 201);
	/* Another process may have made it meanwhile: as good. */
	if (st != CF_OK && st != CF_E_CONFLICT)
		return st;
	r->code = NULL;
	return iam_grant(r->v, r->arg[0], who, r->arg[2], actions, 1, &r->code);
}

static int
grant(struct ctl_run *r, int add)
{
	char path[CTL_PATH_MAX];
	unsigned actions;
	enum cf_status st;
	int rc;

	if ((rc = grant_args(r, &actions)) != CTL_OK ||
	    (rc = check_desc(r)) != CTL_OK)
		return rc;
	if (add && (st = grantee_exists(r)) != CF_OK)
		return ctl_fail(r, r->arg[2], st);
	st = add ? grant_making_acl(r, actions)
	         : iam_grant(r->v, r->arg[0], r->group ? 'g' : 'u', r->arg[2],
	               actions, 0, &r->code);
	grant_path(r, path, sizeof(path));
	ctl_audit(r, add ? "PUT" : "DELETE", path, st, 204);
	return st == CF_OK ? CTL_OK : ctl_fail(r, r->arg[0], st);
}

static int
cmd_grant(struct ctl_run *r)
{
	return grant(r, 1);
}

static int
cmd_revoke(struct ctl_run *r)
{
	return grant(r, 0);
}

/* "rid actions[ group gid]" per entry of the permissions answer, the
 * actions comma-separated. */
static void
print_grants(struct json_object *a, int groups)
{
	struct json_object *e, *acts;
	size_t i, j, n, m;

	n = a != NULL ? json_object_array_length(a) : 0;
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(a, i);
		printf("%s ", member(e, "rid"));
		acts = json_object_object_get(e, "actions");
		m = acts != NULL ? json_object_array_length(acts) : 0;
		for (j = 0; j < m; j++)
			printf("%s%s", j ? "," : "",
			    member(json_object_array_get_idx(acts, j), "name"));
		if (groups)
			printf(" group %s", member(e, "gid"));
		putchar('\n');
	}
}

static int
cmd_grants(struct ctl_run *r)
{
	struct json_object *o = NULL;
	enum cf_status st;
	int rc;

	if ((rc = check_id(r, r->arg[0], 0)) != CTL_OK ||
	    (rc = ctl_ready(r)) != CTL_OK)
		return rc;
	st = iam_user_permissions(r->v, r->arg[0], &o);
	if (st == CF_E_NOT_FOUND)
		r->code = "ERR_UNKNOWN_USER_ID";
	if (st != CF_OK)
		return ctl_fail(r, r->arg[0], st);
	print_grants(json_object_object_get(o, "direct"), 0);
	print_grants(json_object_object_get(o, "groups"), 1);
	json_object_put(o);
	return CTL_OK;
}

/* ---- the table ---- */

static const struct ctl_cmd ctl_cmds[] = {
    {"user-add", 1, OPT_DESC | OPT_PWFILE | OPT_PWSTDIN, cmd_user_add,
        "UID [--description D] [--password-file F | --password-stdin]",
        "Create a user who logs in with a password (asked, or read from "
        "the file or stdin).",
        "added user $1"},
    {"user-passwd", 1, OPT_PWFILE | OPT_PWSTDIN, cmd_user_passwd,
        "UID [--password-file F | --password-stdin]",
        "Change a user's password.", "changed the password of $1"},
    {"user-del", 1, 0, cmd_user_del, "UID",
        "Remove a user or service account, and its grants.", "removed $1"},
    {"user-list", 0, 0, cmd_user_list, "",
        "List the users: uid, a tab, description.", NULL},
    {"sa-add", 1, OPT_DESC | OPT_PKFILE, cmd_sa_add,
        "UID --public-key-file F [--description D]",
        "Create a service account that logs in with the RSA key whose "
        "public half is in F.",
        "added service account $1"},
    {"sa-del", 1, 0, cmd_sa_del, "UID",
        "Remove a service account (never a user).",
        "removed service account $1"},
    {"sa-list", 0, 0, cmd_sa_list, "",
        "List the service accounts: uid, a tab, description.", NULL},
    {"group-add", 1, OPT_DESC, cmd_group_add, "GID [--description D]",
        "Create a group.", "added group $1"},
    {"group-del", 1, 0, cmd_group_del, "GID", "Remove a group, and its grants.",
        "removed group $1"},
    {"group-member-add", 2, 0, cmd_group_member_add, "GID UID",
        "Put a user into a group: it gets the group's grants.",
        "added $2 to group $1"},
    {"group-member-del", 2, 0, cmd_group_member_del, "GID UID",
        "Take a user out of a group.", "removed $2 from group $1"},
    {"grant", 3, OPT_GROUP | OPT_DESC, cmd_grant,
        "[--group] RID ACTION UID|GID [--description D]",
        "Allow a user (or group) an action (create, read, update, delete, "
        "full) on a resource id.",
        "granted $2 on $1 to $4 $3"},
    {"revoke", 3, OPT_GROUP, cmd_revoke, "[--group] RID ACTION UID|GID",
        "Take back an action granted on a resource id.",
        "revoked $2 on $1 from $4 $3"},
    {"grants", 1, 0, cmd_grants, "UID",
        "List a user's permissions, its own and its groups', superuser "
        "included.",
        NULL},
};

#define CTL_NCMDS (sizeof(ctl_cmds) / sizeof(*ctl_cmds))

/* An option with a value: 1 if argv[*i] is name and allowed (value taken). */
static int
opt_value(unsigned opts, unsigned bit, const char *name, int argc, char **argv,
    int *i, const char **out)
{
	if (!(opts & bit) || strcmp(argv[*i], name) != 0 || *i + 1 >= argc ||
	    *out != NULL)
		return 0;
	*out = argv[++*i];
	return 1;
}

/* argv after the command: its options anywhere, then exactly c->nargs
 * arguments ("--" ends the options).  0, or -1 for a usage error. */
static int
parse_args(const struct ctl_cmd *c, int argc, char **argv, struct ctl_run *r)
{
	int i, n = 0, opts = 1;

	for (i = 1; i < argc; i++) {
		if (opts && !strcmp(argv[i], "--"))
			opts = 0;
		else if (opts &&
		         (opt_value(c->opts, OPT_DESC, "--description", argc,
		              argv, &i, &r->desc) ||
		             opt_value(c->opts, OPT_PWFILE, "--password-file",
		                 argc, argv, &i, &r->pwfile) ||
		             opt_value(c->opts, OPT_PKFILE, "--public-key-file",
		                 argc, argv, &i, &r->pkfile)))
			continue;
		else if (opts && (c->opts & OPT_PWSTDIN) &&
		         !strcmp(argv[i], "--password-stdin"))
			r->pwstdin = 1;
		else if (opts && (c->opts & OPT_GROUP) &&
		         !strcmp(argv[i], "--group"))
			r->group = 1;
		else if (opts && argv[i][0] == '-')
			return -1;
		else if (n < c->nargs)
			r->arg[n++] = argv[i];
		else
			return -1;
	}
	if (r->pwfile != NULL && r->pwstdin)
		return -1;
	return n == c->nargs ? 0 : -1;
}

/* A command's summary: done with its $N filled in (see ctl_cmd). */
static void
print_done(const struct ctl_run *r, const char *done)
{
	const char *s;

	for (s = done; *s != '\0'; s++) {
		if (s[0] == '$' && s[1] >= '1' && s[1] <= '0' + CTL_MAX_ARGS &&
		    r->arg[s[1] - '1'] != NULL)
			fputs(r->arg[*++s - '1'], stdout);
		else if (s[0] == '$' && s[1] == '0' + CTL_MAX_ARGS + 1) {
			fputs(r->group ? "group" : "user", stdout);
			s++;
		} else
			putchar(*s);
	}
	putchar('\n');
}

void
ctl_iam_usage(FILE *f)
{
	size_t i;

	for (i = 0; i < CTL_NCMDS; i++)
		ctl_help_line(
		    f, ctl_cmds[i].name, ctl_cmds[i].usage, ctl_cmds[i].what);
}

int
ctl_iam_help(FILE *f, const char *name)
{
	size_t i;

	for (i = 0; i < CTL_NCMDS; i++)
		if (!strcmp(name, ctl_cmds[i].name)) {
			ctl_help_line(f, ctl_cmds[i].name, ctl_cmds[i].usage,
			    ctl_cmds[i].what);
			return 0;
		}
	return -1;
}

int
ctl_iam_run(struct vault *v, const struct cf_config *cfg, int argc, char **argv)
{
	const struct ctl_cmd *c = NULL;
	struct ctl_run r;
	size_t i;
	int rc;

	for (i = 0; i < CTL_NCMDS; i++)
		if (!strcmp(argv[0], ctl_cmds[i].name))
			c = &ctl_cmds[i];
	if (c == NULL)
		return -1;
	memset(&r, 0, sizeof(r));
	r.v = v;
	r.cmd = c->name;
	if (parse_args(c, argc, argv, &r) != 0) {
		fprintf(stderr, "usage: cofferctl [-c config] %s%s%s\n",
		    c->name, *c->usage ? " " : "", c->usage);
		return CTL_USAGE;
	}
	/* Unset, the log is stderr, as for the programs. */
	if ((r.audit_fd = audit_open(cfg->audit_log)) == -1)
		return CTL_FAIL;
	rc = c->fn(&r);
	if (rc == CTL_OK && c->done != NULL)
		print_done(&r, c->done);
	if (r.audit_fd != STDERR_FILENO)
		close(r.audit_fd);
	return rc;
}
