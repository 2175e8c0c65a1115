/*
 * acl.h: who is calling, and may they do this.
 *
 * acl_authenticate() turns the request's credential into a subject that
 * exists in the store; acl_check() is the gate every handler asks, with a
 * DC/OS resource id ("dcos:secrets:default:/a/b") and an action.  It takes
 * the decision from iam_allowed() (iam.h), the one place the grants are
 * walked, where a grant on a resource covers the resource and everything
 * beneath it on segment boundaries only (a grant on /a/b never covers
 * /a/bc), and records it on the request for its audit line.
 *
 * Subjects are users and service accounts (iam.h), reached through a JWT
 * (token=, Bearer, or the login cookie), a Sensu API key (Key) or the
 * Dapr API token (mapped to the configured dapr_subject).  The Dapr token
 * is daprd's, guarding Dapr's API: it authenticates only on routes of the
 * Dapr dialect (/v1.0/...), and elsewhere is as if absent.  Subjects and
 * grants are read from the store on every decision, so a change takes
 * effect at once in every worker process; what is unchanged since this
 * process last opened it is not opened and parsed again (reccache.h).
 * A refused credential answers in the route's dialect: Sensu's middleware
 * shape ({"Code":5,...}) on Sensu routes, daprd's plain-text "invalid api
 * token" on Dapr routes.
 *
 * Dapr's secret scoping (allowedSecrets, deniedSecrets, defaultAccess per
 * store, from the config) applies on top of the ACL through
 * acl_dapr_allowed().
 *
 * Every login with a password or a service account's token (DC/OS's login,
 * Sensu's Basic credentials) passes the login throttle, by account and by
 * the client's address: acl_login_throttled() before the check,
 * acl_login_note() after it.
 */
#ifndef COFFER_ACL_H
#define COFFER_ACL_H

#include "base/errors.h"
#include "base/limits.h"
#include "identity/iam.h"

struct cf_ctx;

/* CF_OK with ctx->subject set, CF_E_UNAUTHORIZED, or a store error. */
enum cf_status acl_authenticate(struct cf_ctx *ctx);
/* The emergency brake's credential (seal): 1 when the request carries a
 * JWT that this store's token key verifies, with ctx->subject.uid set to
 * the uid it names; else 0.  It reads no sealed record, so it answers
 * whatever state they are in; it says who signed in, not what they may
 * do. */
int acl_token_verified(struct cf_ctx *ctx);
/* CF_OK or CF_E_FORBIDDEN (an unauthenticated request is refused), or a
 * store error; audited through ctx. */
enum cf_status acl_check(
    struct cf_ctx *ctx, const char *rid, enum acl_action action);
/* A question rather than a gate, for a handler whose answer depends on
 * it (does the caller see everyone's API keys, or only its own?): 1 if
 * allowed, 0 if not or on a store error.  Decided and audited exactly as
 * acl_check(). */
int acl_allowed(struct cf_ctx *ctx, const char *rid, enum acl_action action);
const char *acl_action_name(enum acl_action a);

/* 1 when the account uid or the client's address (REMOTE_ADDR) has failed
 * login_max_failures times within login_window (iam_throttle_blocked). */
int acl_login_throttled(struct cf_ctx *ctx, const char *uid);
/* A login's outcome: a success clears the account's count; a failure adds
 * one to the account's (kept from eviction when the account exists) and to
 * the address's. */
void acl_login_note(struct cf_ctx *ctx, const char *uid, int ok);

/* Bytes of a secret's resource id, with its NUL: the longest store and
 * path, "dcos:secrets:list:" and ":/". */
#define ACL_SECRET_RID_MAX (CF_MAX_PATH + CF_MAX_STORE_NAME + 32)
/* The resource id every secrets dialect asks acl_check() about, built
 * here only: "dcos:secrets:{store}:/{path}" for a secret or a folder
 * (path "" is the whole store), "dcos:secrets:list:{store}:/{path}" for
 * the listing of a folder when list is set. */
void acl_secret_rid(char rid[ACL_SECRET_RID_MAX], int list, const char *store,
    const char *path);

/* Dapr's secret scopes for a request: 1 if store may give path.  A
 * denial is an authorization decision like the ACL's, so it is audited
 * ("dapr_scope"). */
int acl_dapr_scope(struct cf_ctx *ctx, const char *store, const char *path);
struct cf_config;
/* Dapr's IsSecretAllowed: 1 if key may be read from store. */
int acl_dapr_allowed(
    const struct cf_config *c, const char *store, const char *key);

#endif
