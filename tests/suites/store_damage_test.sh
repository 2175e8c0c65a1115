#!/usr/bin/env bash
# A damaged store through the real stack: secrets written over HTTP, the
# server stopped, bits flipped in the journal's middle or in coffer.db,
# the server started again.  A damaged store answers 503 in each
# dialect's shape and never 404, changes no byte of its files, and says
# where in the error log; cofferctl verify names the damage, salvage
# keeps every record that reads and names the write it lost, and a
# restore from a backup brings back a damaged gdbm file's records.
# run-all: gdbm-only
. "$(dirname "$0")/../lib.sh"

P=/secrets/v1/secret/default/damage
N=12
LOST=s07 # its record is the one the journal test damages

oneTimeSetUp() {
	local i
	coffer_server_start && coffer_init_unseal || return 1
	for ((i = 0; i < N; i++)); do
		auth_json PUT $P/s$(printf %02d $i) "{\"value\":\"v$i\"}"
		[ "$STATUS" = 201 ] || return 1
	done
	coffer_keep_dir damage
}
oneTimeTearDown() {
	coffer_server_stop
	rm -rf "$KEEP"
}

# Stop the server and programs (the unsealed key stays in the keyring),
# run "$@" on the files, start them again.
with_server_down() {
	stack_stop "$COFFER_STATE" || return 1
	"$@" || return 1
	STACK_START_ERR=
	stack_server_up "$COFFER_STATE" || return 1
	# One user owns a store's files in production.  Behind apache-proxy
	# the stack's programs stay root while a restart hands the folder to
	# Apache's user: a lock file they made since is that user's too.
	req GET /secrets/v1/ping
	chown --reference="$COFFER_STATE/coffer.db" \
	    "$COFFER_STATE/coffer.db.lock"
}

# Flip one bit near the end of the journal record that writes $LOST
# (records: 24-byte header with the body's length at 4, after a 32-byte
# file header); print the record's offset.
flip_journal_record() {
	python3 - "$COFFER_STATE/coffer.db.journal" "/damage/$LOST" <<'EOF'
import struct, sys
path, name = sys.argv[1], sys.argv[2].encode()
j = bytearray(open(path, 'rb').read())
off = 32
while j[off:off + 4] == b'CFJR':
    end = off + 24 + struct.unpack_from('<I', j, off + 4)[0]
    if name in j[off:end]:
        j[end - 2] ^= 0x04
        open(path, 'r+b').write(j)
        print(off)
        sys.exit(0)
    off = end
sys.exit(1)
EOF
}

# Flip one bit in the name of a record in coffer.db: gdbm then answers
# "not found" for it, and nothing in gdbm notices.
damage_gdbm() {
	python3 - "$COFFER_STATE/coffer.db" "/damage/s03" <<'EOF'
import sys
path, name = sys.argv[1], sys.argv[2].encode()
db = bytearray(open(path, 'rb').read())
at = db.find(name)
if at < 0:
    sys.exit(1)
db[at + len(name) - 1] ^= 0x02
open(path, 'r+b').write(db)
EOF
}

sums() {
	(cd "$COFFER_STATE" && sha256sum coffer.db coffer.db.journal)
}

assert_damaged_503() { # PATH [curl args]
	local path=$1
	shift
	auth_req GET "$path" "$@"
	assert_status 503 "$path on a damaged store"
}

test_a_healthy_store_says_its_health_is_ok() {
	req GET /secrets/v1/seal-status/default
	assert_status 200
	assert_header Coffer-Store-Health '^ok$'
	assert_schema dcos-seal-status.json
	coffer_ctl verify >/dev/null
	assertEquals "cofferctl verify exit status" 0 $?
	coffer_ctl backup "$KEEP/before.dump"
	assertEquals "cofferctl backup exit status" 0 $?
}

# The shared header goes too, as at a reboot: the first program to open
# the store checks the whole journal (where the bit flip used to cut every
# record after the damaged one as a torn tail).
test_a_flipped_bit_in_the_journal_answers_503_in_each_dialect_and_changes_no_byte() {
	local before
	with_server_down eval 'OFF=$(flip_journal_record) &&
	    rm "$COFFER_STATE/coffer.db.lock" && before=$(sums)' ||
	    fail "flip a bit in the record of $LOST"
	auth_req GET $P/s01
	assert_status 503 "a secret in a record that checks"
	assert_json_eq .code ERR_STORE_DAMAGED
	assert_schema dcos-error.json
	assertContains "the message says so" "$BODY" "the store is damaged"
	auth_req GET $P/$LOST
	assert_status 503 "the secret of the damaged record: not 404"
	auth_req GET /api/v1/secrets/get/damage/s01
	assert_status 503 "the path dialect"
	assert_schema path-error.json
	req GET /v1.0/secrets/default/s01 -H "Authorization: Bearer $COFFER_TOKEN"
	assert_status 503 "Dapr"
	assert_json_eq .errorCode ERR_STORE_DAMAGED
	assert_schema dapr-error.json
	auth_json PUT $P/new '{"value":"x"}'
	assert_status 503 "a write"
	req GET /secrets/v1/seal-status/default
	assert_status 503 "the seal status of a store that cannot say"
	assert_json_eq .code ERR_STORE_DAMAGED
	assertEquals "no byte of the store changed" "$before" "$(sums)"
	assertTrue "the error log names the offset" \
	    "grep -q 'journal: damaged at offset $OFF: the record there fails' \
		'$COFFER_STATE/error.log'"
}

test_verify_names_the_damaged_offset_and_changes_nothing() {
	local before out rc
	before=$(sums)
	out=$(coffer_ctl verify)
	rc=$?
	assertEquals "cofferctl verify exit status" 1 $rc
	assertContains "it names the offset" "$out" "DAMAGED at offset $OFF"
	assertEquals "no byte of the store changed" "$before" "$(sums)"
}

test_salvage_keeps_every_other_secret_and_names_the_lost_write() {
	local before out i name
	before=$(sums)
	out=$(coffer_ctl salvage)
	assertEquals "cofferctl salvage exit status" 0 $?
	assertContains "it names the lost write" "$out" \
	    "lost: the write of s:default:/damage/$LOST "
	assertEquals "the damaged files are kept" "$before" \
	    "$(cd "$COFFER_STATE" && sha256sum coffer.db.damaged-* \
		coffer.db.journal.damaged-* | sed 's/\.damaged-[0-9]*$//')"
	for ((i = 0; i < N; i++)); do
		name=s$(printf %02d $i)
		auth_req GET $P/$name
		if [ $name = $LOST ]; then
			assert_status 404 "the lost write, as salvage said"
		else
			assert_status 200 "$name after the salvage"
			assert_json_eq .value v$i
		fi
	done
	req GET /secrets/v1/seal-status/default
	assert_header Coffer-Store-Health '^ok$'
	coffer_ctl verify >/dev/null
	assertEquals "cofferctl verify after it" 0 $?
}

test_a_damaged_gdbm_file_answers_503_never_404() {
	local before out
	coffer_ctl salvage >/dev/null # a salvage folds everything into gdbm
	with_server_down eval 'damage_gdbm && before=$(sums)' ||
	    fail "damage coffer.db"
	assert_damaged_503 $P/s03
	assert_json_eq .code ERR_STORE_DAMAGED
	assert_damaged_503 $P/s01
	assert_damaged_503 $P/never-written
	assertEquals "no byte of the store changed" "$before" "$(sums)"
	assertTrue "the error log names the file" \
	    "grep -q 'coffer.db: damaged: it is not the file its checkpoint' \
		'$COFFER_STATE/error.log'"
	out=$(coffer_ctl verify)
	assertEquals "cofferctl verify exit status" 1 $?
	assertContains "it names gdbm's damage" "$out" "coffer.db: DAMAGED"
}

restore_aside() {
	mkdir -p "$COFFER_STATE/aside" &&
	    mv "$COFFER_STATE"/coffer.db* "$COFFER_STATE/aside/"
}

# Last: the documented way out of a damaged gdbm file.
test_a_restore_from_a_backup_brings_the_records_back() {
	with_server_down restore_aside || fail "move the damaged store aside"
	req GET /secrets/v1/seal-status/default # a program makes the files
	coffer_ctl restore "$KEEP/before.dump"
	assertEquals "cofferctl restore exit status" 0 $?
	auth_req GET $P/s01
	assert_status 200 "a secret of the backup"
	assert_json_eq .value v1
	auth_req GET $P/$LOST
	assert_status 200 "the backup predates the damage"
	req GET /secrets/v1/seal-status/default
	assert_header Coffer-Store-Health '^ok$'
}

. /usr/share/shunit2/shunit2
