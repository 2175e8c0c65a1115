#!/usr/bin/env bash
# A store on a full disk: the store (the `store =` key) lives on a small
# ext4 image, loop-mounted (a tmpfs of the same size where loop devices
# are not available: it answers ENOSPC the same way).  The suite fills it
# until writes are refused, checks the refusal in each dialect that
# writes, that a delete still works and that the space a checkpoint
# needs is left to it, frees space, writes again, restarts, and reads
# back every write that was acknowledged.  The functions run in order,
# each on the state the one before left.  Needs root (mount).
# run-all: gdbm-only
. "$(dirname "$0")/../lib.sh"

DISK_BYTES=$((64 * 1024 * 1024))
VALUE_BYTES=$((32 * 1024))
LEFT_FREE=$((2 * 1024 * 1024)) # after the ballast: less than a checkpoint
MAX_WRITES=1000                # bound of each filling loop
D=/secrets/v1/secret/default
P=/api/v1/secrets
S=/api/enterprise/secrets/v1/namespaces/default/secrets

oneTimeSetUp() {
	DISK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/coffer-disk.XXXXXX") || return 1
	MNT=$DISK_DIR/mnt
	mkdir -p "$MNT" || return 1
	disk_mount || return 1
	# mod_fcgid runs the programs as Apache's user; the others as root.
	# That user passes through the folder but reads only the mount.
	if [ "$COFFER_SERVER" = apache-fcgid ]; then
		chown "${STACK_APACHE_USER:-www-data}:" "$MNT"
		chmod 0711 "$DISK_DIR"
	fi
	chmod 0700 "$MNT"
	coffer_server_start "store=$MNT/coffer.db" && coffer_init_unseal
}

oneTimeTearDown() {
	coffer_server_stop
	umount "$MNT" 2>/dev/null
	rm -rf "$DISK_DIR"
}

disk_mount() {
	if truncate -s "$DISK_BYTES" "$DISK_DIR/disk.img" &&
	    chmod 0600 "$DISK_DIR/disk.img" &&
	    mkfs.ext4 -q -F -m 0 "$DISK_DIR/disk.img" &&
	    mount -o loop "$DISK_DIR/disk.img" "$MNT" 2>/dev/null; then
		return 0
	fi
	echo "store_full_disk: no loop device here; a tmpfs instead" >&2
	rm -f "$DISK_DIR/disk.img"
	mount -t tmpfs -o "size=$DISK_BYTES,mode=0700" tmpfs "$MNT"
}

disk_free() {
	df --output=avail -B1 "$MNT" | tail -n 1 | tr -d ' '
}

# The value of secret NAME: its name, then padding to VALUE_BYTES.
value_of() {
	printf '%s-' "$1"
	head -c "$VALUE_BYTES" /dev/zero | tr '\0' x
}

# put_secret NAME: one DC/OS PUT; a 201 is recorded as acknowledged.  The
# path and Sensu writes below are as large: a smaller one may still fit in
# the journal's room the refused one did not.
put_secret() {
	auth_json PUT "$D/$1" "{\"value\":\"$(value_of "$1")\"}"
	[ "$STATUS" = 201 ] && echo "$1" >>"$DISK_DIR/acked"
}

seal_status() {
	req GET /secrets/v1/seal-status/default
}

test_a_checkpoint_runs_while_the_disk_has_room() {
	local i=0
	while [ "$(stat -c %s "$MNT/coffer.db")" -lt $((2 * 1024 * 1024)) ] &&
	    [ $i -lt $MAX_WRITES ]; do
		i=$((i + 1))
		put_secret "a$i"
		assert_status 201 || return
	done
	assertTrue "the gdbm file grew: a checkpoint ran" "[ $i -lt $MAX_WRITES ]"
	seal_status
	assert_header Coffer-Checkpoint '^ok$'
	assert_schema dcos-seal-status.json
}

test_writes_on_a_full_disk_are_refused_with_507_in_the_dcos_shape() {
	local i=0 free
	free=$(disk_free)
	fallocate -l $((free - LEFT_FREE)) "$MNT/ballast" ||
	    fail "no ballast"
	STATUS=201
	while [ "$STATUS" = 201 ] && [ $i -lt $MAX_WRITES ]; do
		i=$((i + 1))
		put_secret "b$i"
	done
	assert_status 507
	assert_json_eq .code ERR_STORE_FULL
	assert_json_eq .title "507 Insufficient Storage"
	assert_schema dcos-error.json
	assertTrue "some writes went through before the refusal" "[ $i -gt 1 ]"
}

test_a_refused_write_leaves_the_free_space_to_the_checkpoint() {
	put_secret c1
	assert_status 507
	assertTrue "free space kept: $(disk_free) bytes" \
	    "[ $(disk_free) -ge $((LEFT_FREE / 2)) ]"
}

test_the_seal_status_says_the_checkpoint_is_blocked_by_the_full_disk() {
	seal_status
	assert_status 200
	assert_header Coffer-Checkpoint '^blocked: disk full$'
	assert_schema dcos-seal-status.json
	grep -q 'checkpoint.*disk full' "$COFFER_STATE/error.log"
	assertTrue "the log says why the checkpoint cannot run" $?
}

test_a_write_in_the_path_api_on_a_full_disk_is_refused_with_507() {
	COFFER_AUTH_HEADER="Authorization: Bearer $COFFER_TOKEN" \
	    auth_json PUT $P/full/p "{\"data\":{\"a\":\"$(value_of p)\"}}"
	assert_status 507
	assert_json_eq .code 507
	assert_json_eq .status "Insufficient Storage"
	assert_schema path-error.json
	auth_req GET $P/full/p
	assert_status 404
}

test_a_write_in_sensu_on_a_full_disk_is_refused_with_507() {
	auth_json PUT $S/full "{\"type\":\"Secret\",\"api_version\":\"secrets/v1\",\"metadata\":{\"name\":\"full\",\"namespace\":\"default\",\"labels\":{\"pad\":\"$(value_of s)\"}},\"spec\":{\"id\":\"FULL\",\"provider\":\"env\"}}"
	assert_status 507
	assert_json_eq .code 0
	assert_json_eq '.message | test("disk is full")' true
	assert_schema sensu-error.json
}

test_a_delete_on_a_full_disk_still_works() {
	local victim
	victim=$(head -n 1 "$DISK_DIR/acked")
	auth_req DELETE "$D/$victim"
	assert_status 204
	auth_req GET "$D/$victim"
	assert_status 404
	sed -i 1d "$DISK_DIR/acked"
}

test_writes_work_again_once_space_is_freed() {
	local i
	rm -f "$MNT/ballast"
	put_secret d1
	assert_status 201
	# The checkpoint runs once the write is answered, in that worker.
	for i in $(seq 50); do
		seal_status
		[ "$(header Coffer-Checkpoint | tr -d '\r')" = ok ] && break
		sleep 0.1
	done
	assert_header Coffer-Checkpoint '^ok$'
}

test_every_acknowledged_write_reads_back_after_a_restart() {
	local name bad=0 n=0
	coffer_server_restart || fail "restart"
	seal_status
	if [ "$(jq -r .sealed "$BODY_FILE")" = true ]; then
		# shellcheck disable=SC2086
		stack_unseal "$COFFER_ADDR" $COFFER_SHARES || fail "unseal"
	fi
	while read -r name; do
		n=$((n + 1))
		REQ_SPEC=0 auth_req GET "$D/$name"
		if [ "$STATUS" != 200 ] ||
		    [ "$(jq -r .value "$BODY_FILE")" != "$(value_of "$name")" ]; then
			bad=$((bad + 1))
			echo "lost: $name ($STATUS)" >&2
		fi
	done <"$DISK_DIR/acked"
	assertEquals "acknowledged writes lost (of $n)" 0 "$bad"
	assertTrue "writes were acknowledged" "[ $n -gt 10 ]"
}

. /usr/share/shunit2/shunit2
