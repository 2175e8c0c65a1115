#!/usr/bin/env bash
# tests/fuzz/run.sh BUILD_DIR [SECONDS] [TARGET...]: build the libFuzzer
# targets of tests/fuzz/ with clang (ASan and UBSan) into
# BUILD_DIR/tests/fuzz/, then run each for SECONDS (default 20) from a copy
# of its seed corpus (tests/fuzz/corpus/<name>/).  Exits non-zero if one
# does not build or finds a crash; the crashing input is left in
# BUILD_DIR/tests/fuzz/ (libFuzzer prints its name).  `make fuzz` runs it.
#
# tests/fuzz/run.sh --long BUILD_DIR [TARGET...]: run each target for
# FUZZ_RUNS executions (default 100000000) instead, one after the other,
# on a corpus that grows in BUILD_DIR/tests/fuzz/corpus-long/<name>/ (kept
# between runs; seeded from tests/fuzz/corpus/<name>/), and print for each
# its executions, corpus size (files), time and crashes.  A crash stops
# that target (libFuzzer's rule) and the run goes on with the next; the
# exit status is non-zero if any crashed.  `make fuzz-long` runs it.
#
# common/ is compiled once into BUILD_DIR/tests/fuzz/obj/ (again only when
# a source or a header changed) and each target links what it needs.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -uo pipefail

long=0
if [ "${1:-}" = --long ]; then
	long=1
	shift
fi
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:?usage: tests/fuzz/run.sh [--long] BUILD_DIR [SECONDS] [TARGET...]}
build=$(cd "$build" && pwd) || exit 2
shift
secs=20
if [ $long = 0 ] && [ $# -gt 0 ]; then
	secs=${1:-20}
	shift
fi
[ -n "$secs" ] || secs=20
runs=${FUZZ_RUNS:-100000000}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(csr der x509 dumpfmt certrec
	http_request json token sensu_selector dialect_body auth_body ocsp acme)
out=$build/tests/fuzz
mkdir -p "$out/obj" || exit 2
cc=${FUZZ_CC:-clang}
pkgs=(gnutls libcrypto json-c)
libs=(-lfcgi -lgdbm -lkeyutils -ldl -lm)
flags=(-g -O1 -D_GNU_SOURCE -iquote "$top/common")
# shellcheck disable=SC2207
pkgflags=($(pkg-config --cflags "${pkgs[@]}"))
# shellcheck disable=SC2207
pkglibs=($(pkg-config --libs "${pkgs[@]}"))

# libcoffer, instrumented: an archive, so a target links only the modules
# it reaches.  Rebuilt member by member when its source or any header of
# common/ is newer; a lock keeps two runs on one build folder apart.
build_lib() {
	local c o newest_h changed=0
	newest_h=$(ls -t "$top"/common/*/*.h | head -1)
	for c in "$top"/common/*/*.c; do
		# The PostgreSQL backend needs libpq, and no target opens a
		# store by its scheme (COFFER_WITH_PG is not defined here).
		[ "$(basename "$c")" = backend_pg.c ] && continue
		o=$out/obj/$(basename "${c%.c}").o
		if [ -e "$o" ] && [ "$o" -nt "$c" ] && [ "$o" -nt "$newest_h" ]; then
			continue
		fi
		if ! "$cc" "${flags[@]}" \
		    -fsanitize=fuzzer-no-link,address,undefined \
		    "${pkgflags[@]}" -c -o "$o" "$c"; then
			echo "fuzz: $c does not build" >&2
			return 1
		fi
		changed=1
	done
	# An object whose source is gone (a module moved or removed) would
	# still be archived, and clash with the module that took its place.
	for o in "$out"/obj/*.o; do
		[ -e "$o" ] || continue
		if ! compgen -G "$top/common/*/$(basename "${o%.o}").c" >/dev/null; then
			rm -f "$o"
			changed=1
		fi
	done
	if [ $changed = 1 ] || [ ! -e "$out/libcoffer-fuzz.a" ]; then
		rm -f "$out/libcoffer-fuzz.a"
		ar rcs "$out/libcoffer-fuzz.a" "$out"/obj/*.o || return 1
	fi
}

build_target() { # build_target NAME: BUILD_DIR/tests/fuzz/fuzz_NAME
	"$cc" "${flags[@]}" -fsanitize=fuzzer,address,undefined \
	    "${pkgflags[@]}" -o "$out/fuzz_$1" "$top/tests/fuzz/fuzz_$1.c" \
	    "$out/libcoffer-fuzz.a" "${pkglibs[@]}" "${libs[@]}"
}

# count_files DIR: regular files in DIR
count_files() {
	find "$1" -maxdepth 1 -type f | wc -l
}

run_short() { # run_short NAME
	local t=$1 bin=$out/fuzz_$1 corpus
	corpus=$(mktemp -d)
	cp "$top/tests/fuzz/corpus/$t"/* "$corpus/" 2>/dev/null
	if (cd "$out" && "$bin" -max_total_time="$secs" -max_len=4096 \
	    -print_final_stats=0 -close_fd_mask=2 "$corpus" >"$out/fuzz_$t.log" 2>&1); then
		echo "fuzz_$t: $(grep -Eo 'Done [0-9]+ runs' "$out/fuzz_$t.log" | tail -1) in ${secs} s, nothing found"
	else
		echo "fuzz_$t: FOUND a crash (log: $out/fuzz_$t.log)" >&2
		tail -n 40 "$out/fuzz_$t.log" >&2
		rc=1
	fi
	rm -rf "$corpus"
}

run_long() { # run_long NAME
	local t=$1 bin=$out/fuzz_$1 corpus=$out/corpus-long/$1
	local art=$out/crashes-long/$1/ start end execs crashes status=ok
	mkdir -p "$corpus" "$art" || return 1
	cp -n "$top/tests/fuzz/corpus/$t"/* "$corpus/" 2>/dev/null
	start=$(date +%s)
	if ! (cd "$out" && "$bin" -runs="$runs" -max_len=4096 \
	    -print_final_stats=1 -close_fd_mask=2 -artifact_prefix="$art" "$corpus" \
	    >"$out/fuzz_$t.long.log" 2>&1); then
		status="FOUND a crash (log: $out/fuzz_$t.long.log)"
		rc=1
	fi
	end=$(date +%s)
	execs=$(grep -Eo 'stat::number_of_executed_units: [0-9]+' \
	    "$out/fuzz_$t.long.log" | grep -Eo '[0-9]+$' | tail -1)
	crashes=$(count_files "$art")
	echo "fuzz_$t: ${execs:-?} executions, $(count_files "$corpus") corpus files, $((end - start)) s, $crashes crashes: $status"
}

exec 9>"$out/.lock"
flock 9
build_lib || exit 1
rc=0
for t in "${targets[@]}"; do
	if ! build_target "$t"; then
		echo "fuzz_$t: does not build" >&2
		rc=1
		continue
	fi
	if [ $long = 1 ]; then
		run_long "$t"
	else
		run_short "$t"
	fi
done
exit $rc
