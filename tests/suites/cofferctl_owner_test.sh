#!/usr/bin/env bash
# cofferctl run as root acts as the store's owner, the programs' user, in
# whose kernel keyring the unsealed key lives (tools/ctl_user.c): `sudo
# cofferctl seal` seals what the programs serve, status reports their view,
# files it writes are theirs; any other user is refused and changes
# nothing.  Behind apache-proxy the programs run as Apache's user here
# (STACK_PROGRAM_USER), as under apache-fcgid; behind lighttpd they are
# root, and the owner is root.  COFFERCTL=FILE tries another cofferctl.
. "$(dirname "$0")/../lib.sh"

[ "$COFFER_SERVER" = apache-proxy ] && STACK_PROGRAM_USER=$STACK_APACHE_USER

oneTimeSetUp() {
	coffer_server_start && coffer_init_unseal || return 1
	set -- $COFFER_SHARES
	SHARE=$1
	OWNER=$(stack_owner "$COFFER_STATE")
	# Outside the state folder (0700, the owner's), so that any user
	# reaches the tool, a readable copy of the configuration, and a
	# folder every user may write.
	T=$(mktemp -d "${TMPDIR:-/tmp}/coffer-owner.XXXXXX") || return 1
	chmod 0755 "$T"
	install -m 0755 "${COFFERCTL:-$COFFER_BUILD/tools/cofferctl}" "$T/ctl"
	install -m 0644 "$COFFER_CONFIG" "$T/coffer.conf"
	mkdir -m 0777 "$T/w"
	auth_json PUT /secrets/v1/secret/default/owner/kept '{"value":"v"}'
}
oneTimeTearDown() {
	coffer_server_stop
	rm -rf "${T:?}"
}
# A test that sealed the store leaves it unsealed for the next.
tearDown() {
	json_req PUT /secrets/v1/unseal/default "{\"key\":\"$SHARE\"}"
	return 0
}

# as USER ARGS...: cofferctl run by USER; sets RC, OUT and ERR.
as() {
	local user=$1
	shift
	OUT=$(runuser -u "$user" -- "$T/ctl" -c "$T/coffer.conf" "$@" \
	    2>"$T/err")
	RC=$?
	ERR=$(cat "$T/err")
}

# What the programs serve: 200, or 503 once sealed.
served() {
	auth_req GET /secrets/v1/secret/default/owner/kept
	echo "$STATUS"
}

test_the_programs_user_is_who_the_stack_says() {
	local want=root
	[ "$COFFER_SERVER" = lighttpd ] || want=$STACK_APACHE_USER
	assertEquals "the store's owner" "$want" "$OWNER"
}

test_seal_as_root_seals_what_the_programs_serve() {
	assertEquals "served before" 200 "$(served)"
	as root seal
	assertEquals "exit status; stderr: $ERR" 0 "$RC"
	assertEquals sealed "$OUT"
	assertEquals "the next request" 503 "$(served)"
	req GET /secrets/v1/seal-status/default
	assert_json_eq .sealed true
}

test_status_as_root_reports_the_programs_view() {
	as root status
	assertEquals "exit status; stderr: $ERR" 0 "$RC"
	assertContains "unsealed for the programs" "$OUT" "sealed: no"
	auth_req PUT /secrets/v1/seal/default
	assert_status 200
	as root status
	assertContains "sealed for the programs" "$OUT" "sealed: yes"
}

test_unseal_as_root_unseals_what_the_programs_serve() {
	auth_req PUT /secrets/v1/seal/default
	assertEquals "sealed" 503 "$(served)"
	OUT=$(printf '%s\n' "$SHARE" |
	    runuser -u root -- "$T/ctl" -c "$T/coffer.conf" unseal 2>"$T/err")
	assertEquals "stderr: $(cat "$T/err")" unsealed "$(echo "$OUT" | tail -1)"
	assertEquals "served again" 200 "$(served)"
}

test_v_says_whom_root_acts_as() {
	as root -v status
	assertEquals "exit status; stderr: $ERR" 0 "$RC"
	assertContains "$ERR" "acting as $OWNER, the store's owner"
}

test_backup_as_root_writes_a_file_the_owner_owns() {
	as root backup "$T/w/b.dump"
	assertEquals "exit status; stderr: $ERR" 0 "$RC"
	assertEquals "the backup's owner" "$OWNER" "$(stat -c %U "$T/w/b.dump")"
	rm -f "$T/w/b.dump"
}

test_files_root_alone_may_read_are_read_as_root() {
	# The operator's share and dump, as sudo users keep them: 0600 root.
	install -m 0600 /dev/null "$T/root-share"
	printf '%s\n' "$SHARE" >"$T/root-share"
	as root token --share-file "$T/root-share" --lifetime 60 admin
	assertEquals "token: exit status; stderr: $ERR" 0 "$RC"
	assertNotNull "a token" "$OUT"
	req GET /secrets/v1/secret/default/owner/kept \
	    -H "Authorization: token=$OUT"
	assert_status 200 "the minted token serves"
	as root backup "$T/w/r.dump"
	chown root: "$T/w/r.dump" && chmod 0600 "$T/w/r.dump"
	sed "s|^store = .*|store = $T/w/restored.db|" "$T/coffer.conf" \
	    >"$T/restored.conf"
	OUT=$(runuser -u root -- "$T/ctl" -c "$T/restored.conf" restore \
	    "$T/w/r.dump" 2>"$T/err")
	assertEquals "restore; stderr: $(cat "$T/err")" 0 $?
	rm -f "$T/root-share" "$T/w/r.dump" "$T/w/restored.db"* "$T/restored.conf"
}

test_another_user_is_refused_and_changes_nothing() {
	local before after cmd
	before=$(ls -l --time-style=full-iso "$COFFER_STATE" | grep coffer.db)
	for cmd in seal status "backup $T/w/n.dump"; do
		as nobody $cmd
		assertEquals "$cmd: exit status" 1 "$RC"
		if [ "$OWNER" = root ]; then
			assertContains "$cmd" "$ERR" "belongs to root: run as root"
		else
			assertContains "$cmd" "$ERR" "run as $OWNER or as root"
		fi
		assertEquals "$cmd: nothing on stdout" "" "$OUT"
	done
	assertEquals "still served" 200 "$(served)"
	assertFalse "no backup written" "[ -e $T/w/n.dump ]"
	after=$(ls -l --time-style=full-iso "$COFFER_STATE" | grep coffer.db)
	assertEquals "the store's files" "$before" "$after"
}

test_a_mistyped_store_as_root_is_not_created() {
	# A PostgreSQL store has no path to mistype.
	[ "$STACK_BACKEND" = gdbm ] || { startSkipping; return 0; }
	sed "s|^store = .*|store = $T/w/typo.db|" "$COFFER_CONFIG" \
	    >"$T/typo.conf"
	OUT=$("$T/ctl" -c "$T/typo.conf" seal 2>"$T/err")
	RC=$?
	assertEquals "exit status" 1 "$RC"
	assertContains "$(cat "$T/err")" "no store at $T/w/typo.db"
	assertFalse "no store made" "ls $T/w/typo.db* 2>/dev/null"
	assertEquals "still served" 200 "$(served)"
}

. /usr/share/shunit2/shunit2
