/*
 * acl.h: who is calling, and may they do this.
 *
 * acl_authenticate() turns the request's credential into a subject that
 * exists in the store; acl_check() is the one authorization decision every
 * program calls, with a DC/OS resource id ("dcos:secrets:default:/a/b")
 * and an action.  A grant on a resource covers the resource and everything
 * beneath it on segment boundaries only (a grant on /a/b never covers
 * /a/bc).  Every decision is recorded on the request for its audit line.
 *
 * Today the only subjects are users; the superuser may do anything and
 * other subjects are refused (grants arrive with the IAM API).
 */
#ifndef COFFER_ACL_H
#define COFFER_ACL_H

#include "errors.h"
#include "token.h"

struct cf_ctx;

enum acl_action {
	ACL_CREATE = 1 << 0,
	ACL_READ = 1 << 1,
	ACL_UPDATE = 1 << 2,
	ACL_DELETE = 1 << 3,
	ACL_FULL = 0xf,
};

struct acl_subject {
	char uid[TOKEN_MAX_UID + 1];
	int superuser;
};

/* CF_OK with ctx->subject set, CF_E_UNAUTHORIZED, or a store error. */
enum cf_status acl_authenticate(struct cf_ctx *ctx);
/* CF_OK or CF_E_FORBIDDEN; audited through ctx. */
enum cf_status acl_check(
    struct cf_ctx *ctx, const char *rid, enum acl_action action);
/* Does a grant on `grant` cover `rid`? */
int acl_covers(const char *grant, const char *rid);
const char *acl_action_name(enum acl_action a);

#endif
