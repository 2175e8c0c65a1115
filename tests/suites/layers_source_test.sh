#!/usr/bin/env bash
# common/ keeps to its layers (docs/architecture.md#the-layers): no
# include climbs to a higher layer or reaches into the one beside, every
# include of common/ names its layer, and no modules include each other
# round a cycle (tests/layers.sh).  The check is seen to fail too: each
# kind of offence is planted in a copy of the sources.  Starts no server.
. "$(dirname "$0")/../lib.sh"

CHECK=$COFFER_TOP/tests/layers.sh
COPY=
LINE=
OUT=
RC=

# plant_copy: the sources tests/layers.sh reads, copied to $COPY.
plant_copy() {
	COPY=$(mktemp -d "${TMPDIR:-/tmp}/coffer-layers.XXXXXX") || return 1
	(cd "$COFFER_TOP" && tar cf - common cgi-bin tools/*.c tools/*.h) |
	    (cd "$COPY" && tar xf -)
}

# plant FILE TEXT: TEXT as FILE's last line, in the copy; LINE is its
# number.
plant() {
	printf '%s\n' "$2" >>"$COPY/$1"
	LINE=$(wc -l <"$COPY/$1")
}

# check_copy: tests/layers.sh on the copy; OUT its output, RC its status.
check_copy() {
	OUT=$(bash "$CHECK" "$COPY" 2>&1)
	RC=$?
}

tearDown() {
	[ -n "$COPY" ] && rm -rf "$COPY"
	COPY=
}

test_no_include_climbs_and_no_modules_form_a_cycle() {
	local out rc
	out=$(bash "$CHECK" 2>&1)
	rc=$?
	assertEquals "tests/layers.sh finds:
$out
" 0 "$rc"
}

test_a_planted_climbing_include_fails_naming_its_file_and_line() {
	plant_copy || return 1
	plant common/base/log.c '#include "app/app.h"'
	check_copy
	assertEquals "exit status" 1 "$RC"
	assertContains "$OUT" \
	    "common/base/log.c:$LINE: base includes app/app.h, of a higher layer (app)"
}

test_an_include_of_the_layer_beside_fails() {
	plant_copy || return 1
	plant common/identity/token.c '#include "ca/der.h"'
	check_copy
	assertEquals "exit status" 1 "$RC"
	assertContains "$OUT" "common/identity/token.c:$LINE: identity includes ca/der.h, of the layer beside it (ca)"
}

test_an_include_that_names_no_layer_fails() {
	plant_copy || return 1
	plant common/crypto/shamir.c '#include "crypto.h"'
	check_copy
	assertEquals "exit status" 1 "$RC"
	assertContains "$OUT" "common/crypto/shamir.c:$LINE: \"crypto.h\" names no layer"
}

test_a_planted_cycle_fails_naming_its_modules_and_includes() {
	plant_copy || return 1
	# wipe.c includes crypto/crypto.h already.
	plant common/crypto/crypto.c '#include "crypto/wipe.h"'
	check_copy
	assertEquals "exit status" 1 "$RC"
	assertContains "$OUT" "cycle: crypto/crypto crypto/wipe"
	assertContains "$OUT" "common/crypto/crypto.c:$LINE: crypto/crypto -> crypto/wipe"
	assertContains "$OUT" "crypto/wipe -> crypto/crypto"
}

test_a_program_includes_any_layer_but_not_a_missing_header() {
	plant_copy || return 1
	plant cgi-bin/hello.c '#include "app/app.h"'
	check_copy
	assertEquals "a program over every layer: $OUT" 0 "$RC"
	plant cgi-bin/hello.c '#include "vault/nothing.h"'
	check_copy
	assertEquals "exit status" 1 "$RC"
	assertContains "$OUT" "cgi-bin/hello.c:$LINE: \"vault/nothing.h\""
}

. /usr/share/shunit2/shunit2
