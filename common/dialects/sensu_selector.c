/*
 * sensu_selector.c: Sensu's selector statements (see sensu_selector.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "dialects/sensu_selector.h"

void
sensu_selector_free(struct sensu_selector *s)
{
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		free(s->c[i].field);
		for (j = 0; j < s->c[i].nvals; j++)
			free(s->c[i].vals[j]);
		free(s->c[i].vals);
	}
	s->n = 0;
}

/* Trim spaces and one pair of double quotes; malloc'd. */
static char *
sel_word(const char *p, size_t len)
{
	while (len > 0 && isspace((unsigned char)*p)) {
		p++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)p[len - 1]))
		len--;
	if (len >= 2 && p[0] == '"' && p[len - 1] == '"') {
		p++;
		len -= 2;
	}
	return strndup(p, len);
}

static int
sel_add_val(struct sel_clause *c, const char *p, size_t len)
{
	char **nv, *w;

	if ((w = sel_word(p, len)) == NULL)
		return -1;
	if (*w == '\0' ||
	    (nv = reallocarray(c->vals, c->nvals + 1, sizeof(*nv))) == NULL) {
		free(w);
		return -1;
	}
	c->vals = nv;
	c->vals[c->nvals++] = w;
	return 0;
}

/* "a", or "[a, b]" into c->vals. */
static int
sel_values(struct sel_clause *c, const char *p, size_t len)
{
	const char *e;

	while (len > 0 && isspace((unsigned char)*p)) {
		p++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)p[len - 1]))
		len--;
	if (len > 0 && (p[0] == '[') != (p[len - 1] == ']'))
		return -1; /* an unclosed [list */
	if (len < 2 || p[0] != '[')
		return sel_add_val(c, p, len);
	p++;
	len -= 2;
	while (len > 0) {
		e = memchr(p, ',', len);
		if (e == NULL)
			e = p + len;
		if (sel_add_val(c, p, (size_t)(e - p)) != 0)
			return -1;
		len -= (size_t)(e - p) + (e < p + len ? 1 : 0);
		p = e + 1;
	}
	return c->nvals > 0 ? 0 : -1;
}

static int
sel_is_list(const char *p, size_t len)
{
	while (len > 0 && isspace((unsigned char)*p)) {
		p++;
		len--;
	}
	return len > 0 && *p == '[';
}

static int
sel_clause_parse(struct sel_clause *c, const char *p, size_t len)
{
	static const struct {
		const char *text;
		enum sel_op op;
	} ops[] = {{" == ", SEL_EQ}, {" != ", SEL_NE}, {" notin ", SEL_NOTIN},
	    {" in ", SEL_IN}, {" matches ", SEL_MATCHES}};
	const char *o = NULL, *l, *r;
	size_t i, k, ll, rl, ol = 0;
	char buf[SENSU_MAX_SELECTOR + 1];

	memcpy(buf, p, len);
	buf[len] = '\0';
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]) && o == NULL; i++)
		if ((o = strstr(buf, ops[i].text)) != NULL) {
			c->op = ops[i].op;
			ol = strlen(ops[i].text);
		}
	if (o == NULL)
		return -1;
	l = buf;
	ll = (size_t)(o - buf);
	r = o + ol;
	rl = strlen(r);
	/* "value in field" (a string on the left) unless the right is a
	 * [list]: then the field is on the left. */
	if ((c->op == SEL_IN || c->op == SEL_NOTIN) && !sel_is_list(r, rl)) {
		c->field_is_list = 1;
		c->field = sel_word(r, rl);
		k = sel_values(c, l, ll) == 0 && c->nvals == 1;
	} else {
		c->field = sel_word(l, ll);
		k = sel_values(c, r, rl) == 0;
	}
	if (!k || c->field == NULL || *c->field == '\0' ||
	    strpbrk(c->field, " []\"") != NULL)
		return -1;
	return 0;
}

/* A statement of clauses joined by " && "; NULL or "" selects all. */
int
sensu_selector_parse(const char *text, struct sensu_selector *s)
{
	const char *p = text, *e;
	size_t len;

	s->n = 0;
	if (text == NULL || *text == '\0')
		return 0;
	if (strlen(text) > SENSU_MAX_SELECTOR)
		return -1;
	/* Every clause must parse, a last one after a final "&&" too. */
	for (;;) {
		if (s->n == SENSU_MAX_CLAUSES)
			return -1;
		e = strstr(p, "&&");
		len = e ? (size_t)(e - p) : strlen(p);
		/* Counted even when it fails: sensu_selector_free frees what it
		 * got. */
		if (sel_clause_parse(&s->c[s->n++], p, len) != 0)
			return -1;
		if (e == NULL)
			return 0;
		p = e + 2;
	}
}

int
sensu_selector_valid(const char *text)
{
	struct sensu_selector s;
	int r;

	memset(&s, 0,
	    sizeof(s)); /* sensu_selector_parse fills clauses, never clears */
	r = sensu_selector_parse(text, &s);
	sensu_selector_free(&s);
	return r;
}

/* "a,b" or "[a, b]": is v one of the field's items? */
static int
sel_list_has(const char *field, const char *v)
{
	const char *p = field, *e;
	size_t n = strlen(v), len;

	if (*p == '[')
		p++;
	while (*p != '\0' && *p != ']') {
		while (*p == ' ')
			p++;
		e = p + strcspn(p, ",]");
		len = (size_t)(e - p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == n && !strncmp(p, v, n))
			return 1;
		p = *e == ',' ? e + 1 : e;
	}
	return 0;
}

/* Does one clause hold?  get(arg, name) is the field's value or NULL. */
int
sensu_clause_match(const struct sel_clause *c, const char *fv)
{
	size_t i;
	int any = 0;

	switch (c->op) {
	case SEL_EQ:
	case SEL_NE:
		for (i = 0; fv != NULL && i < c->nvals; i++)
			any |= !strcmp(fv, c->vals[i]);
		return c->op == SEL_EQ ? any : !any;
	case SEL_IN:
	case SEL_NOTIN:
		if (fv != NULL && c->field_is_list)
			any = sel_list_has(fv, c->vals[0]);
		for (i = 0; fv != NULL && !c->field_is_list && i < c->nvals;
		     i++)
			any |= !strcmp(fv, c->vals[i]);
		return c->op == SEL_IN ? any : !any;
	case SEL_MATCHES:
		return fv != NULL && strstr(fv, c->vals[0]) != NULL;
	}
	return 0;
}
