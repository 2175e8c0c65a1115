/*
 * config.h: the configuration file and its defaults.
 *
 * The file named by $COFFER_CONFIG (or /etc/coffer/coffer.conf) holds
 * "key = value" lines; '#' starts a comment.  Unknown keys are an error, so
 * a typo cannot silently leave a default in force.  The struct is filled
 * once at start-up and read-only afterwards.
 */
#ifndef COFFER_CONFIG_H
#define COFFER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_DEFAULT_PATH "/etc/coffer/coffer.conf"

struct cf_config {
	char store[1024];       /* gdbm file */
	char audit_log[1024];   /* "" or "-": stderr */
	size_t body_limit;      /* bytes */
	int64_t token_lifetime; /* seconds */
	int allow_plain_http;
	int trust_remote_user;
	int dev_mode;
	unsigned versions_kept;
};

void config_defaults(struct cf_config *c);
/* path NULL: $COFFER_CONFIG, then the default path.  0 or -1 (logged). */
int config_load(struct cf_config *c, const char *path);

#endif
