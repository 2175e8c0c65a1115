#!/usr/bin/env bash
# tests/fuzz/run.sh BUILD_DIR [SECONDS] [TARGET...]: build the libFuzzer
# targets of tests/fuzz/ with clang (ASan and UBSan) into
# BUILD_DIR/tests/fuzz/, then run each for SECONDS (default 20) from a copy
# of its seed corpus (tests/fuzz/corpus/<name>/).  Exits non-zero if one
# does not build or finds a crash; the crashing input is left in
# BUILD_DIR/tests/fuzz/ (libFuzzer prints its name).  `make fuzz` runs it.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:?usage: tests/fuzz/run.sh BUILD_DIR [SECONDS] [TARGET...]}
build=$(cd "$build" && pwd) || exit 2
secs=${2:-20}
shift $(($# > 1 ? 2 : 1))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(csr der x509 dumpfmt certrec)
out=$build/tests/fuzz
mkdir -p "$out" || exit 2
cc=${FUZZ_CC:-clang}
# The modules under test and what they call, nothing else.
srcs=(common/csr.c common/der.c common/dumpfmt.c common/ecp256.c
	common/crypto.c common/codec.c common/log.c common/x509.c)
pkgs=(gnutls libcrypto json-c)
# certrec reads an older build's JSON records through json.c, which
# renders responses too (http.c, errors.c, libfcgi).
certrec_srcs=(common/certrec.c common/json.c common/http.c common/errors.c)

rc=0
for t in "${targets[@]}"; do
	bin=$out/fuzz_$t
	more=() libs=()
	if [ "$t" = certrec ]; then
		more=("${certrec_srcs[@]}")
		libs=(-lfcgi)
	fi
	# shellcheck disable=SC2046
	if ! (cd "$top" && "$cc" -g -O1 -fsanitize=fuzzer,address,undefined \
	    -D_GNU_SOURCE -iquote common $(pkg-config --cflags "${pkgs[@]}") \
	    -o "$bin" "tests/fuzz/fuzz_$t.c" "${srcs[@]}" "${more[@]}" \
	    $(pkg-config --libs "${pkgs[@]}") "${libs[@]}"); then
		echo "fuzz_$t: does not build" >&2
		rc=1
		continue
	fi
	corpus=$(mktemp -d)
	cp "$top/tests/fuzz/corpus/$t"/* "$corpus/" 2>/dev/null
	if (cd "$out" && "$bin" -max_total_time="$secs" -max_len=4096 \
	    -print_final_stats=0 "$corpus" >"$out/fuzz_$t.log" 2>&1); then
		echo "fuzz_$t: $(grep -Eo 'Done [0-9]+ runs' "$out/fuzz_$t.log" | tail -1) in ${secs} s, nothing found"
	else
		echo "fuzz_$t: FOUND a crash (log: $out/fuzz_$t.log)" >&2
		tail -n 40 "$out/fuzz_$t.log" >&2
		rc=1
	fi
	rm -rf "$corpus"
done
exit $rc
