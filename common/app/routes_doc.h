/*
 * routes_doc.h: a program's route table as Markdown, for docs/routes.md.
 *
 * The table a program hands app_main is the one place that says which
 * URLs it answers, with which methods, in which dialect, to whom and
 * while sealed.  `<program> --routes` prints it (app_main), and
 * tools/routes-doc joins every program's into docs/routes.md, which a
 * test compares with what the built programs print, so the reference
 * cannot drift from the code.
 */
#ifndef COFFER_ROUTES_DOC_H
#define COFFER_ROUTES_DOC_H

#include <stddef.h>
#include <stdio.h>

#include "identity/context.h"

/* A heading for program, then one table row per route.  0, or -1 when
 * writing to f failed. */
int routes_doc_print(
    FILE *f, const char *program, const struct cf_route *routes, size_t n);

#endif
