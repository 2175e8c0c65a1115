/*
 * cofferctl: offline administration of a Coffer store, as the uid the
 * FastCGI programs run as: the store's owner, whom root becomes before
 * it opens anything (ctl_user.c) and anyone else must be.
 *
 *   cofferctl [-v] [-c config] COMMAND [ARGS]
 *   cofferctl --help | -h | --version | help COMMAND
 *
 * The commands, their syntax and what each does are in ctl_helps below
 * (the key commands in ctl_keys.c, the identity commands in ctl_iam.c),
 * which is what --help prints.  The configuration is -c's file, else
 * $COFFER_CONFIG, else the default path.
 * Only init and restore may create a store; every other command refuses
 * a path where none is, so a typo never leaves an empty store behind.  Errors
 * are plain words on stderr; the library's log lines only with -v.
 * token --lifetime takes a negative lifetime to mint an expired token
 * (for tests), and mints only for a user that exists.
 */
#include <config.h> /* configure's PACKAGE_VERSION */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/store.h" /* verify and salvage: the gdbm store's own files */
#include "base/config.h"
#include "base/limits.h"
#include "base/log.h"
#include "ca/cakey.h"
#include "ca/pki.h"
#include "crypto/crypto.h"
#include "ctl.h"
#include "ctl_progress.h"
#include "dialects/dcos_seal.h"
#include "identity/audit.h"
#include "identity/iam.h"
#include "vault/vault.h"

/* The commands of this file: syntax and what each does (ctl_iam.c has the
 * identity commands). */
static const struct ctl_help {
	const char *name;
	const char *syntax;
	const char *what;
} ctl_helps[] = {
    {"init", "[-n SHARES] [-t THRESHOLD]",
        "Initialize the store: print its SHARES key shares (default 5), "
        "THRESHOLD of which unseal it (default 3, or SHARES if fewer), "
        "and the superuser admin's root token, this once."},
    {"status", "",
        "Show whether the store is initialized, sealed and healthy."},
    {"unseal", "",
        "Unseal the store with key shares read from stdin, one a line."},
    {"seal", "",
        "Seal the store: no program can read a secret until "
        "it is unsealed again."},
    {"token", "[--share-file FILE] [--lifetime S] UID",
        "Print a login token for an existing user, signed with the key "
        "the store's threshold of shares unlocks: FILE's lines, else "
        "stdin's, one a line."},
    {"backup", "FILE",
        "Write a copy of every record, still encrypted, to a new FILE."},
    {"restore", "FILE",
        "Load a backup FILE into an empty store (it is created if absent)."},
    {"verify", "",
        "Check the store's files and change nothing; exit 1 if anything "
        "is damaged."},
    {"salvage", "",
        "Make a new store from the records that still read, keeping the "
        "damaged files beside it."},
    {"migrate", "--to STORE",
        "Copy every record, still sealed, into the empty STORE (a gdbm "
        "path or postgresql:<connection string>), then check both hold "
        "the same records."},
    {"ca-import", "[--force] [--share-file FILE] --cert FILE --key FILE",
        "Make an operator's CA certificate and key (PEM) the store's "
        "certificate authority."},
};

#define CTL_NHELPS (sizeof(ctl_helps) / sizeof(*ctl_helps))

static void
usage_to(FILE *f)
{
	size_t i;

	fprintf(f,
	    "usage: cofferctl [-v] [-c config] COMMAND [ARGS]\n"
	    "       cofferctl --help | --version | help COMMAND\n"
	    "The configuration is -c's file, else $COFFER_CONFIG, else "
	    "%s.\n-v shows the library's log lines on stderr.\n\n"
	    "commands:\n",
	    CONFIG_DEFAULT_PATH);
	for (i = 0; i < CTL_NHELPS; i++)
		ctl_help_line(f, ctl_helps[i].name, ctl_helps[i].syntax,
		    ctl_helps[i].what);
	ctl_keys_usage(f);
	ctl_iam_usage(f);
	ctl_acme_usage(f);
	ctl_kv_usage(f);
	ctl_transfer_usage(f);
}

void
ctl_help_line(FILE *f, const char *name, const char *syntax, const char *what)
{
	fprintf(
	    f, "  %s%s%s\n      %s\n", name, *syntax ? " " : "", syntax, what);
}

static void
usage(void)
{
	usage_to(stderr);
	exit(CTL_USAGE);
}

/* help COMMAND: its syntax and what it does. */
static int
cmd_help(const char *name)
{
	size_t i;

	for (i = 0; i < CTL_NHELPS; i++)
		if (!strcmp(name, ctl_helps[i].name)) {
			ctl_help_line(stdout, ctl_helps[i].name,
			    ctl_helps[i].syntax, ctl_helps[i].what);
			return CTL_OK;
		}
	if (ctl_keys_help(stdout, name) == 0)
		return CTL_OK;
	if (ctl_iam_help(stdout, name) == 0)
		return CTL_OK;
	if (ctl_acme_help(stdout, name) == 0)
		return CTL_OK;
	if (ctl_kv_help(stdout, name) == 0)
		return CTL_OK;
	if (ctl_transfer_help(stdout, name) == 0)
		return CTL_OK;
	fprintf(stderr,
	    "cofferctl: unknown command %s (cofferctl --help "
	    "lists them)\n",
	    name);
	return CTL_USAGE;
}

const char *
ctl_status_text(enum cf_status st)
{
	switch (st) {
	case CF_E_SEALED:
		return "the store is sealed (cofferctl unseal)";
	case CF_E_NOT_INIT:
		return "the store is not initialized (cofferctl init)";
	case CF_E_STORE_DAMAGED:
		return "the store is damaged (cofferctl verify says where; "
		       "cofferctl salvage)";
	case CF_E_STORE_FULL:
		return "the store's disk is full; free some room and retry";
	case CF_E_STORE_UNAVAILABLE:
		return "the store's database cannot be reached; run again with "
		       "-v to see why";
	case CF_E_NOT_FOUND:
		return "not found";
	case CF_E_CONFLICT:
		return "already there";
	case CF_E_CRYPTO:
		return "a record failed its integrity check (cofferctl verify)";
	case CF_E_BAD_REQUEST:
		return "the input is not valid";
	default:
		return "the store failed; run again with -v to see why";
	}
}

static int
cmd_status(struct vault *v)
{
	struct vault_status vs;
	enum cf_status st;

	/* A damaged store has said what is damaged on stderr already. */
	if ((st = vault_status(v, &vs)) != CF_OK) {
		fprintf(stderr, "cofferctl: status: %s\n", ctl_status_text(st));
		return 1;
	}
	printf("initialized: %s\nsealed: %s\nshares: %u\nthreshold: %u\n"
	       "progress: %u\nhealth: %s\n",
	    vs.initialized ? "yes" : "no", vs.sealed ? "yes" : "no", vs.shares,
	    vs.threshold, vs.progress, vs.damaged ? "damaged" : "ok");
	if (vs.shared)
		printf("unsealed hosts: %s\n",
		    vs.unsealed_hosts[0] != '\0' ? vs.unsealed_hosts : "none");
	if (!vs.sealed)
		return ctl_keys_status(v);
	return 0;
}

int
ctl_read_secret_line(const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO);
	char *nl;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	nl = fgets(buf, (int)len, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (nl == NULL)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static int
cmd_unseal(struct vault *v)
{
	struct vault_status vs;
	char line[256];
	enum cf_status st;

	for (;;) {
		if (vault_status(v, &vs) != CF_OK)
			return 1;
		if (!vs.sealed) {
			printf("unsealed\n");
			return 0;
		}
		if (ctl_read_secret_line(
		        "unseal key share: ", line, sizeof(line)) != 0) {
			fprintf(stderr,
			    "cofferctl: unseal: no unseal key share "
			    "on stdin (%u of %u given)\n",
			    vs.progress, vs.threshold);
			return 1;
		}
		st = vault_unseal(v, line, strlen(line), &vs);
		crypto_wipe(line, sizeof(line));
		if (st != CF_OK) {
			fprintf(stderr, "cofferctl: unseal: %s\n",
			    vs.refused != NULL ? vs.refused
			                       : ctl_status_text(st));
			return 1;
		}
		fprintf(
		    stderr, "progress %u of %u\n", vs.progress, vs.threshold);
	}
}

static int64_t
lifetime_arg(const char *s)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n == 0 ||
	    n > 366LL * 86400 || n < -366LL * 86400)
		usage();
	return (int64_t)n;
}

/* An audit line for a change of this file's commands (ctl_iam.c writes
 * its own): the API route that makes it, and the status it answers. */
static void
ctl_audit(const struct cf_config *cfg, const char *cmd, const char *method,
    const char *path, int status)
{
	int fd = audit_open(cfg->audit_log);

	audit_offline(fd, "cofferctl", cmd, method, path, status);
	if (fd != -1 && fd != STDERR_FILENO)
		close(fd);
}

/* A count of shares, 1-255, else a usage error. */
static unsigned
shares_arg(const char *s)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < 1 ||
	    n > CF_MAX_SHARES) {
		fprintf(stderr, "cofferctl: init: shares and threshold are "
		                "numbers from 1 to 255\n");
		exit(CTL_USAGE);
	}
	return (unsigned)n;
}

static void
print_init(const struct vault_init_result *r, unsigned t, const char *token)
{
	unsigned i;

	printf("initialized: %u key shares, any %u of which unseal the "
	       "store\n",
	    r->nshares, t);
	for (i = 0; i < r->nshares; i++)
		printf("key share %u: %s\n", i + 1, r->shares_hex[i]);
	printf("root token (superuser admin): %s\n", token);
	printf("These shares and the root token are shown this once: the "
	       "store keeps neither.\nGive each share to a different "
	       "holder now; the store is sealed until %u of them unseal "
	       "it (cofferctl unseal).\n",
	    t);
}

/*
 * init [-n SHARES] [-t THRESHOLD]: what PUT /secrets/v1/init/default does
 * (dcos_init_put), by the same calls: the CA, then the store with its
 * first superuser in one commit.  Vault's rules for n and t; an
 * initialized store is refused before the CA's key is made.
 */
static int
cmd_init(struct vault *v, const struct cf_config *cfg, int argc, char **argv)
{
	struct vault_init_result r;
	char *root_token = NULL;
	unsigned n = 5, t = 0;
	enum cf_status st;
	int i, rc = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			n = shares_arg(argv[++i]);
		else if (!strcmp(argv[i], "-t") && i + 1 < argc)
			t = shares_arg(argv[++i]);
		else
			usage();
	}
	if (t == 0)
		t = n < 3 ? n : 3;
	if (!dcos_init_counts_valid(n, t)) {
		fprintf(stderr, "cofferctl: init: the threshold must be at "
		                "most the shares, and at least 2 when there "
		                "are several shares\n");
		return CTL_USAGE;
	}
	memset(&r, 0, sizeof(r));
	if ((st = dcos_init_store(
	         v, n, t, NULL, cfg->token_lifetime, &r, &root_token)) != CF_OK)
		goto fail;
	ctl_audit(cfg, "init", "PUT", "/secrets/v1/init/default", 200);
	print_init(&r, t, root_token);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "cofferctl: init: %s\n",
	    st == CF_E_ALREADY_INIT ? "the store is already initialized; "
	                              "nothing changed"
	                            : ctl_status_text(st));
out:
	dcos_init_done(&r, &root_token);
	return rc;
}

char **
ctl_read_shares(const char *file, unsigned t, unsigned *k)
{
	char **sh;
	char prompt[64];
	FILE *f = NULL;
	unsigned i;

	*k = 0;
	if ((sh = calloc(t, sizeof(*sh))) == NULL ||
	    (sh[0] = calloc(t, SHARE_LINE)) == NULL) {
		fprintf(stderr, "cofferctl: out of memory\n");
		free(sh);
		return NULL;
	}
	for (i = 1; i < t; i++)
		sh[i] = sh[0] + i * SHARE_LINE;
	if (file != NULL && (f = ctl_fopen_input(file)) == NULL) {
		perror(file);
		free(sh[0]);
		free(sh);
		return NULL;
	}
	while (*k < t) {
		snprintf(
		    prompt, sizeof(prompt), "key share %u of %u: ", *k + 1, t);
		if (f != NULL
		        ? fgets(sh[*k], SHARE_LINE, f) == NULL
		        : ctl_read_secret_line(prompt, sh[*k], SHARE_LINE) != 0)
			break;
		sh[*k][strcspn(sh[*k], "\r\n")] = '\0';
		if (sh[*k][0] != '\0')
			(*k)++;
	}
	if (f != NULL)
		fclose(f);
	return sh;
}

void
ctl_shares_free(char **sh, unsigned t)
{
	if (sh == NULL)
		return;
	crypto_wipe(sh[0], (size_t)t * SHARE_LINE);
	free(sh[0]);
	free(sh);
}

/*
 * Rebuild the store's key in this process alone (the programs stay as they
 * are) from its threshold of shares, read as ctl_read_shares does: the
 * break-glass of an operator with no token, whatever the threshold.  0, or
 * -1 said on stderr in plain words, with nothing unlocked.
 */
static int
unlock_with_shares(struct vault *v, const char *file, const char *cmd)
{
	struct vault_status vs;
	enum cf_status st;
	char **sh;
	unsigned k;
	int rc = -1;

	if ((st = vault_status(v, &vs)) != CF_OK || !vs.initialized) {
		fprintf(stderr, "cofferctl: %s: %s\n", cmd,
		    ctl_status_text(st != CF_OK ? st : CF_E_NOT_INIT));
		return -1;
	}
	if ((sh = ctl_read_shares(file, vs.threshold, &k)) == NULL)
		return -1;
	if (k < vs.threshold) {
		fprintf(stderr,
		    "cofferctl: %s: the store needs %u key shares to unlock, "
		    "and %s gave %u; nothing done\n",
		    cmd, vs.threshold, file != NULL ? file : "stdin", k);
		goto out;
	}
	if (vault_unlock(v, sh, k) != CF_OK) {
		fprintf(stderr,
		    "cofferctl: %s: these %u key shares do not unlock the "
		    "store (each must be a different share of this store); "
		    "nothing done\n",
		    cmd, k);
		goto out;
	}
	rc = 0;
out:
	ctl_shares_free(sh, vs.threshold);
	return rc;
}

/*
 * token [--share-file FILE] [--lifetime S] UID: the shares are the
 * credential, even when the store is unsealed, so an operator locked out
 * of every account mints a token with the shares alone.
 */
static int
cmd_token(struct vault *v, const struct cf_config *cfg, int argc, char **argv)
{
	const char *file = NULL, *uid = NULL;
	int64_t lifetime = CF_TOKEN_LIFETIME, now = (int64_t)time(NULL);
	struct iam_user u;
	enum cf_status st;
	char *jwt = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--share-file") && i + 1 < argc)
			file = argv[++i];
		else if (!strcmp(argv[i], "--lifetime") && i + 1 < argc)
			lifetime = lifetime_arg(argv[++i]);
		else if (uid == NULL && strncmp(argv[i], "--", 2) != 0)
			uid = argv[i];
		else
			usage();
	}
	if (uid == NULL)
		usage();
	/* An expired token: issued two lifetimes ago. */
	if (lifetime < 0) {
		lifetime = -lifetime;
		now -= 2 * lifetime;
	}
	if (unlock_with_shares(v, file, "token") != 0)
		return 1;
	/* A token names its user's incarnation: no user, no token. */
	memset(&u, 0, sizeof(u));
	if ((st = iam_user_load(v, uid, &u)) != CF_OK) {
		fprintf(stderr, "cofferctl: token: %s\n",
		    st == CF_E_NOT_FOUND ? "no user or service account with "
		                           "that uid (cofferctl user-list)"
		                         : ctl_status_text(st));
		return 1;
	}
	if (iam_token_mint(v, uid, u.incarnation, now, lifetime, &jwt) !=
	    CF_OK) {
		fprintf(stderr, "cofferctl: token: cannot issue a token\n");
		return 1;
	}
	ctl_audit(cfg, "token", "POST", "/acs/api/v1/auth/login", 200);
	printf("%s\n", jwt);
	crypto_wipe(jwt, strlen(jwt));
	free(jwt);
	return 0;
}

char *
ctl_read_pem(const char *file, size_t *len)
{
	char *buf;
	FILE *f;

	if ((f = ctl_fopen_input(file)) == NULL) {
		perror(file);
		return NULL;
	}
	if ((buf = malloc(PKI_MAX_PEM + 1)) != NULL) {
		*len = fread(buf, 1, PKI_MAX_PEM + 1, f);
		if (ferror(f) || *len > PKI_MAX_PEM) {
			fprintf(stderr,
			    "cofferctl: %s: unreadable or larger "
			    "than %d bytes\n",
			    file, PKI_MAX_PEM);
			free(buf);
			buf = NULL;
		} else
			buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

/* The store's keys: from the keyholder when unsealed, else its
 * threshold of shares from share_file. */
static int
ready_or_unlock(struct vault *v, const char *share_file)
{
	if (vault_ready(v) == CF_OK)
		return 0;
	if (share_file == NULL) {
		fprintf(stderr, "cofferctl: the store is sealed; unseal it or "
		                "give --share-file\n");
		return -1;
	}
	return unlock_with_shares(v, share_file, "ca-import");
}

static int
cmd_ca_import(struct vault *v, int argc, char **argv)
{
	const char *cert = NULL, *key = NULL, *share = NULL, *detail = NULL;
	char *cpem = NULL, *kpem = NULL;
	size_t clen = 0, klen = 0;
	int i, force = 0, rc = 1;
	enum cf_status st;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--force"))
			force = 1;
		else if (!strcmp(argv[i], "--cert") && i + 1 < argc)
			cert = argv[++i];
		else if (!strcmp(argv[i], "--key") && i + 1 < argc)
			key = argv[++i];
		else if (!strcmp(argv[i], "--share-file") && i + 1 < argc)
			share = argv[++i];
		else
			usage();
	}
	if (cert == NULL || key == NULL)
		usage();
	if ((cpem = ctl_read_pem(cert, &clen)) == NULL ||
	    (kpem = ctl_read_pem(key, &klen)) == NULL ||
	    ready_or_unlock(v, share) != 0)
		goto out;
	st = pki_ca_import(v, cpem, clen, kpem, klen, force, &detail);
	if (st != CF_OK) {
		fprintf(stderr, "cofferctl: ca-import: %s\n",
		    detail != NULL ? detail : ctl_status_text(st));
		goto out;
	}
	printf("certificate authority imported\n");
	rc = 0;
out:
	if (kpem != NULL)
		crypto_wipe(kpem, klen);
	free(kpem);
	free(cpem);
	return rc;
}

/* 1 when the store setting names a backend by its scheme (backend.h):
 * then it is no file, and it may hold a password, so it is never shown. */
static int
store_by_scheme(const char *store)
{
	size_t n = strspn(store, "abcdefghijklmnopqrstuvwxyz"
	                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");

	return n > 0 && store[n] == ':';
}

/* The store, as messages show it. */
static const char *
store_name(const char *store)
{
	return store_by_scheme(store) ? "the PostgreSQL store" : store;
}

static int
cmd_backup(
    struct vault *v, const char *store_path, const char *file, int restore)
{
	const char *what = restore ? "restore" : "backup";
	struct ctl_progress p;
	int fd, rc;

	fd = restore ? ctl_open_input(file)
	             : open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd == -1) {
		perror(file);
		return 1;
	}
	/* A backup counts records; a restore, bytes of the dump, which
	 * tells its count only at the end. */
	ctl_progress_begin(&p, what, restore, 0);
	rc = restore ? backend_load(vault_backend(v), fd, ctl_progress_fn, &p)
	             : backend_dump(vault_backend(v), fd, ctl_progress_fn, &p);
	if (!restore && rc == 0 && fsync(fd) == -1)
		rc = -1;
	close(fd);
	ctl_progress_end(&p, rc == 0);
	if (rc != 0) {
		fprintf(stderr,
		    "cofferctl: %s %s failed; run again with -v "
		    "to see why\n",
		    what, file);
		return 1;
	}
	if (restore)
		printf("restored %s into %s\n", file, store_name(store_path));
	else
		printf("backed up %s to %s\n", store_name(store_path), file);
	return 0;
}

static int
cmd_seal(struct vault *v)
{
	enum cf_status st = vault_seal(v);

	if (st != CF_OK) {
		fprintf(stderr, "cofferctl: seal: %s\n", ctl_status_text(st));
		return 1;
	}
	printf("sealed\n");
	return 0;
}

/* 1 for a command that may make the store it is pointed at. */
static int
store_made_by(const char *cmd)
{
	return !strcmp(cmd, "init") || !strcmp(cmd, "restore");
}

/* Only init and restore may make a store: for every other command a store
 * that is not there is a mistyped path, said as such rather than created. */
static int
store_there(const struct cf_config *cfg, const char *conf, const char *cmd)
{
	if (store_by_scheme(cfg->store)) {
		if (strcmp(cmd, "verify") && strcmp(cmd, "salvage"))
			return 0;
		fprintf(stderr,
		    "cofferctl: %s works on a gdbm store's files; this store "
		    "is in PostgreSQL, whose server checks its own data\n",
		    cmd);
		return -1;
	}
	if (store_made_by(cmd) || access(cfg->store, F_OK) == 0)
		return 0;
	fprintf(stderr, "cofferctl: no store at %s: %s (check `store` in %s)\n",
	    cfg->store, strerror(errno), conf);
	return -1;
}

/*
 * migrate --to TO: every record of the configured store into the empty
 * store TO, then both tallied again (count and digest of every key and
 * value) and compared with what was copied.  Records stay sealed: no
 * share is asked for.  The programs should be stopped meanwhile: a write
 * after the copy's snapshot would not reach TO.
 */
static int
cmd_migrate(const char *from, const char *to)
{
	struct backend *src = NULL, *dst = NULL;
	struct backend_tally copied, a, b;
	struct ctl_progress p;
	int rc = 1, ok;

	if (!strcmp(from, to)) {
		fprintf(stderr, "cofferctl: migrate: that is this store\n");
		return 1;
	}
	if (backend_open(from, 0, &src) != 0 ||
	    backend_open(to, 1, &dst) != 0) {
		fprintf(stderr,
		    "cofferctl: migrate: cannot open %s; run again with -v "
		    "to see why\n",
		    src == NULL ? store_name(from) : store_name(to));
		goto out;
	}
	ctl_progress_begin(&p, "migrate", 0, 0);
	ok = backend_copy(src, dst, ctl_progress_fn, &p, &copied) == 0;
	ctl_progress_end(&p, ok);
	if (!ok) {
		fprintf(stderr,
		    "cofferctl: migrate: the copy failed (is the target "
		    "empty?); run again with -v to see why\n");
		goto out;
	}
	if (backend_tally(src, &a) != 0 || backend_tally(dst, &b) != 0) {
		fprintf(stderr, "cofferctl: migrate: cannot read the stores "
		                "back to compare them\n");
		goto out;
	}
	if (b.records != copied.records ||
	    memcmp(b.digest, copied.digest, sizeof(b.digest)) != 0) {
		fprintf(stderr,
		    "cofferctl: migrate: the target holds %" PRIu64
		    " records, not the %" PRIu64 " copied, or not the same\n",
		    b.records, copied.records);
		goto out;
	}
	if (a.records != copied.records ||
	    memcmp(a.digest, copied.digest, sizeof(a.digest)) != 0)
		fprintf(stderr,
		    "cofferctl: migrate: warning: %s changed during the copy "
		    "(were the programs running?): migrate again into an "
		    "empty store\n",
		    store_name(from));
	else
		rc = 0;
	if (rc == 0)
		printf("migrated %" PRIu64 " records from %s (%s) to %s (%s); "
		       "counts and digests match\n",
		    copied.records, store_name(from), src->ops->name,
		    store_name(to), dst->ops->name);
out:
	if (src != NULL)
		src->ops->close(src);
	if (dst != NULL)
		dst->ops->close(dst);
	return rc;
}

/* The configuration file's name, as config_load chooses it. */
static const char *
config_name(const char *conf)
{
	if (conf == NULL && (conf = getenv("COFFER_CONFIG")) == NULL)
		conf = CONFIG_DEFAULT_PATH;
	return conf;
}

static const struct option ctl_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

int
main(int argc, char **argv)
{
	struct cf_config cfg;
	struct vault *v = NULL;
	const char *conf = NULL;
	int ch, rc = 2, verbose = 0;

	while (
	    (ch = getopt_long(argc, argv, "+c:hv", ctl_options, NULL)) != -1) {
		if (ch == 'h') {
			usage_to(stdout);
			return CTL_OK;
		}
		if (ch == 'V') {
			printf("cofferctl %s\n", PACKAGE_VERSION);
			return CTL_OK;
		}
		if (ch == 'v')
			verbose = 1;
		else if (ch == 'c')
			conf = optarg;
		else
			usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if (!strcmp(argv[0], "help"))
		return argc == 2 ? cmd_help(argv[1])
		                 : (usage_to(stdout), CTL_OK);
	/* The HTTP clients: no config, no store, no new user. */
	if ((rc = ctl_kv_run(argc, argv)) != -1 ||
	    (rc = ctl_transfer_run(argc, argv)) != -1)
		return rc;
	/* The library's lines would mix with this tool's own messages. */
	log_set_quiet(!verbose);
	conf = config_name(conf);
	if (config_load(&cfg, conf) != 0 || pki_init(&cfg) != 0) {
		fprintf(stderr,
		    "cofferctl: cannot read the configuration %s: %s; give "
		    "-c FILE or set COFFER_CONFIG\n",
		    conf, errno != 0 ? strerror(errno) : "invalid");
		return 1;
	}
	/* The keyring and the files are the programs' user's: root acts as
	 * that user, so a seal reaches what the programs see. */
	ctl_preopen(argc, argv);
	if (ctl_become_owner(&cfg, store_by_scheme(cfg.store),
	        store_made_by(argv[0]), verbose) != 0 ||
	    store_there(&cfg, conf, argv[0]) != 0)
		return 1;
	/* On the files alone: a damaged store opens, but serves nothing. */
	if (!strcmp(argv[0], "verify") && argc == 1)
		return store_verify(cfg.store, stdout) == 0 ? 0 : 1;
	if (!strcmp(argv[0], "salvage") && argc == 1)
		return store_salvage(cfg.store, stdout) == 0 ? 0 : 1;
	if (!strcmp(argv[0], "migrate"))
		return argc == 3 && !strcmp(argv[1], "--to")
		           ? cmd_migrate(cfg.store, argv[2])
		           : (usage(), 1);
	if (vault_open(cfg.store, &v) != 0) {
		fprintf(stderr,
		    "cofferctl: cannot open the store %s; run "
		    "again with -v to see why\n",
		    store_name(cfg.store));
		return 1;
	}
	if (!strcmp(argv[0], "status") && argc == 1)
		rc = cmd_status(v);
	else if (!strcmp(argv[0], "unseal") && argc == 1)
		rc = cmd_unseal(v);
	else if (!strcmp(argv[0], "seal") && argc == 1)
		rc = cmd_seal(v);
	else if (!strcmp(argv[0], "token"))
		rc = cmd_token(v, &cfg, argc, argv);
	else if (!strcmp(argv[0], "init"))
		rc = cmd_init(v, &cfg, argc, argv);
	else if (!strcmp(argv[0], "backup") && argc == 2)
		rc = cmd_backup(v, cfg.store, argv[1], 0);
	else if (!strcmp(argv[0], "restore") && argc == 2)
		rc = cmd_backup(v, cfg.store, argv[1], 1);
	else if (!strcmp(argv[0], "ca-import"))
		rc = cmd_ca_import(v, argc, argv);
	else if ((rc = ctl_keys_run(v, &cfg, argc, argv)) != -1)
		;
	else if ((rc = ctl_acme_run(v, &cfg, argc, argv)) != -1)
		;
	else if ((rc = ctl_iam_run(v, &cfg, argc, argv)) == -1)
		usage();
	vault_close(v);
	return rc;
}
