#!/usr/bin/env bash
# cofferctl's identity commands (tools/ctl_iam.c): users, service accounts,
# groups and grants written to the store directly, then judged over HTTP by
# the real programs: logins, secrets reads, the IAM API and the audit log.
. "$(dirname "$0")/../lib.sh"

A=/acs/api/v1
S=/secrets/v1/secret/default
RID=dcos:secrets:default:/team

oneTimeSetUp() {
	# A high limit: failed logins are expected here.
	coffer_server_start login_max_failures=1000 && coffer_init_unseal ||
	    return 1
	auth_json PUT $S/team/db '{"value":"v-team"}'
	# Files the programs' user (who runs cofferctl) can read.
	W=$COFFER_STATE/w
	mkdir -p "$W" && chmod 0755 "$W"
	openssl genrsa -out "$W/sa.pem" 2048 2>/dev/null
	openssl rsa -in "$W/sa.pem" -pubout -out "$W/sa.pub" 2>/dev/null
	openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null |
	    openssl ec -pubout -out "$W/ec.pub" 2>/dev/null
	chmod 0644 "$W"/*
}
oneTimeTearDown() { coffer_server_stop; }

# ctl ARGS...: cofferctl; sets RC and ERR (its stderr), OUT (its stdout).
ctl() {
	OUT=$(coffer_ctl "$@" 2>"$W/err")
	RC=$?
	ERR=$(cat "$W/err")
}

# add_user UID PASSWORD: user-add with the password on stdin.
add_user() {
	ctl user-add "$1" --password-stdin <<<"$2"
	assertEquals "user-add $1: $ERR" 0 "$RC"
}

login() {
	json_req POST $A/auth/login "$(jq -n --arg u "$1" --arg p "$2" \
	    '{uid: $u, password: $p}')"
}

# token_of UID PASSWORD: a token from the HTTP login.
token_of() {
	login "$1" "$2"
	jq -r '.token // empty' "$BODY_FILE"
}

as() {
	local t=$1 m=$2 p=$3
	shift 3
	req "$m" "$p" -H "Authorization: token=$t" "$@"
}

# The store's files, to show a refused command wrote nothing.
store_sum() {
	cat "$COFFER_STATE"/coffer.db "$COFFER_STATE"/coffer.db.journal \
	    2>/dev/null | sha256sum
}

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

# sa_token KEY UID: a service account's RS256 login token.
sa_token() {
	local h p
	h=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
	p=$(printf '{"uid":"%s","exp":%d}' "$2" $(($(date +%s) + 300)) | b64url)
	printf '%s.%s.%s\n' "$h" "$p" "$(printf '%s.%s' "$h" "$p" |
	    openssl dgst -sha256 -sign "$1" -binary | b64url)"
}

test_user_added_by_cofferctl_logs_in_over_http() {
	ctl user-add carol --description "Carol" --password-stdin <<<"pw-carol"
	assertEquals "exit status; stderr: $ERR" 0 "$RC"
	login carol pw-carol
	assert_status 200
	assert_schema iam-login-response.json
	auth_req GET $A/users/carol
	assert_status 200
	assert_json_eq .description Carol
	assert_json_eq .is_service false
	assert_schema iam-user.json
}

test_user_add_reads_the_password_from_a_file() {
	printf 'pw-from-file\n' >"$W/pw"
	ctl user-add filer --password-file "$W/pw"
	assertEquals "exit status; stderr: $ERR" 0 "$RC"
	login filer pw-from-file
	assert_status 200 "the final newline is not part of the password"
}

test_a_password_on_the_command_line_is_a_usage_error() {
	local before
	before=$(store_sum)
	ctl user-add dave pw-dave </dev/null
	assertEquals "exit status" 2 "$RC"
	assertContains "$ERR" "usage: cofferctl"
	assertEquals "nothing written" "$before" "$(store_sum)"
}

test_user_add_of_an_existing_uid_fails_with_exit_1() {
	add_user twice pw-1
	ctl user-add twice --password-stdin <<<"pw-2"
	assertEquals "exit status" 1 "$RC"
	assertContains "$ERR" "exists"
	login twice pw-1
	assert_status 200 "the first password still holds"
}

test_bad_uid_is_refused_with_exit_2_and_nothing_written() {
	local before uid
	before=$(store_sum)
	for uid in 'has space' 'anonymous' 'a/b' \
	    "$(printf 'u%.0s' $(seq 97))"; do
		ctl user-add "$uid" --password-stdin <<<"pw"
		assertEquals "user-add '$uid'" 2 "$RC"
		assertContains "$ERR" "invalid uid"
	done
	ctl grant $RID read 'bad uid!'
	assertEquals "grant to a bad uid" 2 "$RC"
	assertEquals "nothing written" "$before" "$(store_sum)"
}

test_empty_or_too_long_password_is_refused_with_exit_2() {
	local before
	before=$(store_sum)
	ctl user-add empty --password-stdin </dev/null
	assertEquals "empty password" 2 "$RC"
	head -c 1025 /dev/zero | tr '\0' x >"$W/long"
	ctl user-add long --password-file "$W/long"
	assertEquals "1025-byte password" 2 "$RC"
	assertContains "$ERR" "invalid password"
	assertEquals "nothing written" "$before" "$(store_sum)"
}

test_user_list_shows_users_and_sa_list_service_accounts() {
	ctl user-add listed --description "Listed one" --password-stdin <<<"pw"
	ctl sa-add listsvc --public-key-file "$W/sa.pub"
	ctl user-list
	assertEquals "exit status" 0 "$RC"
	assertContains "$OUT" "$(printf 'listed\tListed one')"
	assertContains "$OUT" "admin"
	assertNotContains "service accounts are not users" "$OUT" listsvc
	ctl sa-list
	assertContains "$OUT" listsvc
	assertNotContains "$OUT" listed$'\t'
}

test_user_passwd_changes_the_password_for_http_login() {
	add_user changer old-pw
	ctl user-passwd changer --password-stdin <<<"new-pw"
	assertEquals "exit status; stderr: $ERR" 0 "$RC"
	login changer old-pw
	assert_status 401 "the old password"
	login changer new-pw
	assert_status 200 "the new password"
}

test_user_passwd_of_an_unknown_user_fails_with_exit_1() {
	ctl user-passwd nobody --password-stdin <<<"pw"
	assertEquals "exit status" 1 "$RC"
	assertContains "$ERR" "no user"
}

test_user_del_stops_the_login() {
	add_user leaver pw-leaver
	login leaver pw-leaver
	assert_status 200 "before"
	ctl user-del leaver
	assertEquals "exit status; stderr: $ERR" 0 "$RC"
	login leaver pw-leaver
	assert_status 401 "after"
	ctl user-del leaver
	assertEquals "deleting again" 1 "$RC"
	assertContains "$ERR" "no user"
}

test_the_last_superuser_cannot_be_deleted() {
	ctl user-del admin
	assertEquals "exit status" 1 "$RC"
	assertContains "$ERR" "last superuser"
	auth_req GET $A/users/admin
	assert_status 200
}

test_grant_allows_a_secrets_read_that_was_403() {
	local t
	add_user reader pw-reader
	t=$(token_of reader pw-reader)
	as "$t" GET $S/team/db
	assert_status 403 "before the grant"
	ctl grant $RID read reader
	assertEquals "exit status; stderr: $ERR" 0 "$RC"
	as "$t" GET $S/team/db
	assert_status 200 "after the grant"
	assert_json_eq .value v-team
	as "$t" DELETE $S/team/db
	assert_status 403 "read gives no delete"
}

test_revoke_makes_the_read_403_again() {
	local t
	add_user revoked pw-revoked
	t=$(token_of revoked pw-revoked)
	ctl grant $RID full revoked
	as "$t" GET $S/team/db
	assert_status 200 "granted"
	ctl revoke $RID full revoked
	assertEquals "exit status; stderr: $ERR" 0 "$RC"
	as "$t" GET $S/team/db
	assert_status 403 "revoked"
}

test_grants_lists_direct_and_group_grants() {
	add_user lister pw
	ctl grant dcos:secrets:default:/a read lister
	ctl grant dcos:secrets:default:/a update lister
	ctl group-add listers
	ctl group-member-add listers lister
	ctl grant --group dcos:secrets:default:/b full listers
	ctl grants lister
	assertEquals "exit status; stderr: $ERR" 0 "$RC"
	assertContains "$OUT" "dcos:secrets:default:/a read,update"
	assertContains "$OUT" "dcos:secrets:default:/b full group listers"
	auth_req GET "$A/users/lister/permissions"
	assert_json_eq '.direct | length' 1 "the API sees the same grants"
	assert_json_eq '.groups[0].gid' listers
}

test_group_grant_reaches_its_members() {
	local t
	add_user member pw-member
	t=$(token_of member pw-member)
	ctl group-add team --description "The team"
	assertEquals "group-add; stderr: $ERR" 0 "$RC"
	ctl grant --group $RID read team
	as "$t" GET $S/team/db
	assert_status 403 "not a member yet"
	ctl group-member-add team member
	assertEquals "group-member-add; stderr: $ERR" 0 "$RC"
	as "$t" GET $S/team/db
	assert_status 200 "a member"
	ctl group-member-del team member
	as "$t" GET $S/team/db
	assert_status 403 "no longer a member"
}

test_grant_makes_the_acl_with_its_description() {
	add_user acl-maker pw
	ctl grant dcos:secrets:default:/new/acl read acl-maker \
	    --description "made by cofferctl"
	assertEquals "exit status; stderr: $ERR" 0 "$RC"
	auth_req GET "$A/acls/dcos:secrets:default:%252Fnew%252Facl"
	assert_status 200
	assert_json_eq .description "made by cofferctl"
	assert_schema iam-acl.json
}

test_bad_rid_or_action_is_refused_with_exit_2_and_nothing_written() {
	local before
	add_user target pw
	before=$(store_sum)
	ctl grant 'dcos:secrets:default:/has space' read target
	assertEquals "a rid with a space" 2 "$RC"
	assertContains "$ERR" "invalid resource id"
	ctl grant "dcos:$(printf 'r%.0s' $(seq 600))" read target
	assertEquals "a 605-byte rid" 2 "$RC"
	ctl grant $RID write target
	assertEquals "an unknown action" 2 "$RC"
	assertContains "$ERR" "invalid action"
	ctl revoke 'bad rid?' read target
	assertEquals "revoke with a bad rid" 2 "$RC"
	assertEquals "nothing written" "$before" "$(store_sum)"
}

test_grant_to_an_unknown_user_fails_and_makes_no_acl() {
	local before
	before=$(store_sum)
	ctl grant dcos:secrets:default:/ghost read ghost
	assertEquals "exit status" 1 "$RC"
	assertContains "$ERR" "no user"
	auth_req GET "$A/acls/dcos:secrets:default:%252Fghost"
	assert_status 400 "no ACL was made"
	assertEquals "nothing written" "$before" "$(store_sum)"
}

test_service_account_added_by_cofferctl_logs_in_with_its_key() {
	ctl sa-add robot --public-key-file "$W/sa.pub" --description "A robot"
	assertEquals "exit status; stderr: $ERR" 0 "$RC"
	json_req POST $A/auth/login "$(jq -n --arg t "$(sa_token "$W/sa.pem" \
	    robot)" '{uid: "robot", token: $t}')"
	assert_status 200
	auth_req GET $A/users/robot
	assert_json_eq .is_service true
}

test_sa_add_refuses_a_key_that_is_not_rsa_with_exit_2() {
	local before
	before=$(store_sum)
	ctl sa-add ecbot --public-key-file "$W/ec.pub"
	assertEquals "exit status" 2 "$RC"
	assertContains "$ERR" "invalid public key"
	ctl sa-add nokey
	assertEquals "no key file" 2 "$RC"
	assertEquals "nothing written" "$before" "$(store_sum)"
}

test_sa_del_removes_a_service_account_but_not_a_user() {
	add_user human pw-human
	ctl sa-del human
	assertEquals "sa-del of a user" 1 "$RC"
	assertContains "$ERR" "not a service account"
	login human pw-human
	assert_status 200 "the user is still there"
	ctl sa-add gone --public-key-file "$W/sa.pub"
	ctl sa-del gone
	assertEquals "exit status; stderr: $ERR" 0 "$RC"
	auth_req GET $A/users/gone
	assert_status 400
}

test_user_passwd_refuses_a_service_account() {
	ctl sa-add keyonly --public-key-file "$W/sa.pub"
	ctl user-passwd keyonly --password-stdin <<<"pw"
	assertEquals "exit status" 1 "$RC"
	assertContains "$ERR" "no password"
}

test_each_change_is_an_audit_line() {
	local line
	ctl user-add audited --password-stdin <<<"secret-pw-audited"
	line=$(grep '"program":"cofferctl"' "$COFFER_STATE/audit.log" |
	    grep '"path":"/acs/api/v1/users/audited"' | tail -n 1)
	assertNotNull "an audit line for user-add" "$line"
	assertEquals "command" user-add "$(jq -r .command <<<"$line")"
	assertEquals "method" PUT "$(jq -r .method <<<"$line")"
	assertEquals "status" 201 "$(jq -r .status <<<"$line")"
	assertEquals "operator" "$(stack_owner "$COFFER_STATE")" \
	    "$(jq -r .operator <<<"$line")"
	ctl grant $RID read audited
	line=$(tail -n 1 "$COFFER_STATE/audit.log")
	assertEquals "the grant's route" \
	    "/acs/api/v1/acls/dcos:secrets:default:%252Fteam/users/audited/read" \
	    "$(jq -r .path <<<"$line")"
	assertEquals "status" 204 "$(jq -r .status <<<"$line")"
	if grep -q secret-pw-audited "$COFFER_STATE/audit.log"; then
		fail "the audit log holds a password"
	fi
}

# Last: it seals the store, then unseals it for any test after.
test_a_sealed_store_is_refused_with_exit_1() {
	local before
	ctl seal
	before=$(store_sum)
	ctl user-add sealed --password-stdin <<<"pw"
	assertEquals "user-add" 1 "$RC"
	assertContains "$ERR" "sealed"
	ctl grant $RID read admin
	assertEquals "grant" 1 "$RC"
	ctl user-list
	assertEquals "user-list" 1 "$RC"
	assertEquals "nothing written" "$before" "$(store_sum)"
	stack_unseal "$COFFER_ADDR" $COFFER_SHARES
}

. /usr/share/shunit2/shunit2
