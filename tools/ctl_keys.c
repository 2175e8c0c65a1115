/*
 * ctl_keys.c: cofferctl's commands for the store's keys over time
 * (docs/store.md#rotation-rewrap-and-rekey): rotate adds a data-encryption key,
 * rewrap moves the records to it, rekey replaces the root key and its shares.
 * rotate and rewrap need the store unsealed (as the programs have it:
 * the keyholder); rekey takes the threshold of current shares, sealed or
 * not, as token does.  Each change is one audit line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "base/limits.h"
#include "crypto/crypto.h"
#include "ctl.h"
#include "ctl_progress.h"
#include "identity/audit.h"
#include "vault/vault.h"

#define REWRAP_BATCH 256 /* records a commit, by default */

static const struct ctl_help {
	const char *name;
	const char *syntax;
	const char *what;
} keys_helps[] = {
    {"rotate", "",
        "Add a new data-encryption key to the keyring as its next term: "
        "every write after it, in every program, seals under it, and "
        "records under older terms still read (rewrap moves them)."},
    {"rewrap", "[--batch N]",
        "Re-seal every record under an older key term under the newest, "
        "N records a commit (default 256), showing progress on a "
        "terminal; a rewrap stopped half-way leaves every record "
        "readable, and running it again finishes."},
    {"rekey", "-n SHARES -t THRESHOLD [--share-file FILE]",
        "Replace the root key: print SHARES new key shares, THRESHOLD of "
        "which unseal the store, this once; the store's current "
        "threshold of shares are FILE's lines, else stdin's, one a line, "
        "and stop working."},
};

#define KEYS_NHELPS (sizeof(keys_helps) / sizeof(*keys_helps))

void
ctl_keys_usage(FILE *f)
{
	size_t i;

	for (i = 0; i < KEYS_NHELPS; i++)
		ctl_help_line(f, keys_helps[i].name, keys_helps[i].syntax,
		    keys_helps[i].what);
}

int
ctl_keys_help(FILE *f, const char *name)
{
	size_t i;

	for (i = 0; i < KEYS_NHELPS; i++)
		if (!strcmp(name, keys_helps[i].name)) {
			ctl_help_line(f, keys_helps[i].name,
			    keys_helps[i].syntax, keys_helps[i].what);
			return 0;
		}
	return -1;
}

static int
keys_usage(const char *name)
{
	(void)ctl_keys_help(stderr, name);
	return CTL_USAGE;
}

/* No API route makes these changes: the audit line names the command. */
static void
keys_audit(const struct cf_config *cfg, const char *cmd)
{
	int fd = audit_open(cfg->audit_log);

	audit_offline(fd, "cofferctl", cmd, "-", "-", 200);
	if (fd != -1 && fd != STDERR_FILENO)
		close(fd);
}

int
ctl_keys_status(struct vault *v)
{
	struct vault_terms t;
	enum cf_status st;
	size_t i;

	if ((st = vault_terms(v, &t)) != CF_OK) {
		fprintf(stderr, "cofferctl: status: %s\n", ctl_status_text(st));
		return 1;
	}
	printf("key term: %" PRIu32 "\n", t.current);
	for (i = 0; i < t.n; i++)
		printf("term %" PRIu32 " seals: %" PRIu64 " records\n",
		    t.term[i], t.records[i]);
	if (t.unknown > 0)
		printf("records under no term of the keyring: %" PRIu64 "\n",
		    t.unknown);
	return 0;
}

static int
cmd_rotate(struct vault *v, const struct cf_config *cfg)
{
	enum cf_status st;
	uint32_t term = 0;

	if ((st = vault_rotate(v, &term)) != CF_OK) {
		fprintf(stderr, "cofferctl: rotate: %s\n",
		    st == CF_E_TOO_LARGE
		        ? "the keyring is full; nothing changed"
		        : ctl_status_text(st));
		return CTL_FAIL;
	}
	keys_audit(cfg, "rotate");
	printf("rotated: new writes seal under key term %" PRIu32 "\n", term);
	return CTL_OK;
}

/* A count from 1 to max, else 0. */
static unsigned long
count_arg(const char *s, unsigned long max)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' || n < 1 ||
	    n > max)
		return 0;
	return n;
}

static int
cmd_rewrap(struct vault *v, const struct cf_config *cfg, int argc, char **argv)
{
	struct vault_rewrap rw;
	unsigned long batch = REWRAP_BATCH;
	struct ctl_progress p;
	enum cf_status st;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--batch") && i + 1 < argc &&
		    (batch = count_arg(argv[++i], 1000000)) != 0)
			continue;
		return keys_usage("rewrap");
	}
	if ((st = vault_rewrap_begin(v, &rw)) != CF_OK) {
		fprintf(stderr, "cofferctl: rewrap: %s\n", ctl_status_text(st));
		return CTL_FAIL;
	}
	ctl_progress_begin(&p, "rewrap", 0, rw.todo.n);
	while (rw.next < rw.todo.n) {
		if ((st = vault_rewrap_step(v, &rw, batch)) != CF_OK)
			break;
		ctl_progress_set(&p, rw.next, 0);
	}
	ctl_progress_end(&p, st == CF_OK);
	if (st != CF_OK) {
		fprintf(stderr,
		    "cofferctl: rewrap: stopped after %zu of %zu records: %s; "
		    "every record still reads, and rewrap again finishes\n",
		    rw.next, rw.todo.n, ctl_status_text(st));
		vault_rewrap_end(&rw);
		return CTL_FAIL;
	}
	if (rw.rewrapped > 0)
		keys_audit(cfg, "rewrap");
	printf("rewrapped %" PRIu64 " records to key term %" PRIu32
	       "; none is left under an older term\n",
	    rw.rewrapped, rw.term);
	vault_rewrap_end(&rw);
	return CTL_OK;
}

static void
print_rekey(const struct vault_init_result *r, unsigned t)
{
	unsigned i;

	printf("rekeyed: %u new key shares, any %u of which unseal the "
	       "store\n",
	    r->nshares, t);
	for (i = 0; i < r->nshares; i++)
		printf("key share %u: %s\n", i + 1, r->shares_hex[i]);
	printf("These shares are shown this once and the old ones no longer "
	       "work.\nGive each to a different holder now.\n");
	fflush(stdout);
}

static int
cmd_rekey(struct vault *v, const struct cf_config *cfg, int argc, char **argv)
{
	struct vault_init_result r;
	struct vault_status vs;
	const char *file = NULL, *why = NULL;
	unsigned long n = 0, t = 0;
	enum cf_status st;
	char **sh = NULL;
	unsigned k = 0;
	int i, rc = CTL_FAIL;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc &&
		    (n = count_arg(argv[++i], CF_MAX_SHARES)) != 0)
			continue;
		if (!strcmp(argv[i], "-t") && i + 1 < argc &&
		    (t = count_arg(argv[++i], CF_MAX_SHARES)) != 0)
			continue;
		if (!strcmp(argv[i], "--share-file") && i + 1 < argc) {
			file = argv[++i];
			continue;
		}
		fprintf(stderr, "cofferctl: rekey: shares and threshold are "
		                "numbers from 1 to 255\n");
		return keys_usage("rekey");
	}
	if (n == 0 || t == 0)
		return keys_usage("rekey");
	if (t > n || (n > 1 && t < 2)) {
		fprintf(stderr, "cofferctl: rekey: the threshold must be at "
		                "most the shares, and at least 2 when there "
		                "are several shares; nothing changed\n");
		return CTL_USAGE;
	}
	if ((st = vault_status(v, &vs)) != CF_OK || !vs.initialized) {
		fprintf(stderr, "cofferctl: rekey: %s\n",
		    ctl_status_text(st != CF_OK ? st : CF_E_NOT_INIT));
		return CTL_FAIL;
	}
	if ((sh = ctl_read_shares(file, vs.threshold, &k)) == NULL)
		return CTL_FAIL;
	if (k < vs.threshold) {
		fprintf(stderr,
		    "cofferctl: rekey: the store needs %u key shares, and %s "
		    "gave %u; nothing changed\n",
		    vs.threshold, file != NULL ? file : "stdin", k);
		goto out;
	}
	st = vault_rekey(v, sh, k, (unsigned)n, (unsigned)t, &r, &why);
	if (st != CF_OK) {
		fprintf(stderr, "cofferctl: rekey: %s; nothing changed\n",
		    why != NULL ? why : ctl_status_text(st));
		rc = st == CF_E_BAD_REQUEST ? CTL_USAGE : CTL_FAIL;
		goto out;
	}
	keys_audit(cfg, "rekey");
	print_rekey(&r, (unsigned)t);
	vault_init_result_free(&r);
	rc = CTL_OK;
out:
	ctl_shares_free(sh, vs.threshold);
	return rc;
}

int
ctl_keys_run(
    struct vault *v, const struct cf_config *cfg, int argc, char **argv)
{
	if (!strcmp(argv[0], "rotate"))
		return argc == 1 ? cmd_rotate(v, cfg) : keys_usage("rotate");
	if (!strcmp(argv[0], "rewrap"))
		return cmd_rewrap(v, cfg, argc, argv);
	if (!strcmp(argv[0], "rekey"))
		return cmd_rekey(v, cfg, argc, argv);
	return -1;
}
