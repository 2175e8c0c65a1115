/*
 * prefetch.h: the hint a request gives the store before it is
 * authenticated, so that the one secret its route reads comes with the
 * request's first round trip (vault.h: vault_prefetch; backend.h:
 * prefetch), where it would otherwise cost one of its own.
 *
 * Each dialect that reads one secret by URL says which (its *_hint
 * function: the store and path its handler will read, worked out the
 * way the handler does, without a word to the client); this file names
 * them by route.  A hint reads and opens nothing: the record is fetched
 * sealed and opened only by the handler, once the request is allowed to
 * read it, and it dies with the request's read section.  A hint that does
 * not parse is no hint: the handler then answers as it always does.
 */
#ifndef COFFER_PREFETCH_H
#define COFFER_PREFETCH_H

#include "identity/context.h"

/* After the route is found, before authentication (app.c): the hint of
 * ctx's route, if it has one; nothing otherwise. */
void dialect_prefetch(struct cf_ctx *ctx);

#endif
