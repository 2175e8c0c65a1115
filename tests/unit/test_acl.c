/*
 * test_acl.c: the authorization decision (acl.c, iam.c) against a real
 * store: grants on a path, beneath it, beside it, groups, the wildcard
 * form, revocation, superusers, a group as a subject of its own; Dapr's scoping
 * rules and its token's plain-text refusal; the id rules and the login
 * throttle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "base/config.h"
#include "base/http.h"
#include "base/reply.h"
#include "crypto/crypto.h"
#include "identity/acl.h"
#include "identity/iam.h"
#include "unit.h"
#include "vault/vault.h"

static char dir[] = "/tmp/coffer-acl.XXXXXX";
static char path[256];

static void
test_ids(void)
{
	CHECK(iam_id_valid("Az09@.-_"), "Bouncer's charset");
	CHECK(!iam_id_valid("a!"), "a!");
	CHECK(!iam_id_valid("anonymous"), "reserved");
	CHECK(!iam_id_valid(""), "empty");
	CHECK(iam_rid_valid("dcos:secrets:default:/a/b"), "rid");
	CHECK(!iam_rid_valid("dcos:secrets:default:/a b"), "space");
	CHECK(!iam_rid_valid("dcos:x\"y"), "quote");
	CHECK(iam_action_parse("full") == ACL_FULL, "full");
	CHECK(iam_action_parse("read") == ACL_READ, "read");
	CHECK(iam_action_parse("fly") == 0, "unknown action");
}

static int
allowed(struct vault *v, const char *uid, const char *rid, unsigned a)
{
	int ok = -1;

	if (iam_allowed(v, uid, rid, a, &ok) != CF_OK)
		return -1;
	return ok;
}

static void
test_decisions(struct vault *v)
{
	static const struct {
		int line;
		const char *uid, *rid;
		unsigned action;
		int want;
	} rows[] = {
	    {__LINE__, "admin", "dcos:secrets:default:/any", ACL_FULL, 1},
	    {__LINE__, "al", "dcos:secrets:default:/a/b", ACL_READ, 1},
	    {__LINE__, "al", "dcos:secrets:default:/a/b/c/d", ACL_READ, 1},
	    {__LINE__, "al", "dcos:secrets:default:/a/bc", ACL_READ, 0},
	    {__LINE__, "al", "dcos:secrets:default:/a", ACL_READ, 0},
	    {__LINE__, "al", "dcos:secrets:default:/", ACL_READ, 0},
	    {__LINE__, "al", "dcos:secrets:default:/a/b", ACL_UPDATE, 0},
	    {__LINE__, "al", "dcos:secrets:default:/w/x", ACL_DELETE, 1},
	    {__LINE__, "al", "dcos:secrets:default:/w", ACL_DELETE, 0},
	    {__LINE__, "al", "dcos:adminrouter:ops:ca:ro", ACL_READ,
	        1}, /* rw covers ro */
	    {__LINE__, "al", "dcos:adminrouter:ops:ca:rw", ACL_UPDATE, 0},
	    {__LINE__, "bo", "dcos:secrets:default:/g/s", ACL_READ, 1},
	    {__LINE__, "bo", "dcos:secrets:default:/a/b", ACL_READ, 0},
	    {__LINE__, "bo", "dcos:secrets:list:default:/", ACL_READ, 1},
	    {__LINE__, "bo", "dcos:secrets:list:default:/x/y", ACL_READ, 1},
	    {__LINE__, "ghost", "dcos:secrets:default:/a/b", ACL_READ, 0},
	};
	const char *code = NULL;
	size_t i;

	CHECK(iam_user_create(v, "al", "", "pw-al", NULL, 0, &code) == CF_OK,
	    "create al");
	CHECK(iam_user_create(v, "bo", "", "pw-bo", NULL, 0, &code) == CF_OK,
	    "create bo");
	CHECK(iam_group_create(v, "grp", "", &code) == CF_OK, "group");
	CHECK(iam_group_member(v, "grp", "bo", 1, &code) == CF_OK, "member");
	CHECK(
	    iam_acl_create(v, "dcos:secrets:default:/a/b", "", &code) == CF_OK,
	    "acl");
	CHECK(iam_grant(v, "dcos:secrets:default:/a/b", 'u', "al", ACL_READ, 1,
	          &code) == CF_OK,
	    "grant");
	CHECK(
	    iam_acl_create(v, "dcos:secrets:default:/w/*", "", &code) == CF_OK,
	    "wildcard acl");
	CHECK(iam_grant(v, "dcos:secrets:default:/w/*", 'u', "al", ACL_FULL, 1,
	          &code) == CF_OK,
	    "wildcard grant");
	CHECK(
	    iam_acl_create(v, "dcos:adminrouter:ops:ca:rw", "", &code) == CF_OK,
	    "ca acl");
	CHECK(iam_grant(v, "dcos:adminrouter:ops:ca:rw", 'u', "al", ACL_READ, 1,
	          &code) == CF_OK,
	    "ca grant");
	CHECK(iam_acl_create(v, "dcos:secrets:default:/g", "", &code) == CF_OK,
	    "group acl");
	CHECK(iam_grant(v, "dcos:secrets:default:/g", 'g', "grp", ACL_READ, 1,
	          &code) == CF_OK,
	    "group grant");
	CHECK(iam_acl_create(v, "dcos:secrets:list:default:/", "", &code) ==
	          CF_OK,
	    "list acl");
	CHECK(iam_grant(v, "dcos:secrets:list:default:/", 'g', "grp", ACL_READ,
	          1, &code) == CF_OK,
	    "list grant");
	CHECK(iam_grant(v, "dcos:secrets:default:/nope", 'u', "al", ACL_READ, 1,
	          &code) == CF_E_BAD_REQUEST,
	    "a grant needs its ACL");
	for (i = 0; i < sizeof(rows) / sizeof(*rows); i++)
		CHECK_LINE(rows[i].line,
		    allowed(v, rows[i].uid, rows[i].rid, rows[i].action) ==
		        rows[i].want,
		    "decision");

	/* Revocation and group removal take effect on the next decision. */
	CHECK(iam_grant(v, "dcos:secrets:default:/a/b", 'u', "al", ACL_READ, 0,
	          &code) == CF_OK,
	    "revoke");
	CHECK(allowed(v, "al", "dcos:secrets:default:/a/b", ACL_READ) == 0,
	    "revoked");
	CHECK(iam_group_member(v, "grp", "bo", 0, &code) == CF_OK, "leave");
	CHECK(allowed(v, "bo", "dcos:secrets:default:/g/s", ACL_READ) == 0,
	    "left the group");

	/* Superuser by grant; the last one stays. */
	CHECK(iam_grant(v, IAM_SUPERUSER_RID, 'u', "bo", ACL_FULL, 1, &code) ==
	          CF_OK,
	    "grant superuser");
	CHECK(allowed(v, "bo", "dcos:secrets:default:/zzz", ACL_DELETE) == 1,
	    "superuser by grant");
	CHECK(iam_user_delete(v, "admin", &code) == CF_OK, "admin removed");
	code = NULL;
	CHECK(iam_user_delete(v, "bo", &code) == CF_E_BAD_REQUEST &&
	          code != NULL && !strcmp(code, "ERR_NO_MORE_SUPERUSERS"),
	    "the last superuser stays");
	CHECK(iam_grant(v, IAM_SUPERUSER_RID, 'u', "bo", ACL_FULL, 0, &code) ==
	          CF_E_BAD_REQUEST,
	    "nor loses the grant");
}

/* A group as a subject of its own (an ACME EAB key's team): its grants
 * only, never a member's. */
static void
test_group_decisions(struct vault *v)
{
	static const struct {
		int line;
		const char *gid, *rid;
		unsigned action;
		int want;
	} rows[] = {
	    {__LINE__, "grp", "dcos:secrets:default:/g/s", ACL_READ, 1},
	    {__LINE__, "grp", "dcos:secrets:default:/a/b", ACL_READ, 0},
	    {__LINE__, "grp", "dcos:acme:dns:/com/example", ACL_CREATE, 1},
	    {__LINE__, "grp", "dcos:acme:dns:/com/example/www", ACL_CREATE, 1},
	    {__LINE__, "grp", "dcos:acme:dns:/com/examplex", ACL_CREATE, 0},
	    {__LINE__, "grp", "dcos:acme:dns:/com", ACL_CREATE, 0},
	    {__LINE__, "grp", "dcos:acme:dns:/com/example", ACL_DELETE, 0},
	    {__LINE__, "admins", "dcos:acme:dns:/org/any", ACL_CREATE, 1},
	    {__LINE__, "nogroup", "dcos:secrets:default:/g/s", ACL_READ, 0},
	};
	const char *code = NULL;
	size_t i;
	int ok;

	CHECK(
	    iam_acl_create(v, "dcos:acme:dns:/com/example", "", &code) == CF_OK,
	    "acme acl");
	CHECK(iam_grant(v, "dcos:acme:dns:/com/example", 'g', "grp", ACL_CREATE,
	          1, &code) == CF_OK,
	    "acme grant");
	CHECK(iam_group_create(v, "admins", "", &code) == CF_OK, "admins");
	CHECK(iam_grant(v, IAM_SUPERUSER_RID, 'g', "admins", ACL_FULL, 1,
	          &code) == CF_OK,
	    "a superuser group");
	for (i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		ok = -1;
		CHECK_LINE(rows[i].line,
		    iam_group_allowed(v, rows[i].gid, rows[i].rid,
		        rows[i].action, &ok) == CF_OK &&
		        ok == rows[i].want,
		    "the group's decision");
	}
}

static void
test_passwords(struct vault *v)
{
	CHECK(iam_login_password(v, "al", "pw-al", 5) == CF_OK, "right");
	CHECK(iam_login_password(v, "al", "pw-al!", 6) == CF_E_UNAUTHORIZED,
	    "wrong");
	CHECK(iam_login_password(v, "ghost", "pw", 2) == CF_E_UNAUTHORIZED,
	    "unknown");
}

static void
test_dapr_scope(void)
{
	static const struct {
		int line;
		const char *store, *key;
		int want;
	} rows[] = {
	    {__LINE__, "vault", "secret1", 1},
	    {__LINE__, "vault", "secret3", 0}, /* only the allowed list */
	    {__LINE__, "vault", "Secret1", 0}, /* case-sensitive */
	    {__LINE__, "local", "redis-password", 0},
	    {__LINE__, "local", "other", 1},
	    {__LINE__, "both", "x", 1},   /* allowed wins over denied */
	    {__LINE__, "both", "y", 0},   /* not in allowed */
	    {__LINE__, "closed", "a", 0}, /* defaultAccess deny */
	    {__LINE__, "unscoped", "a", 1},
	};
	struct cf_config c;
	size_t i;

	config_defaults(&c);
	c.ndapr_scopes = 4;
	snprintf(c.dapr_scope[0].store, 65, "vault");
	c.dapr_scope[0].deny = 1;
	snprintf(c.dapr_scope[0].allowed, 1024, "secret1,secret2");
	snprintf(c.dapr_scope[1].store, 65, "local");
	snprintf(c.dapr_scope[1].denied, 1024, "redis-password");
	snprintf(c.dapr_scope[2].store, 65, "both");
	snprintf(c.dapr_scope[2].allowed, 1024, "x");
	snprintf(c.dapr_scope[2].denied, 1024, "x,y");
	snprintf(c.dapr_scope[3].store, 65, "closed");
	c.dapr_scope[3].deny = 1;
	for (i = 0; i < sizeof(rows) / sizeof(*rows); i++)
		CHECK_LINE(rows[i].line,
		    acl_dapr_allowed(&c, rows[i].store, rows[i].key) ==
		        rows[i].want,
		    "scope");
}

/* acl_authenticate of a GET with the one header hdr ("HTTP_X=value"):
 * ctx, req and resp are the caller's, zeroed here; resp is freed by the
 * caller, and req names hdr only during the call. */
static enum cf_status
authenticate(struct cf_app *app, char *hdr, enum cf_dialect d,
    struct cf_ctx *ctx, struct cf_req *req, struct cf_resp *resp)
{
	char *envp[] = {"REQUEST_METHOD=GET", hdr, NULL};
	enum cf_status st;

	memset(req, 0, sizeof(*req));
	memset(resp, 0, sizeof(*resp));
	memset(ctx, 0, sizeof(*ctx));
	req->envp = envp;
	ctx->app = app;
	ctx->req = req;
	ctx->resp = resp;
	ctx->dialect = d;
	st = acl_authenticate(ctx);
	req->envp = NULL;
	return st;
}

/* acl_authenticate with only a dapr-api-token header. */
static void
test_dapr_token(struct vault *v)
{
	static const struct {
		int line;
		const char *token;
		enum cf_dialect d;
		enum cf_status want;
		const char *body;
	} rows[] = {
	    {__LINE__, "right-token", CF_D_DAPR, CF_OK, NULL},
	    {__LINE__, "wrong-token", CF_D_DAPR, CF_E_UNAUTHORIZED,
	        "invalid api token\n"},
	    {__LINE__, "right-tokeN", CF_D_DAPR, CF_E_UNAUTHORIZED,
	        "invalid api token\n"},
	    /* Outside Dapr's API the token is no credential at all, right
	     * or wrong. */
	    {__LINE__, "wrong-token", CF_D_SENSU, CF_E_UNAUTHORIZED,
	        "{\"Code\":5,\"Message\":\"bad credentials\"}"},
	    {__LINE__, "right-token", CF_D_SENSU, CF_E_UNAUTHORIZED,
	        "{\"Code\":5,\"Message\":\"bad credentials\"}"},
	    {__LINE__, "right-token", CF_D_DCOS, CF_E_UNAUTHORIZED,
	        "{\"title\":\"401 Unauthorized\",\"description\":\"client is "
	        "not authenticated\",\"code\":\"ERR_UNAUTHORIZED\"}"},
	};
	struct cf_app app;
	struct cf_req req;
	struct cf_resp resp;
	struct cf_ctx ctx;
	char hdr[128];
	size_t i;
	enum cf_status st;

	memset(&app, 0, sizeof(app));
	config_defaults(&app.cfg);
	app.vault = v;
	crypto_sha256("right-token", 11, app.cfg.dapr_token_sha256);
	app.cfg.dapr_token_set = 1;
	snprintf(app.cfg.dapr_subject, sizeof(app.cfg.dapr_subject), "al");
	for (i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		snprintf(
		    hdr, sizeof(hdr), "HTTP_DAPR_API_TOKEN=%s", rows[i].token);
		st = authenticate(&app, hdr, rows[i].d, &ctx, &req, &resp);
		CHECK_LINE(rows[i].line, st == rows[i].want, "status");
		if (st == CF_OK) {
			CHECK_LINE(rows[i].line,
			    !strcmp(ctx.subject.uid, "al") && ctx.authenticated,
			    "the configured subject");
			continue;
		}
		reply_error(&resp, ctx.dialect, st, ctx.detail);
		CHECK_LINE(rows[i].line, resp.status == 401, "401");
		CHECK_LINE(rows[i].line,
		    resp.body.len == strlen(rows[i].body) &&
		        !memcmp(resp.body.data, rows[i].body, resp.body.len),
		    "body in the product's words");
		http_resp_free(&resp);
	}
}

static void
test_throttle(void)
{
	int64_t now = 1000000;

	CHECK(!iam_throttle_blocked(path, "u:t", 3, 60, now), "fresh");
	iam_throttle_fail(path, "u:t", 1, 60, now);
	iam_throttle_fail(path, "u:t", 1, 60, now);
	CHECK(!iam_throttle_blocked(path, "u:t", 3, 60, now), "two");
	iam_throttle_fail(path, "u:t", 1, 60, now);
	CHECK(iam_throttle_blocked(path, "u:t", 3, 60, now), "three");
	CHECK(!iam_throttle_blocked(path, "u:other", 3, 60, now), "per key");
	CHECK(!iam_throttle_blocked(path, "u:t", 3, 60, now + 61),
	    "the window passes");
	iam_throttle_reset(path, "u:t");
	CHECK(!iam_throttle_blocked(path, "u:t", 3, 60, now), "reset");
	CHECK(
	    iam_throttle_blocked("/nonexistent/dir/coffer", "u:t", 3, 60, now),
	    "a throttle file that cannot be opened fails closed");
}

/* The throttle file's layout, as iam.c keeps it: "cfthrot1", the key. */
#define THR_T_MAGICLEN 8
#define THR_T_KEYLEN   32
#define THR_T_SLOTS    1024
#define THR_T_PROBE    16
#define THR_T_NAMELEN  32

/* The window of key in the 1,024-slot table, with the file's own key. */
static size_t
thr_window(const uint8_t *k, const char *key)
{
	uint8_t h[32];
	uint64_t idx;

	if (crypto_hmac_sha256(k, THR_T_KEYLEN, key, strlen(key), h) != 0)
		return (size_t)-1;
	memcpy(&idx, h, sizeof(idx));
	return (size_t)(idx % THR_T_SLOTS);
}

/* The n-th name after *from (prefix and a number) in key's window. */
static void
thr_neighbour(const uint8_t *k, const char *key, const char *prefix,
    unsigned *from, char name[THR_T_NAMELEN])
{
	size_t want = thr_window(k, key);

	do
		snprintf(name, THR_T_NAMELEN, "%s%u", prefix, (*from)++);
	while (thr_window(k, name) != want);
}

/*
 * Even one who knew the file's key, and so which names share an
 * account's window, cannot erase the account's count with failures under
 * names that are no account; and a window full of live account counts
 * throttles a name that has no room, rather than letting it go uncounted.
 */
static void
test_throttle_eviction(void)
{
	uint8_t head[THR_T_MAGICLEN + THR_T_KEYLEN];
	char tpath[300], name[THR_T_NAMELEN];
	int64_t now = 2000000;
	unsigned i, from = 0, blocked = 0;
	FILE *f;

	iam_throttle_fail(path, "u:carol", 1, 60, now);
	snprintf(tpath, sizeof(tpath), "%s.throttle", path);
	if ((f = fopen(tpath, "rb")) == NULL ||
	    fread(head, 1, sizeof(head), f) != sizeof(head)) {
		CHECK(0, "the throttle file's key");
		if (f != NULL)
			fclose(f);
		return;
	}
	fclose(f);
	iam_throttle_fail(path, "u:carol", 1, 60, now);
	iam_throttle_fail(path, "u:carol", 1, 60, now);
	CHECK(iam_throttle_blocked(path, "u:carol", 3, 60, now), "carol");
	for (i = 0; i < 4 * THR_T_PROBE; i++) {
		thr_neighbour(
		    head + THR_T_MAGICLEN, "u:carol", "u:ghost", &from, name);
		iam_throttle_fail(path, name, 0, 60, now);
	}
	CHECK(iam_throttle_blocked(path, "u:carol", 3, 60, now),
	    "carol's count outlives failures of non-accounts in her window");
	from = 0;
	for (i = 0; i < THR_T_PROBE; i++) {
		thr_neighbour(
		    head + THR_T_MAGICLEN, "u:carol", "u:acct", &from, name);
		iam_throttle_fail(path, name, 1, 60, now);
	}
	CHECK(iam_throttle_blocked(path, "u:carol", 3, 60, now),
	    "nor failures of other accounts");
	for (i = 0; i < THR_T_PROBE; i++) {
		thr_neighbour(
		    head + THR_T_MAGICLEN, "u:carol", "u:late", &from, name);
		blocked += iam_throttle_blocked(path, name, 3, 60, now);
	}
	CHECK(blocked == THR_T_PROBE, "no room left: throttled");
	CHECK(!iam_throttle_blocked(path, "u:late0", 3, 60, now + 61) &&
	          !iam_throttle_blocked(path, "u:carol", 3, 60, now + 61),
	    "once the window of time passes, room again");
}

/* acl_authenticate with a token of uid naming incarnation inc. */
static enum cf_status
auth_with_token(struct vault *v, const char *uid, const char *inc)
{
	struct cf_app app;
	struct cf_req req;
	struct cf_resp resp;
	struct cf_ctx ctx;
	char *jwt = NULL, *hdr = NULL;
	enum cf_status st;

	if (iam_token_mint(v, uid, inc, (int64_t)time(NULL), 3600, &jwt) !=
	        CF_OK ||
	    asprintf(&hdr, "HTTP_AUTHORIZATION=token=%s", jwt) == -1) {
		free(jwt);
		return CF_E_INTERNAL;
	}
	memset(&app, 0, sizeof(app));
	config_defaults(&app.cfg);
	app.vault = v;
	st = authenticate(&app, hdr, CF_D_DCOS, &ctx, &req, &resp);
	http_resp_free(&resp);
	free(hdr);
	free(jwt);
	return st;
}

/*
 * A token reaches only the incarnation of its user it was issued to.  A
 * record made before incarnations existed has none, and only tokens that
 * name none (made by the same older version) reach it.
 */
static void
test_incarnation(struct vault *v)
{
	static const char old_user[] =
	    "{\"uid\":\"olduser\",\"description\":\"\",\"groups\":[]}";
	struct iam_user u;
	const char *code = NULL;
	char other[TOKEN_INC_LEN + 1];

	CHECK(vault_write_begin(v) == CF_OK &&
	          vault_put(v, RECORD_USER, "u:olduser", old_user,
	              sizeof(old_user) - 1) == CF_OK &&
	          vault_commit(v) == CF_OK,
	    "a record of an older version");
	CHECK(auth_with_token(v, "olduser", "") == CF_OK,
	    "an old token reaches an old record");
	CHECK(token_incarnation_new(other) == 0 &&
	          auth_with_token(v, "olduser", other) == CF_E_UNAUTHORIZED,
	    "a token naming an incarnation does not");
	CHECK(
	    iam_user_create(v, "newuser", "", "pw", NULL, 0, &code) == CF_OK &&
	        iam_user_load(v, "newuser", &u) == CF_OK &&
	        strlen(u.incarnation) == TOKEN_INC_LEN,
	    "a new user has an incarnation");
	CHECK(auth_with_token(v, "newuser", u.incarnation) == CF_OK,
	    "its own token");
	CHECK(auth_with_token(v, "newuser", "") == CF_E_UNAUTHORIZED,
	    "a token naming none does not reach it");
	CHECK(auth_with_token(v, "newuser", other) == CF_E_UNAUTHORIZED,
	    "nor one naming another");
}

int
main(void)
{
	struct vault_init_result r;
	struct vault *v = NULL;
	char *root_token = NULL;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/coffer.db", dir);
	test_ids();
	test_dapr_scope();
	test_throttle();
	test_throttle_eviction();
	CHECK(vault_open(path, &v) == 0, "open");
	CHECK(v != NULL &&
	          iam_init(v, 1, 1, 3600, NULL, 0, &r, &root_token) == CF_OK,
	    "init");
	CHECK(root_token != NULL, "the superuser's first token");
	if (v != NULL && r.nshares == 1) {
		CHECK(vault_unlock(v, r.shares_hex, 1) == CF_OK, "unlock");
		test_decisions(v);
		test_group_decisions(v);
		test_passwords(v);
		test_dapr_token(v);
		test_incarnation(v);
		/* No keyholder key was set: vault_unlock is this process's. */
		vault_init_result_free(&r);
	}
	free(root_token);
	vault_close(v);
	unit_rmtree(dir);
	return unit_done();
}
