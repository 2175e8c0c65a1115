/*
 * routes_doc.c: a route table as Markdown (routes_doc.h).
 */
#include <stdio.h>

#include "app/routes_doc.h"
#include "base/http.h"

#define ROUTES_DOC_METHODS 64 /* "GET, HEAD, PUT, POST, PATCH, DELETE" */

static const char *const dialect_names[] = {
    [CF_D_DCOS] = "DC/OS",
    [CF_D_PATH] = "path API",
    [CF_D_DAPR] = "Dapr",
    [CF_D_SENSU] = "Sensu",
    [CF_D_CFSSL] = "CFSSL",
    [CF_D_PLAIN] = "plain text",
    [CF_D_SENSU_MW] = "Sensu (authentication)",
    [CF_D_VAULT] = "Vault KV",
    [CF_D_ACME] = "ACME",
};

static const char *
dialect_name(enum cf_dialect d)
{
	if ((size_t)d >= sizeof(dialect_names) / sizeof(dialect_names[0]) ||
	    dialect_names[d] == NULL)
		return "?";
	return dialect_names[d];
}

/* "/a/b/c" from the prefix, and how many segments may follow it. */
static void
print_path(FILE *f, const struct cf_route *r)
{
	size_t i;

	fputs("`", f);
	for (i = 0; i < ROUTE_MAX_PREFIX && r->prefix[i] != NULL; i++)
		fprintf(f, "/%s", r->prefix[i]);
	fputs("`", f);
	if (r->maxargs == 0)
		return;
	if (r->minargs == r->maxargs)
		fprintf(f, " + %zu segment%s", r->minargs,
		    r->minargs == 1 ? "" : "s");
	else
		fprintf(f, " + %zu to %zu segments", r->minargs, r->maxargs);
}

static const char *
credential(const struct cf_route *r)
{
	if (r->flags & ROUTE_PUBLIC)
		return "none";
	return "required";
}

int
routes_doc_print(
    FILE *f, const char *program, const struct cf_route *routes, size_t n)
{
	char methods[ROUTES_DOC_METHODS];
	size_t i;

	fprintf(f, "## %s\n\n", program);
	fputs("| methods | path | dialect | credential | while sealed |\n", f);
	fputs("| --- | --- | --- | --- | --- |\n", f);
	for (i = 0; i < n; i++) {
		fprintf(f, "| %s | ",
		    http_method_allow(
		        routes[i].methods, methods, sizeof(methods)));
		print_path(f, &routes[i]);
		fprintf(f, " | %s | %s | %s |\n",
		    dialect_name(routes[i].dialect), credential(&routes[i]),
		    routes[i].flags & ROUTE_SEALED_OK ? "answers" : "503");
	}
	fputs("\n", f);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
