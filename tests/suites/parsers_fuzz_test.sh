#!/usr/bin/env bash
# Every parser a request meets before it is authenticated, and the bodies
# of the dialects that write a secret, under libFuzzer with ASan and UBSan
# from the seed corpus in tests/fuzz/corpus/, for COFFER_FUZZ_SECONDS each
# (default 5): the FastCGI request (common/base/http.c), the JSON reader
# (common/base/json.c), the credentials and JWT verifier (common/identity/token.c),
# Sensu's selectors, the DC/OS, path and Sensu secret bodies, and the
# login, Sensu authentication and CFSSL request and authsign bodies
# (common/dialects/iam_dcos.c, auth_sensu.c, cfssl.c), and the OCSP
# responder's request, POST and GET (common/ca/ocsp.c, dialects/ca_ocsp.c),
# and ACME's JWS bodies, keys and payloads (common/dialects/acme.c,
# common/ca/jws.c).  Short, so every
# test run exercises them; `make fuzz` and `make fuzz-long` run longer.
# run-all: not-under-sanitizers
. "$(dirname "$0")/../lib.sh"

test_fuzzing_the_fastcgi_request_parser_finds_nothing() {
	assert_fuzz_finds_nothing http_request 5
}

test_fuzzing_the_json_reader_finds_nothing() {
	assert_fuzz_finds_nothing json 5
}

test_fuzzing_the_credential_readers_and_jwt_verifier_finds_nothing() {
	assert_fuzz_finds_nothing token 5
}

test_fuzzing_the_sensu_selector_parser_finds_nothing() {
	assert_fuzz_finds_nothing sensu_selector 5
}

test_fuzzing_the_dialect_body_parsers_finds_nothing() {
	assert_fuzz_finds_nothing dialect_body 5
}

test_fuzzing_the_login_and_ca_request_parsers_finds_nothing() {
	assert_fuzz_finds_nothing auth_body 5
}

test_fuzzing_the_ocsp_request_readers_finds_nothing() {
	assert_fuzz_finds_nothing ocsp 5
}

test_fuzzing_the_acme_jws_and_payload_readers_finds_nothing() {
	assert_fuzz_finds_nothing acme 5
}

. /usr/share/shunit2/shunit2
