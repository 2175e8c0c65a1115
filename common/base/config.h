/*
 * config.h: the configuration file and its defaults.
 *
 * The file named by $COFFER_CONFIG (or /etc/coffer/coffer.conf) holds
 * "key = value" lines; '#' starts a comment.  Unknown keys are an error, so
 * a typo cannot silently leave a default in force.  The struct is filled
 * once at start-up and read-only afterwards.  This module knows the
 * settings' syntax only: a module that takes a setting checks its meaning
 * when the program hands it the struct (pki_init), so nothing here sets
 * another module's state.
 */
#ifndef COFFER_CONFIG_H
#define COFFER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_DEFAULT_PATH    "/etc/coffer/coffer.conf"
#define CONFIG_MAX_DAPR_SCOPES 16

struct cf_config {
	char path[1024]; /* the file it was read from, for messages */
	/* The store backend_open takes: a gdbm file, or "<scheme>:..."
	 * (backend.h).  `backend = postgresql` and `postgresql = <libpq
	 * connection string>` make it "postgresql:<string>". */
	char store[1024];
	char backend[16];       /* "gdbm" (default) or "postgresql" */
	char postgresql[1024];  /* libpq connection string */
	char audit_log[1024];   /* "" or "-": stderr */
	size_t body_limit;      /* bytes */
	int64_t token_lifetime; /* seconds */
	int allow_plain_http;
	int trust_remote_user;
	int dev_mode;
	unsigned versions_kept;
	/* Issue 5: the secret stores that exist (Dapr store names, DC/OS
	 * store ids) and the Sensu namespaces, comma-separated. */
	char secret_stores[1024];
	char sensu_namespaces[1024];
	/* Hex HMAC key of CFSSL authsign for the profiles that name no
	 * auth_key of their own (profile.h); "" none. */
	char ca_auth_key[257];
	/* The CA: its key algorithm (made at init) and the cfssl signing
	 * config with its profiles, read by the CA when the program calls
	 * pki_init (pki.h), so a bad value stops the program. */
	char ca_key[16];
	char ca_profiles[1024];
	/* Identity (issue 4). */
	int64_t access_token_lifetime; /* Sensu access tokens, seconds */
	unsigned login_max_failures;   /* per account or address; 0: off */
	int64_t login_window;          /* seconds a failure counts */
	uint8_t dapr_token_sha256[32]; /* SHA-256 of the dapr-api-token */
	int dapr_token_set;
	char dapr_subject[97]; /* the uid a Dapr caller acts as */
	struct config_dapr_scope {
		char store[65];
		int deny;           /* defaultAccess: deny */
		char allowed[1024]; /* comma-separated, "" none */
		char denied[1024];
	} dapr_scope[CONFIG_MAX_DAPR_SCOPES];
	unsigned ndapr_scopes;
};

void config_defaults(struct cf_config *c);
/* path NULL: $COFFER_CONFIG, then the default path.  0 or -1 (logged). */
int config_load(struct cf_config *c, const char *path);

#endif
