/*
 * ctl_acme.c: cofferctl's commands for ACME's External Account Binding
 * keys (RFC 8555 7.3.4; ca/acmedb.h): acme-eab-new mints a key bound to a
 * user or a group and prints its kid and HMAC key, the one time the key
 * is shown; acme-eab-list shows every key but never its secret;
 * acme-eab-revoke stops a key, for new accounts and for the orders of
 * the accounts it bound.  The store must be unsealed.  No API route makes
 * these changes: each audit line names the command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/config.h"
#include "base/json.h"
#include "ca/acmedb.h"
#include "crypto/crypto.h"
#include "ctl.h"
#include "identity/audit.h"
#include "identity/iam.h"
#include "vault/vault.h"

static const struct ctl_help {
	const char *name;
	const char *syntax;
	const char *what;
} acme_helps[] = {
    {"acme-eab-new", "[--group] [--description D] ID",
        "Mint an ACME External Account Binding key for the user ID (the "
        "group ID with --group) and print its kid and HMAC key, this once: "
        "an account made with it (certbot --eab-kid --eab-hmac-key) gets "
        "only the names that subject is granted create on as "
        "dcos:acme:dns:/<labels from the last>."},
    {"acme-eab-list", "",
        "List the EAB keys: kid, subject, status, description, tab "
        "separated; never a key's secret."},
    {"acme-eab-revoke", "KID",
        "Revoke an EAB key: no new account may use it, and the accounts it "
        "bound order nothing more (their certificates stay valid)."},
};

#define ACME_NHELPS (sizeof(acme_helps) / sizeof(*acme_helps))

void
ctl_acme_usage(FILE *f)
{
	size_t i;

	for (i = 0; i < ACME_NHELPS; i++)
		ctl_help_line(f, acme_helps[i].name, acme_helps[i].syntax,
		    acme_helps[i].what);
}

int
ctl_acme_help(FILE *f, const char *name)
{
	size_t i;

	for (i = 0; i < ACME_NHELPS; i++)
		if (!strcmp(name, acme_helps[i].name)) {
			ctl_help_line(f, acme_helps[i].name,
			    acme_helps[i].syntax, acme_helps[i].what);
			return 0;
		}
	return -1;
}

static int
acme_usage(const char *name)
{
	fprintf(stderr, "usage: cofferctl [-c config] ");
	(void)ctl_acme_help(stderr, name);
	return CTL_USAGE;
}

static void
acme_audit(const struct cf_config *cfg, const char *cmd, const char *what)
{
	int fd = audit_open(cfg->audit_log);

	audit_offline(fd, "cofferctl", cmd, "-", what, 200);
	if (fd != -1 && fd != STDERR_FILENO)
		close(fd);
}

static int
acme_fail(const char *cmd, const char *why)
{
	fprintf(stderr, "cofferctl: %s: %s\n", cmd, why);
	return CTL_FAIL;
}

/* The subject exists: a key bound to nobody would never order. */
static int
subject_exists(struct vault *v, const char *id, int group)
{
	struct json_object *o = NULL;
	enum cf_status st;

	st = group ? iam_group_get(v, id, &o) : iam_user_get(v, id, &o);
	json_object_put(o);
	return st == CF_OK;
}

static int
cmd_eab_new(struct vault *v, const struct cf_config *cfg, int argc, char **argv)
{
	char kid[ACME_ID_LEN + 1], hmac[ACME_EAB_KEY_B64 + 1];
	char subject[ACME_EAB_SUBJECT_MAX + 1], what[ACME_EAB_SUBJECT_MAX + 64];
	const char *desc = NULL, *id = NULL;
	int i, group = 0;
	enum cf_status st;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--group"))
			group = 1;
		else if (!strcmp(argv[i], "--description") && i + 1 < argc)
			desc = argv[++i];
		else if (argv[i][0] != '-' && id == NULL)
			id = argv[i];
		else
			return acme_usage(argv[0]);
	}
	if (id == NULL)
		return acme_usage(argv[0]);
	if (!iam_id_valid(id) ||
	    (desc != NULL && !iam_description_valid(desc, strlen(desc)))) {
		fprintf(stderr, "cofferctl: %s: invalid %s\n", argv[0],
		    !iam_id_valid(id) ? (group ? "gid" : "uid")
		                      : "description: at most 1024 bytes");
		return CTL_USAGE;
	}
	if ((st = vault_ready(v)) != CF_OK)
		return acme_fail(argv[0], ctl_status_text(st));
	if (!subject_exists(v, id, group))
		return acme_fail(argv[0],
		    group ? "no group with that gid" : "no user with that uid");
	snprintf(subject, sizeof(subject), "%c:%s", group ? 'g' : 'u', id);
	st = acmedb_eab_new(v, subject, desc, (int64_t)time(NULL), kid, hmac);
	if (st != CF_OK)
		return acme_fail(argv[0], ctl_status_text(st));
	snprintf(what, sizeof(what), "acme:eab:%s:%s", kid, subject);
	acme_audit(cfg, argv[0], what);
	printf("kid: %s\nhmac key: %s\n", kid, hmac);
	crypto_wipe(hmac, sizeof(hmac));
	return CTL_OK;
}

static const char *
member(struct json_object *o, const char *key)
{
	const char *s;
	size_t n;

	return cf_json_string(o, key, &s, &n) == CF_OK ? s : "";
}

static int
cmd_eab_list(struct vault *v)
{
	struct json_object *a = NULL, *e;
	enum cf_status st;
	size_t i;

	if ((st = vault_ready(v)) != CF_OK ||
	    (st = acmedb_eab_list(v, &a)) != CF_OK)
		return acme_fail("acme-eab-list", ctl_status_text(st));
	for (i = 0; i < json_object_array_length(a); i++) {
		e = json_object_array_get_idx(a, i);
		printf("%s\t%s\t%s\t%s\n", member(e, "kid"),
		    member(e, "subject"), member(e, "status"),
		    member(e, "description"));
	}
	json_object_put(a);
	return CTL_OK;
}

static int
cmd_eab_revoke(struct vault *v, const struct cf_config *cfg, const char *kid)
{
	char what[ACME_ID_LEN + 16];
	enum cf_status st;

	if (!acmedb_id_ok(kid) || strlen(kid) != ACME_ID_LEN) {
		fprintf(stderr, "cofferctl: acme-eab-revoke: invalid kid\n");
		return CTL_USAGE;
	}
	if ((st = vault_ready(v)) != CF_OK)
		return acme_fail("acme-eab-revoke", ctl_status_text(st));
	st = acmedb_eab_revoke(v, kid);
	if (st == CF_E_NOT_FOUND)
		return acme_fail("acme-eab-revoke", "no EAB key with that kid");
	if (st != CF_OK)
		return acme_fail("acme-eab-revoke", ctl_status_text(st));
	snprintf(what, sizeof(what), "acme:eab:%s", kid);
	acme_audit(cfg, "acme-eab-revoke", what);
	printf("revoked EAB key %s\n", kid);
	return CTL_OK;
}

int
ctl_acme_run(
    struct vault *v, const struct cf_config *cfg, int argc, char **argv)
{
	if (!strcmp(argv[0], "acme-eab-new"))
		return cmd_eab_new(v, cfg, argc, argv);
	if (!strcmp(argv[0], "acme-eab-list"))
		return argc == 1 ? cmd_eab_list(v) : acme_usage(argv[0]);
	if (!strcmp(argv[0], "acme-eab-revoke"))
		return argc == 2 ? cmd_eab_revoke(v, cfg, argv[1])
		                 : acme_usage(argv[0]);
	return -1;
}
