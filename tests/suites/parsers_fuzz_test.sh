#!/usr/bin/env bash
# Every parser a request meets before it is authenticated, and the bodies
# of the dialects that write a secret, under libFuzzer with ASan and UBSan
# from the seed corpus in tests/fuzz/corpus/, for COFFER_FUZZ_SECONDS each
# (default 5): the FastCGI request (common/http.c), the JSON reader
# (common/json.c), the credentials and JWT verifier (common/token.c),
# Sensu's selectors and the DC/OS, path and Sensu bodies.  Short, so every
# test run exercises them; `make fuzz` and `make fuzz-long` run longer.
. "$(dirname "$0")/../lib.sh"

fuzz() { # fuzz TARGET: build and run one target; asserts it found nothing
	local out
	out=$(bash "$COFFER_TOP/tests/fuzz/run.sh" "$COFFER_BUILD" \
	    "${COFFER_FUZZ_SECONDS:-5}" "$1" 2>&1)
	assertEquals "fuzz_$1 exit status ($out)" 0 $?
	assertContains "$out" "nothing found"
}

test_fuzzing_the_fastcgi_request_parser_finds_nothing() {
	fuzz http_request
}

test_fuzzing_the_json_reader_finds_nothing() {
	fuzz json
}

test_fuzzing_the_credential_readers_and_jwt_verifier_finds_nothing() {
	fuzz token
}

test_fuzzing_the_sensu_selector_parser_finds_nothing() {
	fuzz sensu_selector
}

test_fuzzing_the_dialect_body_parsers_finds_nothing() {
	fuzz dialect_body
}

. /usr/share/shunit2/shunit2
