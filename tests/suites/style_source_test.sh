#!/usr/bin/env bash
# The code is held to its own style: clang-format (.clang-format) and
# cppcheck find nothing (STYLE.md).
. "$(dirname "$0")/../lib.sh"

sources() {
	(cd "$COFFER_TOP" && git ls-files '*.c' '*.h' 2>/dev/null ||
	    find common cgi-bin tools tests -name '*.[ch]')
}

test_clang_format_finds_nothing_to_change() {
	local out
	out=$(cd "$COFFER_TOP" && sources | xargs clang-format --dry-run 2>&1 |
	    grep 'warning:' | cut -d: -f1 | sort | uniq -c)
	assertEquals "files clang-format would change" "" "$out"
}

test_cppcheck_finds_nothing() {
	local out
	out=$(cd "$COFFER_TOP" && cppcheck -q --enable=warning,performance,portability \
	    --inline-suppr --suppress=missingIncludeSystem -D_GNU_SOURCE \
	    -I common common cgi-bin tools tests 2>&1)
	assertEquals "cppcheck findings" "" "$out"
}

. /usr/share/shunit2/shunit2
