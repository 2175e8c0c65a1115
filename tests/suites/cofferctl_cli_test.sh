#!/usr/bin/env bash
# cofferctl as an operator meets it (tools/cofferctl.c): help, version,
# where the configuration comes from, plain errors, one line on success,
# the library's log kept out of the output, and no store made by a typo.
. "$(dirname "$0")/../lib.sh"

A=/acs/api/v1

oneTimeSetUp() {
	coffer_server_start && coffer_init_unseal || return 1
	set -- $COFFER_SHARES
	SHARE=$1
	# Files the programs' user (who runs cofferctl) can write.
	W=$COFFER_STATE/w
	mkdir -p "$W" && chmod 0777 "$W"
	printf '%s\n' "$SHARE" >"$W/share"
	chmod 0644 "$W/share"
}
oneTimeTearDown() { coffer_server_stop; }
# A test that sealed the store leaves it unsealed for the next.
tearDown() {
	printf '%s\n' "$SHARE" | coffer_ctl unseal >/dev/null 2>&1
	return 0
}

# ctl ARGS...: cofferctl on the suite's store; sets RC, OUT and ERR.
ctl() {
	OUT=$(coffer_ctl "$@" 2>"$W/err")
	RC=$?
	ERR=$(cat "$W/err")
}

# bare ENV... -- ARGS...: cofferctl without -c, as the store's owner,
# with only the environment given; sets RC, OUT and ERR.
bare() {
	local owner env=()
	while [ "$1" != -- ]; do
		env+=("$1")
		shift
	done
	shift
	owner=$(stack_owner "$COFFER_STATE")
	install -m 0755 "$COFFER_BUILD/tools/cofferctl" "$COFFER_STATE/ctl"
	OUT=$(runuser -u "$owner" -- env -i PATH=/usr/bin:/bin "${env[@]}" \
	    "$COFFER_STATE/ctl" "$@" 2>"$W/err")
	RC=$?
	ERR=$(cat "$W/err")
}

# A second configuration: the suite's, with the store at $1.
other_config() {
	sed "s|^store = .*|store = $1|" "$COFFER_CONFIG" >"$W/other.conf"
	chmod 0644 "$W/other.conf"
}

assert_plain() {
	assertNotContains "$1: no internal status name" "$ERR" bad_request
	assertNotContains "$1: no library log line" "$ERR" "coffer["
	assertNotContains "$1: no library log line" "$OUT" "coffer["
}

test_help_and_h_print_the_usage_and_succeed() {
	local opt
	for opt in --help -h; do
		ctl "$opt"
		assertEquals "$opt exit status" 0 "$RC"
		assertContains "$opt usage" "$OUT" "usage: cofferctl"
		assertNotContains "$opt" "$ERR" "invalid option"
	done
}

test_version_prints_the_package_version() {
	local want
	want=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"/\1/p' \
	    "$COFFER_BUILD/config.h")
	ctl --version
	assertEquals "exit status" 0 "$RC"
	assertEquals "cofferctl $want" "$OUT"
}

test_the_usage_says_what_each_command_does() {
	ctl --help
	assertContains "$OUT" "backup FILE"
	assertContains "what backup does" "$OUT" "copy of every record"
	assertContains "what grants does" "$OUT" "permissions"
}

test_help_command_says_what_one_command_does() {
	ctl help restore
	assertEquals "exit status" 0 "$RC"
	assertContains "its syntax" "$OUT" "restore FILE"
	assertContains "what it does" "$OUT" "empty store"
	ctl help user-add
	assertEquals "exit status" 0 "$RC"
	assertContains "an identity command too" "$OUT" "Create a user"
	ctl help no-such-command
	assertEquals "an unknown command" 2 "$RC"
	assertContains "$ERR" "unknown command"
}

test_without_c_a_missing_configuration_says_how_to_give_one() {
	bare COFFER_CONFIG=$W/nowhere.conf -- status
	assertEquals "exit status" 1 "$RC"
	assertContains "names -c" "$ERR" "-c"
	assertContains "names COFFER_CONFIG" "$ERR" "COFFER_CONFIG"
	assert_plain "missing configuration"
}

test_coffer_config_names_the_configuration_without_c() {
	bare COFFER_CONFIG="$COFFER_CONFIG" -- status
	assertEquals "exit status; stderr: $ERR" 0 "$RC"
	assertContains "$OUT" "initialized: yes"
}

test_unseal_with_no_share_on_stdin_says_so() {
	ctl seal
	assertEquals "seal: $ERR" 0 "$RC"
	assertContains "seal says what it did" "$OUT" "sealed"
	ctl unseal </dev/null
	assertEquals "exit status" 1 "$RC"
	assertContains "$ERR" "no unseal key share"
	printf '%s\n' "$SHARE" | coffer_ctl unseal >/dev/null 2>&1
}

test_a_wrong_share_is_refused_in_plain_words() {
	local bad
	# The same length and form, other bytes.
	bad=$(printf '%s' "$SHARE" | tr '0-9a-f' '1-9a-f0')
	ctl seal
	ctl unseal <<<"$bad"
	assertEquals "exit status" 1 "$RC"
	assertNotNull "a reason" "$ERR"
	assert_plain "wrong share"
	printf '%s\n' "$SHARE" | coffer_ctl unseal >/dev/null 2>&1
	ctl status
	assertContains "unsealed again" "$OUT" "sealed: no"
}

test_log_lines_appear_only_with_v_and_only_on_stderr() {
	ctl seal
	assert_plain "seal"
	ctl -v unseal <<<"$SHARE"
	assertEquals "exit status" 0 "$RC"
	assertContains "-v shows the log on stderr" "$ERR" "coffer["
	assertNotContains "never on stdout" "$OUT" "coffer["
	ctl status
	assertContains "$OUT" "sealed: no"
}

test_backup_and_restore_say_what_they_did() {
	ctl backup "$W/one.dump"
	assertEquals "backup: $ERR" 0 "$RC"
	assertContains "backup's summary" "$OUT" "$W/one.dump"
	other_config "$W/restored.db"
	bare -- -c "$W/other.conf" restore "$W/one.dump"
	assertEquals "restore: $ERR" 0 "$RC"
	assertContains "restore's summary" "$OUT" "restored"
}

test_identity_changes_say_what_they_did() {
	ctl user-add dora --password-stdin <<<"pw-dora"
	assertEquals "user-add: $ERR" 0 "$RC"
	assertContains "user-add's summary" "$OUT" "dora"
	ctl grant dcos:secrets:default:/dora read dora
	assertEquals "grant: $ERR" 0 "$RC"
	assertContains "grant's summary" "$OUT" "dcos:secrets:default:/dora"
	ctl revoke dcos:secrets:default:/dora read dora
	assertContains "revoke's summary" "$OUT" "dcos:secrets:default:/dora"
	ctl user-del dora
	assertContains "user-del's summary" "$OUT" "dora"
}

test_a_token_for_a_user_that_does_not_exist_is_refused() {
	ctl token --share-file "$W/share" nobody
	assertEquals "exit status" 1 "$RC"
	assertNull "no token" "$OUT"
	assertContains "$ERR" "no user"
	assert_plain "token for nobody"
}

test_status_on_a_mistyped_store_path_creates_nothing() {
	other_config "$W/typo/coffer.db"
	mkdir -p "$W/typo" && chmod 0777 "$W/typo"
	bare -- -c "$W/other.conf" status
	assertEquals "exit status" 1 "$RC"
	assertContains "names the path" "$ERR" "$W/typo/coffer.db"
	assertEquals "nothing created" "" "$(ls -A "$W/typo")"
	assert_plain "mistyped store"
}

test_grants_lists_the_superuser_of_init() {
	ctl grants admin
	assertEquals "exit status: $ERR" 0 "$RC"
	assertContains "$OUT" "dcos:superuser full"
}

test_grants_lists_the_superuser_through_a_group() {
	ctl group-add admins
	ctl grant --group dcos:superuser full admins
	ctl user-add erin --password-stdin <<<"pw-erin"
	ctl group-member-add admins erin
	ctl grants erin
	assertContains "$OUT" "dcos:superuser full group admins"
}

test_permissions_of_the_init_superuser_list_dcos_superuser() {
	auth_req GET $A/users/admin/permissions
	assert_status 200
	assert_spec
	assertEquals "the direct grant" "full" "$(jq -r \
	    '.direct[] | select(.rid == "dcos:superuser") | .actions[].name' \
	    "$BODY_FILE")"
	assertEquals "its ACL's url" "$A/acls/dcos:superuser" "$(jq -r \
	    '.direct[] | select(.rid == "dcos:superuser") | .aclurl' \
	    "$BODY_FILE")"
}

. /usr/share/shunit2/shunit2
