#!/usr/bin/env bash
# Authorization of secrets requests through DC/OS grants
# (docs/apis.md#the-one-model, docs/security.md#authorization-and-audit):
# a path, beneath it, beside it, groups, the list permission, revocation
# reaching every worker at once, the ACL API, and audit lines.
. "$(dirname "$0")/../lib.sh"

A=/acs/api/v1
S=/secrets/v1/secret/default
R=dcos:secrets:default:%252F

oneTimeSetUp() {
	coffer_server_start login_max_failures=1000 && coffer_init_unseal ||
	    return 1
	local p
	for p in a/b a/b/c a/bc x/y team/s; do
		auth_json PUT $S/$p "{\"value\":\"v-$p\"}"
	done
	auth_json PUT $A/users/alice '{"password":"pw-alice"}'
	auth_json PUT $A/users/bob '{"password":"pw-bob"}'
	json_req POST $A/auth/login '{"uid":"alice","password":"pw-alice"}'
	ALICE=$(jq -r .token "$BODY_FILE")
	json_req POST $A/auth/login '{"uid":"bob","password":"pw-bob"}'
	BOB=$(jq -r .token "$BODY_FILE")
}
oneTimeTearDown() { coffer_server_stop; }

as() {
	local t=$1 m=$2 p=$3
	shift 3
	req "$m" "$p" -H "Authorization: token=$t" "$@"
}

grant() {
	auth_json PUT "$A/acls/$1" '{"description":"test"}'
	auth_req PUT "$A/acls/$1/$2/$3"
	assertEquals "grant $*" 204 "$STATUS"
}

test_without_a_grant_a_user_gets_403() {
	as "$ALICE" GET $S/x/y
	assert_status 403
	assert_schema dcos-error.json
	assert_body_lacks v-x/y
}

test_a_grant_covers_the_path_and_beneath_it_but_not_beside_it() {
	grant "${R}a%252Fb" users/alice read
	as "$ALICE" GET $S/a/b
	assert_status 200 "the path itself"
	as "$ALICE" GET $S/a/b/c
	assert_status 200 "beneath it"
	as "$ALICE" GET $S/a/bc
	assert_status 403 "beside it: /a/bc"
	as "$ALICE" PATCH $S/a/b -H 'Content-Type: application/json' \
	    -d '{"value":"w"}'
	assert_status 403 "read does not give update"
}

test_create_needs_create_and_full_gives_everything() {
	as "$BOB" PUT $S/x/new -H 'Content-Type: application/json' \
	    -d '{"value":"n"}'
	assert_status 403
	grant "${R}x" users/bob full
	as "$BOB" PUT $S/x/new -H 'Content-Type: application/json' \
	    -d '{"value":"n"}'
	assert_status 201
	as "$BOB" PATCH $S/x/new -H 'Content-Type: application/json' \
	    -d '{"value":"m"}'
	assert_status 204
	as "$BOB" DELETE $S/x/new
	assert_status 204
}

test_revoking_a_grant_takes_effect_at_once_in_every_worker() {
	grant "${R}rv" users/alice full
	# Every worker decides for alice, and keeps the ACL opened.
	spread_writes 6 "$S/rv/%i" -H "Authorization: token=$ALICE"
	assertEquals "alice writes" 6x201 "$BURST"
	assert_spread "several workers served alice"
	auth_req DELETE "$A/acls/${R}rv/users/alice/full"
	assert_status 204
	as "$ALICE" GET $S/rv/1
	assert_status 403 "the very next request"
	burst 12 GET $S/rv/1 -H "Authorization: token=$ALICE"
	assertEquals "every request after the revoke is refused" 12x403 "$BURST"
}

test_revoking_a_superuser_grant_takes_effect_at_once_in_every_worker() {
	grant dcos:superuser users/bob full
	spread_writes 6 "$S/su/%i" -H "Authorization: token=$BOB"
	assertEquals "bob writes as a superuser" 6x201 "$BURST"
	assert_spread "several workers served bob"
	auth_req DELETE "$A/acls/dcos:superuser/users/bob/full"
	assert_status 204
	as "$BOB" GET $S/su/1
	assert_status 403 "the very next request"
	burst 12 GET $S/su/1 -H "Authorization: token=$BOB"
	assertEquals "bob is no superuser anywhere" 12x403 "$BURST"
}

test_an_action_other_than_full_on_dcos_superuser_makes_no_superuser() {
	local t a
	auth_json PUT $A/users/sue '{"password":"pw-sue"}'
	json_req POST $A/auth/login '{"uid":"sue","password":"pw-sue"}'
	t=$(jq -r .token "$BODY_FILE")
	for a in read create update delete; do
		grant dcos:superuser users/sue "$a"
		req PUT $A/users/mallory -H "Authorization: token=$t" \
		    -H 'Content-Type: application/json' -d '{"password":"x"}'
		assert_status 403 "$a on dcos:superuser: no new user"
		req PUT "$A/acls/dcos:superuser/users/sue/full" \
		    -H "Authorization: token=$t"
		assert_status 403 "$a on dcos:superuser: no grant of full"
		as "$t" GET $S/x/y
		assert_status 403 "$a on dcos:superuser: no secret"
		auth_req DELETE "$A/acls/dcos:superuser/users/sue/$a"
	done
	auth_req GET $A/users/mallory
	assert_status 400 "mallory was never created"
	auth_req DELETE $A/users/sue
}

test_a_group_with_read_on_dcos_superuser_makes_no_superuser() {
	local t
	auth_json PUT $A/users/gus '{"password":"pw-gus"}'
	auth_json PUT $A/groups/readers '{"description":"r"}'
	auth_req PUT $A/groups/readers/users/gus
	grant dcos:superuser groups/readers read
	json_req POST $A/auth/login '{"uid":"gus","password":"pw-gus"}'
	t=$(jq -r .token "$BODY_FILE")
	as "$t" GET $A/users
	assert_status 403 "a member of a group with read only"
	auth_req DELETE "$A/acls/dcos:superuser/groups/readers/read"
	auth_req DELETE $A/groups/readers
	auth_req DELETE $A/users/gus
}

test_a_group_grant_reaches_its_members_only_while_they_are_members() {
	auth_json PUT $A/groups/team '{"description":"team"}'
	grant "${R}team" groups/team read
	as "$BOB" GET $S/team/s
	assert_status 403 "not a member yet"
	auth_req PUT $A/groups/team/users/bob
	as "$BOB" GET $S/team/s
	assert_status 200 "member"
	auth_req DELETE $A/groups/team/users/bob
	as "$BOB" GET $S/team/s
	assert_status 403 "no longer a member"
}

test_listing_needs_the_list_permission() {
	as "$ALICE" GET "$S/a?list=true"
	assert_status 403
	grant "dcos:secrets:list:default:%252Fa" users/alice read
	as "$ALICE" GET "$S/a?list=true"
	assert_status 200
	assert_schema dcos-list.json
	as "$ALICE" GET "$S/x?list=true"
	assert_status 403 "another folder"
}

test_allowed_query_answers_the_decision() {
	grant "${R}q" users/alice update
	auth_req GET "$A/acls/${R}q/users/alice/update"
	assert_status 200
	assert_schema 'iam-acl.json#/$defs/Allowed'
	assert_json_eq .allowed true
	auth_req GET "$A/acls/${R}q/users/alice/delete"
	assert_json_eq .allowed false
	auth_req GET "$A/acls/${R}q/users/alice"
	assert_json_eq '.array[0].name' update
}

test_allowed_query_for_an_unknown_user_is_a_400() {
	grant "${R}q2" users/alice read
	auth_req GET "$A/acls/${R}q2/users/nobody/read"
	assert_status 400
	assert_json_eq .code ERR_UNKNOWN_USER_ID
	assert_schema dcos-error.json
}

test_allowed_query_for_a_group_answers_its_own_grant_only() {
	auth_json PUT $A/groups/readers '{"description":"r"}'
	# The rid spells "read": the answer must come from the grant, not text.
	grant "${R}thread" groups/readers update
	auth_req GET "$A/acls/${R}thread/groups/readers/read"
	assert_status 200
	assert_json_eq .allowed false
	auth_req GET "$A/acls/${R}thread/groups/readers/update"
	assert_json_eq .allowed true
	auth_req GET "$A/acls/${R}thread/groups/nogroup/read"
	assert_status 400
	assert_json_eq .code ERR_UNKNOWN_GROUP_ID
}

test_acl_api_create_get_list_permissions_and_delete() {
	auth_json PUT "$A/acls/${R}acl%252Ftest" '{"description":"d"}'
	assert_status 201
	auth_json PUT "$A/acls/${R}acl%252Ftest" '{"description":"d"}'
	assert_status 409
	auth_req GET "$A/acls/${R}acl%252Ftest"
	assert_status 200
	assert_schema iam-acl.json
	assert_json_eq .rid dcos:secrets:default:/acl/test
	assert_json_eq .url "/acs/api/v1/acls/dcos:secrets:default:%252Facl%252Ftest"
	auth_req GET $A/acls
	assert_schema 'iam-acl.json#/$defs/List'
	auth_req PUT "$A/acls/${R}acl%252Ftest/users/bob/read"
	auth_req GET "$A/acls/${R}acl%252Ftest/permissions"
	assert_json_eq '.users[0].uid' bob
	auth_req DELETE "$A/acls/${R}acl%252Ftest"
	assert_status 204
	auth_req GET "$A/acls/${R}acl%252Ftest"
	assert_status 400
	assert_json_eq .code ERR_UNKNOWN_RESOURCE_ID
}

test_granting_on_an_unknown_acl_answers_400() {
	auth_req PUT "$A/acls/${R}never/users/bob/read"
	assert_status 400
	assert_json_eq .code ERR_UNKNOWN_RESOURCE_ID
	auth_json PUT "$A/acls/${R}never2" '{"description":"d"}'
	auth_req PUT "$A/acls/${R}never2/users/bob/fly"
	assert_status 400 "unknown action"
	auth_req PUT "$A/acls/${R}never2/users/nobody/read"
	assert_status 400 "unknown user"
}

test_each_decision_is_an_audit_line() {
	as "$BOB" GET $S/a/bc
	assert_status 403
	local line
	line=$(grep '"resource":"dcos:secrets:default:/a/bc"' \
	    "$COFFER_STATE/audit.log" | grep '"subject":"bob"' | tail -1)
	assertNotNull "an audit line for the denial" "$line"
	assertEquals "allowed false" false "$(jq -r .allowed <<<"$line")"
	assertEquals "action" read "$(jq -r .action <<<"$line")"
	assert_body_lacks v-a/bc
	if grep -q 'v-a/bc' "$COFFER_STATE/audit.log"; then
		fail "the audit log holds a secret value"
	fi
}

. /usr/share/shunit2/shunit2
