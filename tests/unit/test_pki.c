/* test_pki: the CA's parsers: hosts, serial numbers, durations. */
#include <string.h>

#include "ca/certfacts.h"
#include "ca/profile.h"
#include "ca/subject.h"
#include "unit.h"

static const struct {
	int line;
	const char *host;
	enum subject_host_kind want;
	size_t iplen;
} hosts[] = {
    {__LINE__, "www.example.com", SUBJECT_HOST_DNS, 0},
    {__LINE__, "localhost", SUBJECT_HOST_DNS, 0},
    {__LINE__, "*.example.com", SUBJECT_HOST_DNS, 0},
    {__LINE__, "a-b.example.com", SUBJECT_HOST_DNS, 0},
    {__LINE__, "10.0.0.1", SUBJECT_HOST_IP, 4},
    {__LINE__, "::1", SUBJECT_HOST_IP, 16},
    {__LINE__, "2001:db8::7", SUBJECT_HOST_IP, 16},
    {__LINE__, "ops@example.com", SUBJECT_HOST_EMAIL, 0},
    {__LINE__, "", SUBJECT_HOST_BAD, 0},
    {__LINE__, "bad host", SUBJECT_HOST_BAD, 0},
    {__LINE__, "-lead.example.com", SUBJECT_HOST_BAD, 0},
    {__LINE__, "trail-.example.com", SUBJECT_HOST_BAD, 0},
    {__LINE__, "a..b", SUBJECT_HOST_BAD, 0},
    {__LINE__, ".example.com", SUBJECT_HOST_BAD, 0},
    {__LINE__, "example.com.", SUBJECT_HOST_BAD, 0},
    {__LINE__, "a.*.example.com", SUBJECT_HOST_BAD, 0},
    {__LINE__, "under_score.example.com", SUBJECT_HOST_BAD, 0},
    {__LINE__, "@example.com", SUBJECT_HOST_BAD, 0},
    {__LINE__, "a b@example.com", SUBJECT_HOST_BAD, 0},
    {__LINE__, "x@bad_domain", SUBJECT_HOST_BAD, 0},
    {__LINE__, "10.0.0.1/24", SUBJECT_HOST_BAD, 0},
    {__LINE__, "http://example.com/", SUBJECT_HOST_BAD, 0},
    {__LINE__, "<script>", SUBJECT_HOST_BAD, 0},
};

static const struct {
	int line;
	const char *in;
	int rc;
	int64_t secs;
} durations[] = {
    {__LINE__, "8760h", 0, 8760LL * 3600},
    {__LINE__, "1h30m", 0, 5400},
    {__LINE__, "90s", 0, 90},
    {__LINE__, "168h0m0s", 0, 168 * 3600},
    {__LINE__, "", -1, 0},
    {__LINE__, "h", -1, 0},
    {__LINE__, "10", -1, 0},
    {__LINE__, "-1h", -1, 0},
    {__LINE__, "1d", -1, 0},
    {__LINE__, "99999999999999999999h", -1, 0},
};

static void
test_hosts(void)
{
	uint8_t ip[16];
	size_t i, iplen;
	enum subject_host_kind k;
	char long_label[80], long_name[300];

	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		iplen = 0;
		k = subject_host_parse(
		    hosts[i].host, strlen(hosts[i].host), ip, &iplen);
		CHECK_LINE(hosts[i].line, k == hosts[i].want, hosts[i].host);
		if (k == SUBJECT_HOST_IP)
			CHECK_LINE(hosts[i].line, iplen == hosts[i].iplen,
			    "IP length");
	}
	memset(long_label, 'a', 64);
	memcpy(long_label + 64, ".com", 5);
	CHECK(subject_host_parse(long_label, strlen(long_label), ip, &iplen) ==
	          SUBJECT_HOST_BAD,
	    "a 64-byte label is refused");
	memset(long_name, 'a', 254);
	long_name[254] = '\0';
	CHECK(
	    subject_host_parse(long_name, 254, ip, &iplen) == SUBJECT_HOST_BAD,
	    "a name over 253 bytes is refused");
	CHECK(subject_host_parse("a\0b.com", 7, ip, &iplen) == SUBJECT_HOST_BAD,
	    "an embedded NUL is refused");
}

static void
test_serials(void)
{
	static const uint8_t one[] = {0x01};
	static const uint8_t big[] = {
	    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	static const uint8_t max20[20] = {0x7f, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff};
	char out[64];

	CHECK(certfacts_serial_decimal(one, 1, out, sizeof(out)) == 0 &&
	          !strcmp(out, "1"),
	    "serial 1");
	CHECK(
	    certfacts_serial_decimal(big, sizeof(big), out, sizeof(out)) == 0 &&
	        !strcmp(out, "18446744073709551616"),
	    "serial 2^64");
	CHECK(certfacts_serial_decimal(
	          max20, sizeof(max20), out, sizeof(out)) == 0 &&
	          !strcmp(
	              out, "730750818665451459101842416358141509827966271487"),
	    "serial 2^159-1");
	CHECK(certfacts_serial_decimal(one, 0, out, sizeof(out)) == 0 &&
	          !strcmp(out, "0"),
	    "empty serial is 0");
	CHECK(certfacts_serial_decimal(max20, sizeof(max20), out, 10) == -1,
	    "a short buffer is refused");
}

static void
test_durations(void)
{
	int64_t s;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		s = -7;
		rc = profile_duration(durations[i].in, &s);
		CHECK_LINE(
		    durations[i].line, rc == durations[i].rc, durations[i].in);
		if (rc == 0)
			CHECK_LINE(durations[i].line, s == durations[i].secs,
			    durations[i].in);
	}
}

int
main(void)
{
	test_hosts();
	test_serials();
	test_durations();
	return unit_done();
}
