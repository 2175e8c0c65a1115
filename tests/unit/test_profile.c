/* test_profile: CFSSL signing configs read by profile.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ca/profile.h"
#include "unit.h"

static char dir[] = "/tmp/coffer-test-profile.XXXXXX";

static const char *
write_config(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return NULL;
	fputs(text, f);
	fclose(f);
	return path;
}

/* profile_load in a child, so each config starts from a fresh table. */
static int
loads(const char *text)
{
	const char *path = write_config("child.json", text);
	pid_t pid;
	int status;

	if (path == NULL || (pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		/* The reasons are the program's log; the test reads codes. */
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(2);
		_exit(profile_load(path) == 0 ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static const char *const config =
    "{\"signing\": {\"default\": {\"usages\": [\"signing\"],"
    " \"expiry\": \"2h30m\"},"
    " \"profiles\": {"
    "  \"ku\": {\"usages\": [\"digital signature\", \"content commitment\","
    "   \"key encipherment\", \"key agreement\", \"data encipherment\","
    "   \"cert sign\", \"crl sign\", \"encipher only\", \"decipher only\"],"
    "   \"expiry\": \"1h\"},"
    "  \"eku\": {\"usages\": [\"server auth\", \"client auth\","
    "   \"code signing\", \"s/mime\", \"ipsec end system\", \"ipsec tunnel\","
    "   \"ipsec user\", \"timestamping\", \"ocsp signing\", \"any\","
    "   \"no such usage\"], \"expiry\": \"90s\"},"
    "  \"ca2\": {\"usages\": [\"cert sign\"], \"expiry\": \"1h\","
    "   \"ca_constraint\": {\"is_ca\": true, \"max_path_len\": 2}},"
    "  \"ca0\": {\"usages\": [\"cert sign\"], \"expiry\": \"1h\","
    "   \"ca_constraint\": {\"is_ca\": true, \"max_path_len\": 0,"
    "    \"max_path_len_zero\": true}},"
    "  \"canolimit\": {\"usages\": [\"cert sign\"], \"expiry\": \"1h\","
    "   \"ca_constraint\": {\"is_ca\": true, \"max_path_len\": 0}},"
    "  \"wl\": {\"usages\": [\"signing\"], \"expiry\": \"1h\","
    "   \"name_whitelist\": \"^[a-z]+\\\\.example\\\\.com$|@ops\\\\.net$\"},"
    "  \"keyed\": {\"usages\": [\"signing\"], \"expiry\": \"1h\","
    "   \"auth_key\": \"k\"},"
    "  \"more\": {\"usages\": [\"signing\"], \"expiry\": \"1h\","
    "   \"backdate\": \"2m30s\", \"not_before\": \"2030-03-04T05:06:07Z\","
    "   \"not_after\": \"2030-03-04T06:06:07.123-01:30\","
    "   \"crl_url\": \"http://c/\", \"issuer_urls\": [],"
    "   \"policies\": [{\"ID\": \"1.2.840.113549\", \"Qualifiers\": ["
    "    {\"Type\": \"id-qt-unotice\", \"Value\": \"n\u00e9\"}]},"
    "    {\"oid\": \"2.999.4294967296\"}]}"
    " }},"
    " \"auth_keys\": {\"k\": {\"type\": \"standard\","
    "  \"key\": \"00112233445566778899aabbccddeeff\"},"
    "  \"unused\": {\"type\": \"odd\"}}}";

static void
test_default_before_any_config_is_cfssls(void)
{
	const struct pki_profile *p = profile_get("", 0);

	CHECK(p != NULL && p->expiry == 8760LL * 3600 &&
	          !strcmp(p->expiry_text, "8760h"),
	    "CFSSL's default: 8760h");
	CHECK(p != NULL && p->nusages == 4 && !p->is_ca &&
	          p->key_usage == (PROFILE_KU_DIGITAL_SIGNATURE |
	                              PROFILE_KU_KEY_ENCIPHERMENT) &&
	          p->ext_usage == (PROFILE_EKU_SERVER | PROFILE_EKU_CLIENT),
	    "CFSSL's default usages");
	CHECK(profile_get("default", 7) == NULL, "no named profiles yet");
}

static void
test_config_profiles(void)
{
	const struct pki_profile *p;
	const char *path = write_config("cfssl.json", config);

	CHECK(path != NULL && profile_load(path) == 0, "the config loads");
	p = profile_get("", 0);
	CHECK(p != NULL && p->expiry == 9000 && p->nusages == 1 &&
	          p->key_usage == PROFILE_KU_DIGITAL_SIGNATURE &&
	          p->ext_usage == 0,
	    "the configured default replaces CFSSL's");
	p = profile_get("ku", 2);
	CHECK(p != NULL && p->key_usage == 0x80ffu && p->ext_usage == 0 &&
	          p->nusages == 9,
	    "every key usage name sets its bit");
	p = profile_get("eku", 3);
	CHECK(p != NULL && p->ext_usage == 0x3ffu && p->key_usage == 0 &&
	          p->expiry == 90,
	    "every extended key usage name sets its bit");
	CHECK(p != NULL && p->nusages == 10 && !strcmp(p->usages[3], "s/mime"),
	    "unknown usages are skipped, known ones kept in order");
	p = profile_get("ca2", 3);
	CHECK(p != NULL && p->is_ca && p->max_path_len == 2, "pathlen 2");
	p = profile_get("ca0", 3);
	CHECK(p != NULL && p->is_ca && p->max_path_len == 0,
	    "max_path_len_zero: pathlen 0");
	p = profile_get("canolimit", 9);
	CHECK(p != NULL && p->is_ca && p->max_path_len == -1,
	    "max_path_len 0 without max_path_len_zero: no limit (Go)");
	p = profile_get("keyed", 5);
	CHECK(p != NULL && p->auth_key != NULL &&
	          !strcmp(p->auth_key, "00112233445566778899aabbccddeeff"),
	    "auth_key resolves to its auth_keys entry's key");
	CHECK(profile_get("ku", 2)->auth_key == NULL && profile_any_auth_key(),
	    "only the profile naming a key has one");
	p = profile_get("more", 4);
	CHECK(p != NULL && p->backdate == 150 && p->has_not_before &&
	          p->not_before == 1898831167 && p->has_not_after &&
	          p->not_after == 1898831167 + 3600 + 5400,
	    "backdate and RFC 3339 times, with their offset");
	CHECK(p != NULL && p->crl_url != NULL &&
	          !strcmp(p->crl_url, "http://c/") && p->ocsp_url == NULL &&
	          p->nissuer_urls == 0,
	    "URLs as given; an empty issuer_urls is none");
	CHECK(p != NULL && p->npolicies == 2 && p->policies[0].oidlen == 6 &&
	          !memcmp(p->policies[0].oid, "\x2a\x86\x48\x86\xf7\x0d", 6) &&
	          p->policies[0].nq == 1 && !p->policies[0].q[0].cps &&
	          !strcmp(p->policies[0].q[0].value, "n\xc3\xa9"),
	    "a policy OID in base 128, its notice in UTF-8, members any case");
	CHECK(
	    p != NULL && p->npolicies == 2 && p->policies[1].oidlen == 7 &&
	        !memcmp(p->policies[1].oid, "\x88\x37\x90\x80\x80\x80\x00", 7),
	    "2.999.2^32: the first subidentifier takes 2 * 40 + 999");
	CHECK(profile_get("ku", 2)->crl_url == NULL, "no default URL: none");
	CHECK(profile_get("nope", 4) == NULL && profile_get("ca", 2) == NULL,
	    "unknown names and prefixes are unknown");
}

static void
test_whitelist(void)
{
	const struct pki_profile *wl = profile_get("wl", 2);
	const struct pki_profile *open = profile_get("ku", 2);

	CHECK(wl != NULL && profile_name_allowed(wl, "www.example.com", 15),
	    "a matching DNS name");
	CHECK(wl != NULL && profile_name_allowed(wl, "root@ops.net", 12),
	    "an alternative of the regexp");
	CHECK(wl != NULL && !profile_name_allowed(wl, "a.b.example.com", 15),
	    "anchors hold");
	CHECK(wl != NULL && !profile_name_allowed(wl, "www.example.com\0x", 17),
	    "an embedded NUL never matches");
	CHECK(open != NULL && profile_name_allowed(open, "anything", 8),
	    "no whitelist: every name");
}

static void
test_refused_configs(void)
{
	static const struct {
		int line;
		const char *text;
	} bad[] = {
	    {__LINE__, "[]"},
	    {__LINE__, "{\"signing\": 1}"},
	    {__LINE__, "{\"signing\": {\"default\": {\"usages\": [],"
	               " \"expiry\": \"1h\"}}}"},
	    {__LINE__, "{\"signing\": {\"default\": {\"usages\": [\"x\"],"
	               " \"expiry\": \"1h\"}}}"},
	    {__LINE__, "{\"signing\": {\"default\": {\"usages\": [\"signing\","
	               " \"netscape sgc\"], \"expiry\": \"1h\"}}}"},
	    {__LINE__, "{\"signing\": {\"default\": {\"usages\": [\"signing\"],"
	               " \"expiry\": \"1d\"}}}"},
	    {__LINE__, "{\"signing\": {\"default\": {\"usages\": [\"signing\"],"
	               " \"expiry\": \"0h\"}}}"},
	    {__LINE__, "{\"signing\": {\"profiles\": {\"p\": {\"usages\":"
	               " [\"signing\"], \"expiry\": \"1h\", \"ca_constraint\":"
	               " {\"is_ca\": \"yes\"}}}}}"},
	    {__LINE__, "{\"signing\": {\"profiles\": {\"p\": {\"usages\":"
	               " [\"signing\"], \"expiry\": \"1h\", \"name_whitelist\":"
	               " \"(?i)example\"}}}}"},
	    {__LINE__, "{\"signing\": {\"profiles\": {\"p\": {\"usages\":"
	               " [\"signing\"], \"expiry\": \"1h\", \"name_whitelist\":"
	               " \"a+?\"}}}}"},
	    {__LINE__, "{\"signing\": {\"profiles\": {\"p\": {\"usages\":"
	               " [\"signing\"], \"expiry\": \"1h\", \"name_whitelist\":"
	               " \"[a-z\\\\d]\"}}}}"},
	    {__LINE__, "{\"signing\": {\"profiles\": {\"p\": {\"usages\":"
	               " [\"signing\"], \"expiry\": \"1h\", \"name_whitelist\":"
	               " \"(a\"}}}}"},
	    {__LINE__, "{\"signing\": {\"profiles\": {\"\": {\"usages\":"
	               " [\"signing\"], \"expiry\": \"1h\"}}}}"},
	    {__LINE__, "{\"signing\": {\"default\": {\"usages\": [\"signing\"],"
	               " \"expiry\": \"1h\", \"auth_key\": \"k\"}}}"},
	    {__LINE__,
	        "{\"signing\": {\"default\": {\"usages\": [\"signing\"],"
	        " \"expiry\": \"1h\", \"auth_key\": \"k\"}}, \"auth_keys\":"
	        " {\"k\": {\"type\": \"standard\", \"key\": \"00112233"
	        "445566778899aabbccddeeffg\"}}}"},
	    {__LINE__, "{\"signing\": {\"default\": {\"usages\": [\"signing\"],"
	               " \"expiry\": \"1h\", \"auth_key\": 1}}}"},
	    {__LINE__, "{\"signing\": {}, \"auth_keys\": []}"},
	    {__LINE__,
	        "{\"signing\": {\"default\": {\"usages\": [\"signing\"],"
	        " \"expiry\": \"1h\", \"policies\": [{\"id\": \"1.40\"}]}}}"},
	    {__LINE__,
	        "{\"signing\": {\"default\": {\"usages\": [\"signing\"],"
	        " \"expiry\": \"1h\", \"policies\": [{\"id\": \"1\"}]}}}"},
	    {__LINE__,
	        "{\"signing\": {\"default\": {\"usages\": [\"signing\"],"
	        " \"expiry\": \"1h\", \"policies\": [{\"id\": \"1.2.\"}]}}}"},
	    {__LINE__,
	        "{\"signing\": {\"default\": {\"usages\": [\"signing\"],"
	        " \"expiry\": \"1h\", \"policies\": [{\"id\": \"1.2\","
	        " \"qualifiers\": [{\"type\": \"\", \"value\": \"x\"}]}]}}}"},
	    {__LINE__, "{\"signing\": {\"default\": {\"usages\": [\"signing\"],"
	               " \"expiry\": \"1h\", \"backdate\": \"1d\"}}}"},
	    {__LINE__, "{\"signing\": {\"default\": {\"usages\": [\"signing\"],"
	               " \"expiry\": \"1h\", \"not_after\": "
	               "\"2030-01-01T24:00:00Z\"}}}"},
	    {__LINE__,
	        "{\"signing\": {\"default\": {\"usages\": [\"signing\"],"
	        " \"expiry\": \"1h\", \"ocsp_url\": \"\"}, \"profiles\":"
	        " {\"p\": {\"usages\": [\"signing\"], \"expiry\": \"1h\","
	        " \"issuer_urls\": [\"http://\\u00e9/\"]}}}}"},
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_LINE(bad[i].line, loads(bad[i].text) == 1,
		    "a config that cannot be honoured is refused");
	CHECK(loads("{\"signing\": {\"profiles\": {\"p\": {\"usages\":"
	            " [\"signing\"], \"expiry\": \"1h\", \"name_whitelist\":"
	            " \"^[[:alnum:]-]+\\\\.example\\\\.com$\"}}}}") == 0,
	    "POSIX classes and escaped dots are fine");
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return EXIT_FAILURE;
	test_default_before_any_config_is_cfssls();
	test_refused_configs();
	test_config_profiles();
	test_whitelist();
	unlink(write_config("cfssl.json", ""));
	unlink(write_config("child.json", ""));
	rmdir(dir);
	return unit_done();
}
