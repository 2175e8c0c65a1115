/*
 * config.h: the configuration file and its defaults.
 *
 * The file named by $COFFER_CONFIG (or /etc/coffer/coffer.conf) holds
 * "key = value" lines; '#' starts a comment; then the files "*.conf" of the
 * folder <file>.d, if any, in name order (drop-ins: a later line wins).
 * Unknown keys are an error, so a typo cannot silently leave a default in
 * force.  The struct is filled
 * once at start-up and read-only afterwards.  Each setting is one row of
 * config.c's table (key, kind, bounds, default, field): the one place that
 * names it.  This module knows the settings' syntax only: a module that
 * takes a setting checks its meaning when the program hands it the struct
 * (pki_init), so nothing here sets another module's state.
 */
#ifndef COFFER_CONFIG_H
#define COFFER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"

#define CONFIG_DEFAULT_PATH    "/etc/coffer/coffer.conf"
#define CONFIG_MAX_DAPR_SCOPES 16
#define CONFIG_MAX_LINE        2048 /* bytes in one line of the file */
#define CONFIG_MAX_DROPINS     64   /* files in <file>.d */
#define CONFIG_MAX_TEXT        1024 /* bytes in a path or list setting */
#define CONFIG_STATE_DIR       "/var/lib/coffer" /* state_dir's default */
#define CONFIG_MIN_AUTH_KEY    16                /* bytes of a CFSSL auth key */
#define CONFIG_MAX_AUTH_KEY    128
#define CONFIG_MAX_BACKEND     15 /* bytes in a backend's name */
#define CONFIG_MAX_KEY_ALG     15 /* bytes in a key algorithm's name */

struct cf_config {
	char
	    path[CONFIG_MAX_TEXT]; /* the file it was read from, for messages */
	/* The store backend_open takes: a gdbm file, or "<scheme>:..."
	 * (backend.h).  `backend = postgresql` and `postgresql = <libpq
	 * connection string>` make it "postgresql:<string>". */
	char store[CONFIG_MAX_TEXT];
	char backend[CONFIG_MAX_BACKEND +
	             1];                  /* "gdbm" (default), "postgresql" */
	char postgresql[CONFIG_MAX_TEXT]; /* libpq connection string */
	/* The per-host state files (the login and unseal throttles) are
	 * <state>.throttle and <state>.unseal: state is the gdbm store's
	 * path, or "<state_dir>/coffer" when state_dir is set or the store is
	 * not a file (then CONFIG_STATE_DIR by default).  Worked out by
	 * config_load, never set. */
	char state_dir[CONFIG_MAX_TEXT];
	char state[CONFIG_MAX_TEXT + 8];
	char audit_log[CONFIG_MAX_TEXT]; /* "" or "-": stderr */
	size_t body_limit;               /* bytes */
	int64_t token_lifetime;          /* seconds */
	int allow_plain_http;
	int trust_remote_user;
	int dev_mode;
	/* GET /metrics without a credential: the web server guards it. */
	int metrics_public;
	unsigned versions_kept;
	/* Issue 5: the secret stores that exist (Dapr store names, DC/OS
	 * store ids) and the Sensu namespaces, comma-separated. */
	char secret_stores[CONFIG_MAX_TEXT];
	char sensu_namespaces[CONFIG_MAX_TEXT];
	/* Hex HMAC key of CFSSL authsign for the profiles that name no
	 * auth_key of their own (profile.h); "" none. */
	char ca_auth_key[2 * CONFIG_MAX_AUTH_KEY + 1]; /* hex */
	/* The CA: its key algorithm (made at init) and the cfssl signing
	 * config with its profiles, read by the CA when the program calls
	 * pki_init (pki.h), so a bad value stops the program. */
	char ca_key[CONFIG_MAX_KEY_ALG + 1];
	char ca_profiles[CONFIG_MAX_TEXT];
	/* The CA's public base URL ("https://ca.example.com"), or "": when
	 * set, profiles without an ocsp_url point at <ca_url>/ca/ocsp. */
	char ca_url[CONFIG_MAX_TEXT];
	/* ACME (RFC 8555, dialects/acme.h): the DNS names an order may ask
	 * for, as suffixes ("example.com" admits it and *.example.com),
	 * comma- or space-separated; "" admits none (fail closed).  The
	 * port the http-01 validator fetches tokens from (80). */
	char acme_dns_suffixes[CONFIG_MAX_TEXT];
	unsigned acme_http_port;
	unsigned acme_tls_port; /* where tls-alpn-01 connects (RFC 8737) */
	/* newAccount needs an External Account Binding (RFC 8555 7.3.4),
	 * and an order's names must also be granted to the key's subject. */
	int acme_eab_required;
	/* Identity (issue 4). */
	int64_t access_token_lifetime; /* Sensu access tokens, seconds */
	unsigned login_max_failures;   /* per account or address; 0: off */
	int64_t login_window;          /* seconds a failure counts */
	uint8_t dapr_token_sha256[CF_SHA256_LEN]; /* SHA-256 of the
	                                             dapr-api-token */
	int dapr_token_set;
	char dapr_subject[CF_MAX_UID + 1]; /* the uid a Dapr caller acts as */
	struct config_dapr_scope {
		char store[CF_MAX_STORE_NAME + 1];
		int deny;                      /* defaultAccess: deny */
		char allowed[CONFIG_MAX_TEXT]; /* comma-separated, "" none */
		char denied[CONFIG_MAX_TEXT];
	} dapr_scope[CONFIG_MAX_DAPR_SCOPES];
	unsigned ndapr_scopes;
};

void config_defaults(struct cf_config *c);
/* Set one setting from its text, as a line "key = value" of the file
 * would: 0, or -1 for an unknown key or a value outside its bounds. */
int config_set(struct cf_config *c, const char *key, const char *value);
/* path NULL: $COFFER_CONFIG, then the default path.  0 or -1 (logged). */
int config_load(struct cf_config *c, const char *path);

#endif
