/*
 * remote.h: a subject the web server authenticated itself.
 *
 * With trust_remote_user on in the config, REMOTE_USER (set by Apache or
 * lighttpd from their own Basic auth, or from a TLS client certificate's
 * CN) names the request's subject; acl_authenticate() loads that subject
 * from the store and authorizes it like any other, so an unknown name is
 * refused.  With it off, REMOTE_USER is ignored.  A client cannot set
 * REMOTE_USER with a header ("Remote-User" arrives as HTTP_REMOTE_USER):
 * only whoever writes to a program's FastCGI socket can, which is why the
 * sockets must belong to the web server alone (README.md).
 *
 * Process safety: reads the request only; no state.
 */
#ifndef COFFER_REMOTE_H
#define COFFER_REMOTE_H

#include "identity/token.h"

struct cf_ctx;

/* 1 and uid set: a trusted, well-formed REMOTE_USER; 0: none, or not
 * trusted; -1: trusted but not a valid uid (refuse the request). */
int remote_user(const struct cf_ctx *ctx, char uid[TOKEN_MAX_UID + 1]);

#endif
