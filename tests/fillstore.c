/*
 * fillstore.c: fill a store with many secrets quickly, or damage one
 * record, for tests/suites/large_store_test.sh and tools/bench.  Run as
 * the uid that owns the store, while the web server serves it.
 *
 *   fillstore CONFIG SHARE_FILE fill STORE PREFIX MIDDLE FOLDERS EACH KIND
 *	Writes FOLDERS * EACH secrets PREFIX<i>MIDDLE<j> (i < FOLDERS,
 *	j < EACH), each through secret_write_in(), FILL_BATCH to a
 *	transaction, sealed with the key rebuilt from the share in
 *	SHARE_FILE (this process only; the keyholder is left alone).  KIND
 *	"value": the map {"value": "v-<i>-<j>"}; KIND "sensu": a Sensu
 *	secret resource {"id": "f<i>/s<j>#value", "provider": "env"}.
 *	On the gdbm store, folds the journal into gdbm at the end, so the
 *	workers' overlays stay small.  Prints "filled N".
 *   fillstore CONFIG - tamper KEY
 *	Flips one ciphertext byte of the record KEY, as a failing disk
 *	would: it no longer opens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "backend/store.h" /* the gdbm store's checkpoints, tuned for a fill */
#include "base/config.h"
#include "crypto/crypto.h"
#include "vault/secret.h"
#include "vault/vault.h"

#define FILL_BATCH      1000        /* secrets per transaction */
#define FILL_CHECKPOINT (64u << 20) /* journal bytes before folding */
#define FILL_MAX        1000000     /* folders, and secrets per folder */

static int
usage(void)
{
	fprintf(stderr,
	    "usage: fillstore CONFIG SHARE_FILE fill STORE PREFIX MIDDLE "
	    "FOLDERS EACH value|sensu\n"
	    "       fillstore CONFIG - tamper KEY\n");
	return 2;
}

static int
count_arg(const char *s, unsigned *out)
{
	char *end;
	unsigned long n = strtoul(s, &end, 10);

	if (*s < '0' || *s > '9' || *end != '\0' || n == 0 || n > FILL_MAX)
		return -1;
	*out = (unsigned)n;
	return 0;
}

static int
unlock(struct vault *v, const char *file)
{
	char line[256], *shares[1] = {line};
	FILE *f;
	int ok;

	if ((f = fopen(file, "r")) == NULL) {
		perror(file);
		return -1;
	}
	ok = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	line[strcspn(line, "\r\n")] = '\0';
	ok = vault_unlock(v, shares, 1) == CF_OK;
	crypto_wipe(line, sizeof(line));
	return ok ? 0 : -1;
}

static int
fill_one(struct vault *v, const char *store, const char *path, unsigned i,
    unsigned j, int sensu)
{
	struct secret *s = secret_new();
	char val[64];
	int rc = -1;

	if (s == NULL)
		return -1;
	if (sensu) {
		snprintf(val, sizeof(val), "f%u/s%u#value", i, j);
		if (secret_set(s, "id", val, strlen(val)) != 0 ||
		    secret_set(s, "provider", "env", 3) != 0)
			goto out;
	} else {
		snprintf(val, sizeof(val), "v-%u-%u", i, j);
		if (secret_set(s, "value", val, strlen(val)) != 0)
			goto out;
	}
	if (secret_write_in(v, store, path, SECRET_UPSERT, s, 1, NULL) == CF_OK)
		rc = 0;
out:
	secret_free(s);
	return rc;
}

static int
fill(struct vault *v, char **argv)
{
	const char *store = argv[0], *prefix = argv[1], *middle = argv[2];
	struct store *st;
	unsigned folders, each, i, j, n = 0;
	char path[600];
	int sensu;

	if (count_arg(argv[3], &folders) != 0 ||
	    count_arg(argv[4], &each) != 0 ||
	    (strcmp(argv[5], "value") != 0 && strcmp(argv[5], "sensu") != 0))
		return usage();
	sensu = !strcmp(argv[5], "sensu");
	if ((st = backend_gdbm_store(vault_backend(v))) != NULL)
		store_set_checkpoint_bytes(st, FILL_CHECKPOINT);
	for (i = 0; i < folders; i++)
		for (j = 0; j < each; j++) {
			if (n % FILL_BATCH == 0 &&
			    vault_write_begin(v) != CF_OK)
				return 1;
			snprintf(path, sizeof(path), "%s%u%s%u", prefix, i,
			    middle, j);
			if (fill_one(v, store, path, i, j, sensu) != 0) {
				fprintf(stderr, "fillstore: cannot write %s\n",
				    path);
				vault_abort(v);
				return 1;
			}
			if (++n % FILL_BATCH == 0 && vault_commit(v) != CF_OK)
				return 1;
		}
	if (n % FILL_BATCH != 0 && vault_commit(v) != CF_OK)
		return 1;
	if (st != NULL && store_checkpoint(st) != 0)
		return 1;
	printf("filled %u\n", n);
	return 0;
}

static int
tamper(struct vault *v, const char *key)
{
	struct backend *b = vault_backend(v);
	uint8_t *val = NULL;
	size_t len;
	int rc = 1;

	if (b->ops->begin_write(b, 0) != 0)
		return 1;
	if (b->ops->get(b, key, strlen(key), &val, &len) != 0 || len < 20) {
		fprintf(stderr, "fillstore: no record %s\n", key);
		goto out;
	}
	val[len - 20] ^= 1;
	if (b->ops->put(b, key, strlen(key), val, len) != 0 ||
	    b->ops->commit(b) != 0)
		goto out;
	rc = 0;
out:
	b->ops->abort(b);
	free(val);
	return rc;
}

int
main(int argc, char **argv)
{
	struct cf_config cfg;
	struct vault *v = NULL;
	int rc;

	if (argc < 4)
		return usage();
	if (config_load(&cfg, argv[1]) != 0 || vault_open(cfg.store, &v) != 0)
		return 1;
	if (!strcmp(argv[3], "fill") && argc == 10)
		rc = unlock(v, argv[2]) == 0 ? fill(v, argv + 4) : 1;
	else if (!strcmp(argv[3], "tamper") && argc == 5)
		rc = tamper(v, argv[4]);
	else
		rc = usage();
	vault_close(v);
	return rc;
}
