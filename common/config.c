/* config.c: see config.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http.h"
#include "limits.h"
#include "log.h"

void
config_defaults(struct cf_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->store, sizeof(c->store), "/var/lib/coffer/coffer.db");
	c->body_limit = CF_MAX_BODY;
	c->token_lifetime = CF_TOKEN_LIFETIME;
	c->versions_kept = CF_VERSIONS_KEPT;
}

static int
config_bool(const char *v, int *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		*out = 1;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int
config_string(const char *v, char *dst, size_t len)
{
	if (strlen(v) >= len)
		return -1;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int
config_set(struct cf_config *c, const char *k, const char *v)
{
	size_t n;

	if (!strcmp(k, "store"))
		return config_string(v, c->store, sizeof(c->store));
	if (!strcmp(k, "audit_log"))
		return config_string(v, c->audit_log, sizeof(c->audit_log));
	if (!strcmp(k, "allow_plain_http"))
		return config_bool(v, &c->allow_plain_http);
	if (!strcmp(k, "trust_remote_user"))
		return config_bool(v, &c->trust_remote_user);
	if (!strcmp(k, "dev_mode"))
		return config_bool(v, &c->dev_mode);
	if (!strcmp(k, "body_limit")) {
		if (http_parse_size(v, 64 * CF_MAX_BODY, &n) || n == 0)
			return -1;
		c->body_limit = n;
		return 0;
	}
	if (!strcmp(k, "token_lifetime")) {
		if (http_parse_size(v, 366 * 86400, &n) || n == 0)
			return -1;
		c->token_lifetime = (int64_t)n;
		return 0;
	}
	if (!strcmp(k, "versions_kept")) {
		if (http_parse_size(v, 1000, &n) || n == 0)
			return -1;
		c->versions_kept = (unsigned)n;
		return 0;
	}
	return -1;
}

static char *
config_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
config_load(struct cf_config *c, const char *path)
{
	FILE *f;
	char line[2048], *k, *v, *eq;
	int lineno = 0, rc = -1;

	config_defaults(c);
	if (path == NULL && (path = getenv("COFFER_CONFIG")) == NULL)
		path = CONFIG_DEFAULT_PATH;
	if ((f = fopen(path, "r")) == NULL) {
		lwarn("%s", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if ((k = strchr(line, '#')) != NULL)
			*k = '\0';
		k = config_trim(line);
		if (*k == '\0')
			continue;
		if ((eq = strchr(k, '=')) == NULL) {
			lwarnx("%s:%d: expected key = value", path, lineno);
			goto out;
		}
		*eq = '\0';
		k = config_trim(k);
		v = config_trim(eq + 1);
		if (config_set(c, k, v) == -1) {
			lwarnx("%s:%d: bad setting '%s'", path, lineno, k);
			goto out;
		}
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}
