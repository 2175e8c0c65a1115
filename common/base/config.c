/*
 * config.c: see config.h.
 *
 * Every setting is one row of settings[]: its key, its kind, where it goes
 * in struct cf_config, its bounds and its default.  config_defaults and
 * config_set both walk the table, so a setting's default and its checks
 * are written once, next to each other.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/config.h"
#include "base/http.h"
#include "base/limits.h"
#include "base/log.h"

#define DAY_SECONDS 86400

enum setting_kind {
	SET_STRING,   /* char[]: the value, which must fit with its NUL */
	SET_BOOL,     /* int: yes/true/1 or no/false/0 */
	SET_SIZE,     /* size_t in [min, max] */
	SET_UNSIGNED, /* unsigned in [min, max] */
	SET_SECONDS,  /* int64_t in [min, max] */
	SET_CUSTOM,   /* parse() */
};

struct setting {
	const char *key;
	enum setting_kind kind;
	size_t off, size; /* the field in struct cf_config */
	size_t min, max;  /* numbers */
	const char *def;  /* default, as it would be written; NULL: zero */
	int (*parse)(struct cf_config *, const char *);
};

#define FIELD(f)                                                               \
	offsetof(struct cf_config, f), sizeof(((struct cf_config *)0)->f)

static int parse_backend(struct cf_config *, const char *);
static int config_state(struct cf_config *);
static int parse_ca_auth_key(struct cf_config *, const char *);
static int parse_dapr_token_sha256(struct cf_config *, const char *);
static int parse_dapr_scope(struct cf_config *, const char *);

/* clang-format off */
static const struct setting settings[] = {
    {"store", SET_STRING, FIELD(store), 0, 0,
        "/var/lib/coffer/coffer.db", NULL},
    {"backend", SET_CUSTOM, FIELD(backend), 0, 0, "gdbm", parse_backend},
    {"postgresql", SET_STRING, FIELD(postgresql), 0, 0, NULL, NULL},
    {"state_dir", SET_STRING, FIELD(state_dir), 0, 0, NULL, NULL},
    {"audit_log", SET_STRING, FIELD(audit_log), 0, 0, NULL, NULL},
    {"allow_plain_http", SET_BOOL, FIELD(allow_plain_http), 0, 0, NULL, NULL},
    {"trust_remote_user", SET_BOOL, FIELD(trust_remote_user), 0, 0, NULL,
        NULL},
    {"dev_mode", SET_BOOL, FIELD(dev_mode), 0, 0, NULL, NULL},
    {"metrics_public", SET_BOOL, FIELD(metrics_public), 0, 0, NULL, NULL},
    {"body_limit", SET_SIZE, FIELD(body_limit), 1, 64 * CF_MAX_BODY,
        CF_STRING(CF_MAX_BODY), NULL},
    {"token_lifetime", SET_SECONDS, FIELD(token_lifetime), 1,
        366 * DAY_SECONDS, CF_STRING(CF_TOKEN_LIFETIME), NULL},
    {"versions_kept", SET_UNSIGNED, FIELD(versions_kept), 1, 1000,
        CF_STRING(CF_VERSIONS_KEPT), NULL},
    {"secret_stores", SET_STRING, FIELD(secret_stores), 0, 0, "default",
        NULL},
    {"sensu_namespaces", SET_STRING, FIELD(sensu_namespaces), 0, 0,
        "default", NULL},
    {"ca_auth_key", SET_CUSTOM, FIELD(ca_auth_key), 0, 0, NULL,
        parse_ca_auth_key},
    {"ca_key", SET_STRING, FIELD(ca_key), 0, 0, NULL, NULL},
    {"ca_profiles", SET_STRING, FIELD(ca_profiles), 0, 0, NULL, NULL},
    {"ca_url", SET_STRING, FIELD(ca_url), 0, 0, NULL, NULL},
    {"acme_dns_suffixes", SET_STRING, FIELD(acme_dns_suffixes), 0, 0, NULL,
        NULL},
    {"acme_http_port", SET_UNSIGNED, FIELD(acme_http_port), 1, 65535, "80",
        NULL},
    {"acme_tls_port", SET_UNSIGNED, FIELD(acme_tls_port), 1, 65535, "443",
        NULL},
    {"acme_eab_required", SET_BOOL, FIELD(acme_eab_required), 0, 0, NULL,
        NULL},
    {"access_token_lifetime", SET_SECONDS, FIELD(access_token_lifetime), 1,
        DAY_SECONDS, "300", NULL},
    {"login_max_failures", SET_UNSIGNED, FIELD(login_max_failures), 0,
        1000000, "5", NULL},
    {"login_window", SET_SECONDS, FIELD(login_window), 1, DAY_SECONDS,
        "300", NULL},
    {"dapr_token_sha256", SET_CUSTOM, FIELD(dapr_token_sha256), 0, 0, NULL,
        parse_dapr_token_sha256},
    {"dapr_subject", SET_STRING, FIELD(dapr_subject), 0, 0, NULL, NULL},
    {"dapr_scope", SET_CUSTOM, FIELD(dapr_scope), 0, 0, NULL,
        parse_dapr_scope},
};
/* clang-format on */

static int
parse_bool(const char *v, int *out)
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
parse_string(const char *v, char *dst, size_t size)
{
	size_t n = strlen(v);

	if (n >= size)
		return -1;
	memcpy(dst, v, n + 1);
	return 0;
}

static int
parse_number(const char *v, const struct setting *s, size_t *out)
{
	if (http_parse_size(v, s->max, out) == -1 || *out < s->min)
		return -1;
	return 0;
}

static int
parse_backend(struct cf_config *c, const char *v)
{
	if (strcmp(v, "gdbm") && strcmp(v, "postgresql"))
		return -1;
	return parse_string(v, c->backend, sizeof(c->backend));
}

/* Hex, as CFSSL's auth_keys take it: 16 to CONFIG_MAX_AUTH_KEY bytes. */
static int
parse_ca_auth_key(struct cf_config *c, const char *v)
{
	size_t n;

	for (n = 0; v[n] != '\0'; n++)
		if (!isxdigit((unsigned char)v[n]))
			return -1;
	if (n < 2 * CONFIG_MIN_AUTH_KEY || n % 2 != 0)
		return -1;
	return parse_string(v, c->ca_auth_key, sizeof(c->ca_auth_key));
}

static int
hex_nibble(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int
parse_dapr_token_sha256(struct cf_config *c, const char *v)
{
	uint8_t h[sizeof(c->dapr_token_sha256)];
	size_t i;
	int hi, lo;

	if (strlen(v) != 2 * sizeof(h))
		return -1;
	for (i = 0; i < sizeof(h); i++) {
		if ((hi = hex_nibble(v[2 * i])) < 0 ||
		    (lo = hex_nibble(v[2 * i + 1])) < 0)
			return -1;
		h[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(c->dapr_token_sha256, h, sizeof(h));
	c->dapr_token_set = 1;
	return 0;
}

/* One word of a scope after "store allow|deny": allowed= or denied=. */
static int
parse_scope_list(struct config_dapr_scope *sc, const char *tok)
{
	if (!strncmp(tok, "allowed=", 8))
		return parse_string(tok + 8, sc->allowed, sizeof(sc->allowed));
	if (!strncmp(tok, "denied=", 7))
		return parse_string(tok + 7, sc->denied, sizeof(sc->denied));
	return -1;
}

/* "store allow|deny [allowed=a,b] [denied=c]": Dapr's secret scopes, one
 * line per store, repeatable up to CONFIG_MAX_DAPR_SCOPES. */
static int
parse_dapr_scope(struct cf_config *c, const char *v)
{
	struct config_dapr_scope sc;
	char buf[CONFIG_MAX_LINE], *tok, *save = NULL;
	unsigned i, n = 0;

	memset(&sc, 0, sizeof(sc));
	if (c->ndapr_scopes >= CONFIG_MAX_DAPR_SCOPES ||
	    parse_string(v, buf, sizeof(buf)) == -1)
		return -1;
	for (tok = strtok_r(buf, " \t", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t", &save), n++) {
		if (n == 0 && parse_string(tok, sc.store, sizeof(sc.store)))
			return -1;
		if (n == 1 && strcasecmp(tok, "allow") &&
		    strcasecmp(tok, "deny"))
			return -1;
		if (n == 1)
			sc.deny = !strcasecmp(tok, "deny");
		if (n > 1 && parse_scope_list(&sc, tok) == -1)
			return -1;
	}
	if (n < 2)
		return -1;
	/* Dapr refuses a store named twice. */
	for (i = 0; i < c->ndapr_scopes; i++)
		if (!strcmp(c->dapr_scope[i].store, sc.store))
			return -1;
	c->dapr_scope[c->ndapr_scopes++] = sc;
	return 0;
}

static int
apply(struct cf_config *c, const struct setting *s, const char *v)
{
	char *field = (char *)c + s->off;
	size_t n;

	switch (s->kind) {
	case SET_STRING:
		return parse_string(v, field, s->size);
	case SET_BOOL:
		return parse_bool(v, (int *)(void *)field);
	case SET_SIZE:
		if (parse_number(v, s, &n) == -1)
			return -1;
		*(size_t *)(void *)field = n;
		return 0;
	case SET_UNSIGNED:
		if (parse_number(v, s, &n) == -1)
			return -1;
		*(unsigned *)(void *)field = (unsigned)n;
		return 0;
	case SET_SECONDS:
		if (parse_number(v, s, &n) == -1)
			return -1;
		*(int64_t *)(void *)field = (int64_t)n;
		return 0;
	case SET_CUSTOM:
		return s->parse(c, v);
	}
	return -1;
}

void
config_defaults(struct cf_config *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (settings[i].def != NULL &&
		    apply(c, &settings[i], settings[i].def) == -1)
			abort(); /* a default its own row refuses */
	(void)config_state(c);
}

int
config_set(struct cf_config *c, const char *key, const char *value)
{
	size_t i;

	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (!strcmp(settings[i].key, key))
			return apply(c, &settings[i], value);
	return -1;
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

/*
 * Where the per-host state files go (config.h: state): a gdbm store's
 * beside it, as they always were, unless state_dir says otherwise; a store
 * named by a scheme has no folder of its own, so theirs go to state_dir or
 * CONFIG_STATE_DIR.
 */
static int
config_state(struct cf_config *c)
{
	const char *colon = strchr(c->store, ':'),
	           *slash = strchr(c->store, '/');
	const char *dir = c->state_dir;
	int n;

	if (dir[0] == '\0' &&
	    (colon == NULL || (slash != NULL && slash < colon)))
		n = snprintf(c->state, sizeof(c->state), "%s", c->store);
	else
		n = snprintf(c->state, sizeof(c->state), "%s/coffer",
		    dir[0] != '\0' ? dir : CONFIG_STATE_DIR);
	if (n < 0 || (size_t)n >= sizeof(c->state)) {
		lwarnx("%s: state_dir is too long", c->path);
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

/* The "key = value" lines of one file into c.  0 or -1 (said). */
static int
config_read(struct cf_config *c, const char *path)
{
	FILE *f;
	char line[CONFIG_MAX_LINE], *k, *v, *eq;
	int lineno = 0, rc = -1;

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

/* A drop-in's name: "*.conf", not hidden (editors' and dpkg's leftovers,
 * such as .swp or .dpkg-new, are not read). */
static int
config_dropin_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 &&
	       strcmp(d->d_name + n - 5, ".conf") == 0;
}

/*
 * The files named "*.conf" in <path>.d, in name order, after the file: a
 * package ships the file and an operator or a package's script adds what is
 * theirs (a host's generated key) beside it, so that neither edits the other's
 * file.  A later line wins, as within one file.  No folder is no drop-in.
 */
static int
config_read_dropins(struct cf_config *c, const char *path)
{
	char dir[CONFIG_MAX_TEXT + 3], file[2 * CONFIG_MAX_TEXT];
	struct dirent **names = NULL;
	int i, n, rc = 0;

	if (snprintf(dir, sizeof(dir), "%s.d", path) >= (int)sizeof(dir))
		return 0;
	if ((n = scandir(dir, &names, config_dropin_name, alphasort)) < 0)
		return errno == ENOENT || errno == ENOTDIR
		           ? 0
		           : (lwarn("%s", dir), -1);
	if (n > CONFIG_MAX_DROPINS) {
		lwarnx("%s: more than %d drop-ins", dir, CONFIG_MAX_DROPINS);
		rc = -1;
	}
	for (i = 0; i < n; i++) {
		if (rc == 0) {
			snprintf(
			    file, sizeof(file), "%s/%s", dir, names[i]->d_name);
			rc = config_read(c, file);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int
config_load(struct cf_config *c, const char *path)
{
	config_defaults(c);
	if (path == NULL && (path = getenv("COFFER_CONFIG")) == NULL)
		path = CONFIG_DEFAULT_PATH;
	snprintf(c->path, sizeof(c->path), "%s", path);
	if (config_read(c, path) == -1 || config_read_dropins(c, path) == -1)
		return -1;
	return config_backend(c) == 0 && config_state(c) == 0 ? 0 : -1;
}
