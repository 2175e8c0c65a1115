/*
 * test_config.c: the settings of common/base/config.c.
 *
 * Each setting takes the values its row allows and refuses every other,
 * leaving the struct as it was; the defaults are what the README says; a
 * file is read line by line, comments and blanks skipped, and one bad line
 * fails the whole load.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/config.h"
#include "base/log.h"
#include "unit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char sha_hex[] = "00112233445566778899aabbccddeeff"
                              "00112233445566778899AABBCCDDEEFF";

/* One setting, one value: taken (ok) or refused, and when taken, what the
 * struct then reads (as text, by show()). */
static const struct {
	int line;
	const char *key, *value;
	int ok;
	const char *shown; /* NULL: not checked */
} rows[] = {
    {__LINE__, "store", "/srv/coffer.db", 1, "/srv/coffer.db"},
    {__LINE__, "store", "postgresql:host=db1", 1, "postgresql:host=db1"},
    {__LINE__, "Store", "/srv/coffer.db", 0, NULL},
    {__LINE__, "backend", "postgresql", 1, "postgresql"},
    {__LINE__, "backend", "gdbm", 1, "gdbm"},
    {__LINE__, "backend", "mysql", 0, NULL},
    {__LINE__, "state_dir", "/srv/coffer-state", 1, "/srv/coffer-state"},
    {__LINE__, "postgresql", "host=db1,db2 target_session_attrs=read-write", 1,
        "host=db1,db2 target_session_attrs=read-write"},
    {__LINE__, "no_such_key", "1", 0, NULL},
    {__LINE__, "allow_plain_http", "yes", 1, "1"},
    {__LINE__, "allow_plain_http", "false", 1, "0"},
    {__LINE__, "allow_plain_http", "maybe", 0, NULL},
    {__LINE__, "allow_plain_http", "", 0, NULL},
    {__LINE__, "acme_eab_required", "yes", 1, "1"},
    {__LINE__, "acme_eab_required", "0", 1, "0"},
    {__LINE__, "acme_eab_required", "required", 0, NULL},
    {__LINE__, "body_limit", "1", 1, "1"},
    {__LINE__, "body_limit", "67108864", 1, "67108864"},
    {__LINE__, "body_limit", "67108865", 0, NULL},
    {__LINE__, "body_limit", "0", 0, NULL},
    {__LINE__, "body_limit", "-1", 0, NULL},
    {__LINE__, "body_limit", "1k", 0, NULL},
    {__LINE__, "body_limit", "99999999999999999999999", 0, NULL},
    {__LINE__, "token_lifetime", "31622400", 1, "31622400"},
    {__LINE__, "token_lifetime", "31622401", 0, NULL},
    {__LINE__, "versions_kept", "1000", 1, "1000"},
    {__LINE__, "versions_kept", "1001", 0, NULL},
    {__LINE__, "versions_kept", "0", 0, NULL},
    {__LINE__, "login_max_failures", "0", 1, "0"},
    {__LINE__, "login_window", "0", 0, NULL},
    {__LINE__, "access_token_lifetime", "86401", 0, NULL},
    {__LINE__, "ca_auth_key", "0123456789abcdef0123456789abcdef", 1,
        "0123456789abcdef0123456789abcdef"},
    {__LINE__, "ca_auth_key", "0123456789abcdef0123456789abcde", 0, NULL},
    {__LINE__, "ca_auth_key", "0123456789abcdef0123456789abcdeg", 0, NULL},
    {__LINE__, "ca_key", "ecdsa-p256", 1, "ecdsa-p256"},
    {__LINE__, "ca_key", "a-name-of-sixteen", 0, NULL},
    {__LINE__, "dapr_token_sha256", sha_hex, 1, "set"},
    {__LINE__, "dapr_token_sha256", "0011", 0, NULL},
    {__LINE__, "dapr_token_sha256",
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeefg", 0,
        NULL},
    {__LINE__, "dapr_scope", "default allow denied=app/a/y", 1,
        "default deny=0 allowed= denied=app/a/y"},
    {__LINE__, "dapr_scope", "default deny allowed=a,b", 1,
        "default deny=1 allowed=a,b denied="},
    {__LINE__, "dapr_scope", "default", 0, NULL},
    {__LINE__, "dapr_scope", "default permit", 0, NULL},
    {__LINE__, "dapr_scope", "default allow other=x", 0, NULL},
};

/* What rows[i] set, as text. */
static void
show(const struct cf_config *c, const char *key, char *out, size_t len)
{
	const struct config_dapr_scope *sc;

	if (!strcmp(key, "store"))
		snprintf(out, len, "%s", c->store);
	else if (!strcmp(key, "backend"))
		snprintf(out, len, "%s", c->backend);
	else if (!strcmp(key, "postgresql"))
		snprintf(out, len, "%s", c->postgresql);
	else if (!strcmp(key, "state_dir"))
		snprintf(out, len, "%s", c->state_dir);
	else if (!strcmp(key, "allow_plain_http"))
		snprintf(out, len, "%d", c->allow_plain_http);
	else if (!strcmp(key, "acme_eab_required"))
		snprintf(out, len, "%d", c->acme_eab_required);
	else if (!strcmp(key, "body_limit"))
		snprintf(out, len, "%zu", c->body_limit);
	else if (!strcmp(key, "token_lifetime"))
		snprintf(out, len, "%lld", (long long)c->token_lifetime);
	else if (!strcmp(key, "versions_kept"))
		snprintf(out, len, "%u", c->versions_kept);
	else if (!strcmp(key, "login_max_failures"))
		snprintf(out, len, "%u", c->login_max_failures);
	else if (!strcmp(key, "ca_auth_key"))
		snprintf(out, len, "%s", c->ca_auth_key);
	else if (!strcmp(key, "ca_key"))
		snprintf(out, len, "%s", c->ca_key);
	else if (!strcmp(key, "dapr_token_sha256"))
		snprintf(out, len, "%s",
		    c->dapr_token_set && c->dapr_token_sha256[0] == 0x00 &&
		            c->dapr_token_sha256[31] == 0xff
		        ? "set"
		        : "wrong");
	else if (!strcmp(key, "dapr_scope") && c->ndapr_scopes == 1) {
		sc = &c->dapr_scope[0];
		snprintf(out, len, "%s deny=%d allowed=%s denied=%s", sc->store,
		    sc->deny, sc->allowed, sc->denied);
	} else
		snprintf(out, len, "?");
}

static void
test_each_setting_takes_its_values_and_refuses_the_rest(void)
{
	struct cf_config c, before;
	char got[3000];
	size_t i;
	int rc;

	for (i = 0; i < NELEM(rows); i++) {
		config_defaults(&c);
		before = c;
		rc = config_set(&c, rows[i].key, rows[i].value);
		CHECK_LINE(rows[i].line, (rc == 0) == rows[i].ok,
		    "taken or refused as the row says");
		if (!rows[i].ok) {
			CHECK_LINE(rows[i].line,
			    !memcmp(&c, &before, sizeof(c)),
			    "a refused value changes nothing");
			continue;
		}
		if (rows[i].shown == NULL)
			continue;
		show(&c, rows[i].key, got, sizeof(got));
		CHECK_LINE(rows[i].line, !strcmp(got, rows[i].shown), got);
	}
}

static void
test_the_defaults_are_the_documented_ones(void)
{
	struct cf_config c;

	config_defaults(&c);
	CHECK(!strcmp(c.store, "/var/lib/coffer/coffer.db"), "store");
	CHECK(!strcmp(c.backend, "gdbm"), "backend");
	CHECK(c.body_limit == 1048576, "body_limit: 1 MiB");
	CHECK(c.token_lifetime == 432000, "token_lifetime: 5 days");
	CHECK(c.versions_kept == 10, "versions_kept");
	CHECK(!strcmp(c.secret_stores, "default"), "secret_stores");
	CHECK(!strcmp(c.sensu_namespaces, "default"), "sensu_namespaces");
	CHECK(c.access_token_lifetime == 300, "access_token_lifetime");
	CHECK(c.login_max_failures == 5, "login_max_failures");
	CHECK(c.login_window == 300, "login_window");
	CHECK(!c.allow_plain_http && !c.trust_remote_user && !c.dev_mode &&
	          !c.acme_eab_required,
	    "every switch off");
	CHECK(!c.dapr_token_set && c.ndapr_scopes == 0, "no Dapr token");
}

static void
test_a_value_one_byte_too_long_for_its_field_is_refused(void)
{
	struct cf_config c;
	char v[CONFIG_MAX_TEXT + 1];

	config_defaults(&c);
	memset(v, 'a', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	CHECK(config_set(&c, "secret_stores", v) == -1, "1024 bytes");
	v[sizeof(v) - 2] = '\0';
	CHECK(config_set(&c, "secret_stores", v) == 0, "1023 bytes");
}

static void
test_a_store_is_scoped_once_and_scopes_are_bounded(void)
{
	struct cf_config c;
	char v[64];
	int i;

	config_defaults(&c);
	CHECK(config_set(&c, "dapr_scope", "s0 allow") == 0, "first");
	CHECK(config_set(&c, "dapr_scope", "s0 deny") == -1, "named twice");
	for (i = 1; i < CONFIG_MAX_DAPR_SCOPES; i++) {
		snprintf(v, sizeof(v), "s%d allow", i);
		CHECK(config_set(&c, "dapr_scope", v) == 0, v);
	}
	CHECK(config_set(&c, "dapr_scope", "one-too-many allow") == -1,
	    "past CONFIG_MAX_DAPR_SCOPES");
	CHECK(c.ndapr_scopes == CONFIG_MAX_DAPR_SCOPES, "all kept");
}

/* Write text to a file in dir and load it. */
static int
load_text(const char *dir, const char *text, struct cf_config *c)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/coffer.conf", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -2;
	fputs(text, f);
	fclose(f);
	return config_load(c, path);
}

static void
test_a_file_is_read_with_comments_and_blanks_and_fails_on_one_bad_line(
    const char *dir)
{
	struct cf_config c;

	CHECK(load_text(dir,
	          "# Coffer\n\n  store = /srv/c.db  # here\n"
	          "versions_kept=3\n",
	          &c) == 0,
	    "a good file loads");
	CHECK(!strcmp(c.store, "/srv/c.db"), "spaces and comment trimmed");
	CHECK(c.versions_kept == 3, "no spaces around =");
	CHECK(load_text(dir, "store = /a\nversions_kept\n", &c) == -1,
	    "a line without =");
	CHECK(load_text(dir, "store = /a\nversion_kept = 3\n", &c) == -1,
	    "a misspelt key");
	CHECK(config_load(&c, "/nonexistent/coffer.conf") == -1, "no file");
}

static void
test_backend_postgresql_names_the_store_by_its_connection_string(
    const char *dir)
{
	struct cf_config c;

	CHECK(load_text(dir, "backend = postgresql\n", &c) == -1,
	    "postgresql without a connection string");
	CHECK(load_text(dir,
	          "postgresql = host=db1 dbname=coffer\n"
	          "backend = postgresql\n",
	          &c) == 0,
	    "in either order");
	CHECK(!strcmp(c.store, "postgresql:host=db1 dbname=coffer"), c.store);
	CHECK(!strcmp(c.state, "/var/lib/coffer/coffer"),
	    "its state files in /var/lib/coffer");
	CHECK(
	    load_text(dir, "store = postgresql:host=db1\nstate_dir = /srv/st\n",
	        &c) == 0 &&
	        !strcmp(c.state, "/srv/st/coffer"),
	    "or in state_dir");
	CHECK(load_text(dir, "store = /srv/c.db\n", &c) == 0 &&
	          !strcmp(c.state, "/srv/c.db"),
	    "a gdbm store's beside it");
	CHECK(load_text(dir, "store = /srv/c.db\nstate_dir = /run/c\n", &c) ==
	              0 &&
	          !strcmp(c.state, "/run/c/coffer"),
	    "unless state_dir says otherwise");
	CHECK(load_text(dir, "postgresql = host=db1\nstore = /a\n", &c) == 0 &&
	          !strcmp(c.store, "/a"),
	    "a connection string alone changes nothing");
}

/* Write text to dir/coffer.conf.d/name. */
static int
write_dropin(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/coffer.conf.d", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/coffer.conf.d/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(text, f);
	fclose(f);
	return 0;
}

static void
test_drop_ins_are_read_after_the_file_in_name_order(const char *dir)
{
	struct cf_config c;
	char path[512];

	CHECK(write_dropin(dir, "20-later.conf", "versions_kept = 7\n") == 0 &&
	          write_dropin(dir, "10-key.conf",
	              "ca_auth_key = 00112233445566778899aabbccddeeff\n"
	              "versions_kept = 5\n") == 0 &&
	          write_dropin(dir, "30-editor.conf.swp", "garbage\n") == 0 &&
	          write_dropin(dir, ".hidden.conf", "garbage\n") == 0 &&
	          write_dropin(dir, "40-new.conf.dpkg-new", "garbage\n") == 0,
	    "drop-ins written");
	CHECK(load_text(dir, "versions_kept = 3\n", &c) == 0, "loads");
	CHECK(c.ca_auth_key[0] != '\0', "a drop-in's setting is taken");
	CHECK(c.versions_kept == 7, "the last file in name order wins");
	CHECK(write_dropin(dir, "50-bad.conf", "version_kept = 3\n") == 0 &&
	          load_text(dir, "", &c) == -1,
	    "a drop-in's misspelt key fails the load");
	snprintf(path, sizeof(path), "%s/coffer.conf.d/50-bad.conf", dir);
	unlink(path);
	CHECK(load_text(dir, "", &c) == 0, "and loads again without it");
}

int
main(void)
{
	char dir[] = "/tmp/test_config.XXXXXX";

	log_set_quiet(1);
	if (mkdtemp(dir) == NULL)
		return EXIT_FAILURE;
	test_each_setting_takes_its_values_and_refuses_the_rest();
	test_the_defaults_are_the_documented_ones();
	test_a_value_one_byte_too_long_for_its_field_is_refused();
	test_a_store_is_scoped_once_and_scopes_are_bounded();
	test_a_file_is_read_with_comments_and_blanks_and_fails_on_one_bad_line(
	    dir);
	test_backend_postgresql_names_the_store_by_its_connection_string(dir);
	test_drop_ins_are_read_after_the_file_in_name_order(dir);
	unit_rmtree(dir);
	return unit_done();
}
