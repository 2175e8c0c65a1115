/*
 * app.h: the FastCGI loop and router shared by every program.
 *
 * A program is a table of routes and a call to app_main().  For each
 * request app.c parses it (http.c), finds the route (404, or 405 with
 * Allow), refuses plain HTTP from afar, answers 503 while the store is
 * sealed (unless the route works sealed), authenticates the caller (unless
 * the route is public), calls the handler, renders its status in the
 * route's dialect and writes the audit line, which names an API key in
 * the path (ROUTE_KEY_ARG) by its name only, whether or not a route took
 * the request.
 *
 * The process, the route table's lines and the request context are
 * context.h's, so that the modules below take a request without reaching
 * up here; app.c fills them.  Each request is bracketed by
 * vault_request_begin/end, so the seal state is asked of the kernel once
 * per request.
 */
#ifndef COFFER_APP_H
#define COFFER_APP_H

#include <stddef.h>

#include "identity/context.h"

/* Load config, open the store, serve until the web server stops us.
 * `program --routes` prints the route table instead (routes_doc.h) and
 * needs no config; the web servers start the programs without
 * arguments. */
int app_main(int argc, char **argv, const char *program,
    const struct cf_route *routes, size_t nroutes);

#endif
