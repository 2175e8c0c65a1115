/* config.c: see config.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/http.h"
#include "base/limits.h"
#include "base/log.h"

void
config_defaults(struct cf_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->store, sizeof(c->store), "/var/lib/coffer/coffer.db");
	snprintf(c->backend, sizeof(c->backend), "gdbm");
	c->body_limit = CF_MAX_BODY;
	c->token_lifetime = CF_TOKEN_LIFETIME;
	c->versions_kept = CF_VERSIONS_KEPT;
	snprintf(c->secret_stores, sizeof(c->secret_stores), "default");
	snprintf(c->sensu_namespaces, sizeof(c->sensu_namespaces), "default");
	c->access_token_lifetime = 300;
	c->login_max_failures = 5;
	c->login_window = 300;
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

/* "store allow|deny [allowed=a,b] [denied=c]": Dapr's secret scopes. */
static int
config_dapr_scope(struct cf_config *c, const char *v)
{
	struct config_dapr_scope *sc;
	char buf[2200], *tok, *save = NULL;
	int i = 0;

	if (c->ndapr_scopes >= CONFIG_MAX_DAPR_SCOPES ||
	    config_string(v, buf, sizeof(buf)) == -1)
		return -1;
	sc = &c->dapr_scope[c->ndapr_scopes];
	memset(sc, 0, sizeof(*sc));
	for (tok = strtok_r(buf, " \t", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t", &save), i++) {
		if (i == 0 && config_string(tok, sc->store, sizeof(sc->store)))
			return -1;
		else if (i == 1 && strcasecmp(tok, "allow") &&
		         strcasecmp(tok, "deny"))
			return -1;
		else if (i == 1)
			sc->deny = !strcasecmp(tok, "deny");
		else if (i > 1 && !strncmp(tok, "allowed=", 8)) {
			if (config_string(
			        tok + 8, sc->allowed, sizeof(sc->allowed)))
				return -1;
		} else if (i > 1 && !strncmp(tok, "denied=", 7)) {
			if (config_string(
			        tok + 7, sc->denied, sizeof(sc->denied)))
				return -1;
		} else if (i > 1)
			return -1;
	}
	if (i < 2)
		return -1;
	/* Dapr refuses a store named twice. */
	for (i = 0; i < (int)c->ndapr_scopes; i++)
		if (!strcmp(c->dapr_scope[i].store, sc->store))
			return -1;
	c->ndapr_scopes++;
	return 0;
}

/* Identity settings (issue 4); -1 for an unknown key too. */
static int
config_set_identity(struct cf_config *c, const char *k, const char *v)
{
	size_t n, i;
	unsigned x;

	if (!strcmp(k, "access_token_lifetime")) {
		if (http_parse_size(v, 86400, &n) || n == 0)
			return -1;
		c->access_token_lifetime = (int64_t)n;
		return 0;
	}
	if (!strcmp(k, "login_max_failures")) {
		if (http_parse_size(v, 1000000, &n))
			return -1;
		c->login_max_failures = (unsigned)n;
		return 0;
	}
	if (!strcmp(k, "login_window")) {
		if (http_parse_size(v, 86400, &n) || n == 0)
			return -1;
		c->login_window = (int64_t)n;
		return 0;
	}
	if (!strcmp(k, "dapr_token_sha256")) {
		if (strlen(v) != 64)
			return -1;
		for (i = 0; i < 32; i++) {
			if (!isxdigit((unsigned char)v[2 * i]) ||
			    !isxdigit((unsigned char)v[2 * i + 1]) ||
			    sscanf(v + 2 * i, "%2x", &x) != 1)
				return -1;
			c->dapr_token_sha256[i] = (uint8_t)x;
		}
		c->dapr_token_set = 1;
		return 0;
	}
	if (!strcmp(k, "dapr_subject"))
		return config_string(
		    v, c->dapr_subject, sizeof(c->dapr_subject));
	if (!strcmp(k, "dapr_scope"))
		return config_dapr_scope(c, v);
	return -1;
}

static int
config_set(struct cf_config *c, const char *k, const char *v)
{
	size_t n;

	if (!strcmp(k, "store"))
		return config_string(v, c->store, sizeof(c->store));
	if (!strcmp(k, "backend")) {
		if (strcmp(v, "gdbm") && strcmp(v, "postgresql"))
			return -1;
		return config_string(v, c->backend, sizeof(c->backend));
	}
	if (!strcmp(k, "postgresql"))
		return config_string(v, c->postgresql, sizeof(c->postgresql));
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
	if (!strcmp(k, "ca_auth_key")) {
		/* Hex, as CFSSL's auth_keys take it: 16 to 128 bytes. */
		for (n = 0; v[n] != '\0'; n++)
			if (!isxdigit((unsigned char)v[n]))
				return -1;
		if (n < 32 || n % 2 != 0)
			return -1;
		return config_string(v, c->ca_auth_key, sizeof(c->ca_auth_key));
	}
	if (!strcmp(k, "ca_key"))
		return config_string(v, c->ca_key, sizeof(c->ca_key));
	if (!strcmp(k, "ca_profiles"))
		return config_string(v, c->ca_profiles, sizeof(c->ca_profiles));
	if (!strcmp(k, "secret_stores"))
		return config_string(
		    v, c->secret_stores, sizeof(c->secret_stores));
	if (!strcmp(k, "sensu_namespaces"))
		return config_string(
		    v, c->sensu_namespaces, sizeof(c->sensu_namespaces));
	if (!strcmp(k, "versions_kept")) {
		if (http_parse_size(v, 1000, &n) || n == 0)
			return -1;
		c->versions_kept = (unsigned)n;
		return 0;
	}
	return config_set_identity(c, k, v);
}

/* backend = postgresql: the store is PostgreSQL at the `postgresql`
 * setting's connection string (never logged: it may hold a password). */
static int
config_backend(struct cf_config *c)
{
	int n;

	if (strcmp(c->backend, "postgresql"))
		return 0;
	if (c->postgresql[0] == '\0') {
		lwarnx("%s: backend = postgresql needs postgresql = <libpq "
		       "connection string>",
		    c->path);
		return -1;
	}
	n = snprintf(
	    c->store, sizeof(c->store), "postgresql:%s", c->postgresql);
	if (n < 0 || (size_t)n >= sizeof(c->store)) {
		lwarnx("%s: the postgresql setting is too long", c->path);
		return -1;
	}
	return 0;
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
	snprintf(c->path, sizeof(c->path), "%s", path);
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
	rc = config_backend(c);
out:
	fclose(f);
	return rc;
}
