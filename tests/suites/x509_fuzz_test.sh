#!/usr/bin/env bash
# The hand-written DER and PKCS#10 parsers (common/ca/der.c, common/ca/csr.c),
# the certificate encoder's profile extensions (common/ca/x509.c) and the
# certificate record decoder (common/ca/certrec.c) under libFuzzer with ASan
# and UBSan, from the seed corpus in tests/fuzz/corpus/, for
# COFFER_FUZZ_SECONDS each (default 5): short, so every test run
# exercises them; `make fuzz` runs longer.
# run-all: not-under-sanitizers
. "$(dirname "$0")/../lib.sh"

test_fuzzing_the_csr_parser_finds_nothing() {
	assert_fuzz_finds_nothing csr 5
}

test_fuzzing_the_der_reader_and_writer_finds_nothing() {
	assert_fuzz_finds_nothing der 5
}

test_fuzzing_the_profile_extensions_encoder_finds_nothing() {
	assert_fuzz_finds_nothing x509 5
}

test_fuzzing_the_certificate_record_decoder_finds_nothing() {
	assert_fuzz_finds_nothing certrec 5
}

. /usr/share/shunit2/shunit2
