/*
 * sensu_selector.h: the selector statements of Sensu's response filtering
 * (docs/apis.md#sensu), read from bytes alone: labelSelector and
 * fieldSelector, clauses joined by "&&", each "field op value" with the
 * operators ==, !=, in, notin and matches.
 *
 * A statement is at most SENSU_MAX_SELECTOR bytes and SENSU_MAX_CLAUSES
 * clauses; parsing is linear in its length, and a statement that does not
 * parse whole is refused whole.  A parsed selector owns its strings:
 * sensu_selector_free releases them, whatever the parse returned.
 */
#ifndef COFFER_SENSU_SELECTOR_H
#define COFFER_SENSU_SELECTOR_H

#include <stddef.h>

#define SENSU_MAX_SELECTOR 1024 /* bytes in one selector statement */
#define SENSU_MAX_CLAUSES  16   /* && clauses in one statement */

enum sel_op { SEL_EQ, SEL_NE, SEL_IN, SEL_NOTIN, SEL_MATCHES };

struct sel_clause {
	enum sel_op op;
	char *field; /* the field or label name */
	char **vals; /* the other side: one value, or a [list] */
	size_t nvals;
	int field_is_list; /* "value in field": the field holds a list */
};

struct sensu_selector {
	struct sel_clause c[SENSU_MAX_CLAUSES];
	size_t n;
};

/* A statement of clauses joined by " && " into s (which must be zeroed
 * before the first use); NULL or "" selects all.  0, or -1 if refused. */
int sensu_selector_parse(const char *text, struct sensu_selector *s);
void sensu_selector_free(struct sensu_selector *s);
/* Does one clause hold for the field's value fv (NULL: the resource has
 * no such field)? */
int sensu_clause_match(const struct sel_clause *c, const char *fv);
/* Parse a selector statement and drop it: 0 if a request carrying it
 * would be answered, -1 if it is refused. */
int sensu_selector_valid(const char *text);

#endif
