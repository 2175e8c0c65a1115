#!/usr/bin/env bash
# DC/OS IAM users, service accounts and groups (docs/apis.md#dcos):
# bodies, codes, error shapes, bad input, and the last superuser.
. "$(dirname "$0")/../lib.sh"

A=/acs/api/v1

oneTimeSetUp() {
	coffer_server_start login_max_failures=1000 && coffer_init_unseal ||
	    return 1
	openssl genrsa -out "$COFFER_STATE/sa.pem" 2048 2>/dev/null
	openssl rsa -in "$COFFER_STATE/sa.pem" -pubout \
	    -out "$COFFER_STATE/sa.pub" 2>/dev/null
	openssl ecparam -name prime256v1 -genkey -noout \
	    -out "$COFFER_STATE/ec.pem" 2>/dev/null
	openssl ec -in "$COFFER_STATE/ec.pem" -pubout \
	    -out "$COFFER_STATE/ec.pub" 2>/dev/null
	auth_json PUT $A/users/bob '{"description":"Bob","password":"pw-bob"}'
}
oneTimeTearDown() { coffer_server_stop; }

login() {
	json_req POST $A/auth/login "{\"uid\":\"$1\",\"password\":\"$2\"}"
	jq -r .token "$BODY_FILE"
}

pk_body() { jq -n --rawfile k "$1" '{description: "svc", public_key: $k}'; }

test_put_user_answers_201_and_get_shows_it() {
	auth_json PUT $A/users/carol '{"description":"Carol","password":"pw"}'
	assert_status 201
	auth_req GET $A/users/carol
	assert_status 200
	assert_schema iam-user.json
	assert_json_eq .description Carol
	assert_json_eq .is_service false
	assert_body_lacks '"password"'
}

test_duplicate_user_answers_409() {
	auth_json PUT $A/users/bob '{"description":"again","password":"pw"}'
	assert_status 409
	assert_json_eq .code ERR_USER_EXISTS
	assert_schema dcos-error.json
}

test_bad_uid_answers_400_invalid_user_id() {
	auth_json PUT '/acs/api/v1/users/a!' '{"password":"pw"}'
	assert_status 400
	assert_json_eq .code ERR_INVALID_USER_ID
	auth_json PUT $A/users/anonymous '{"password":"pw"}'
	assert_status 400 "anonymous is reserved"
	auth_json PUT $A/users/$(head -c 97 /dev/zero | tr '\0' a) '{"password":"pw"}'
	assert_status 400 "97 characters"
	auth_json PUT $A/users/Az09@. '{"password":"pw"}'
	assert_status 201 "a valid odd uid"
}

test_empty_password_answers_400() {
	auth_json PUT $A/users/dave '{"password":""}'
	assert_status 400
	assert_json_eq .code ERR_INVALID_DATA
	auth_req GET $A/users/dave
	assert_status 400 "not created"
}

test_both_password_and_public_key_answer_400() {
	auth_json PUT $A/users/erin "$(jq -n --rawfile k "$COFFER_STATE/sa.pub" \
	    '{password: "pw", public_key: $k}')"
	assert_status 400
	auth_json PUT $A/users/erin '{"description":"neither"}'
	assert_status 400 "neither"
}

test_non_rsa_public_key_answers_400_invalid_public_key() {
	auth_json PUT $A/users/ecsvc "$(pk_body "$COFFER_STATE/ec.pub")"
	assert_status 400
	assert_json_eq .code ERR_INVALID_PUBLIC_KEY
	auth_json PUT $A/users/ecsvc '{"public_key":"not a key"}'
	assert_status 400
	assert_json_eq .code ERR_INVALID_PUBLIC_KEY
}

test_service_account_lists_only_with_type_service() {
	auth_json PUT $A/users/svc1 "$(pk_body "$COFFER_STATE/sa.pub")"
	assert_status 201
	auth_req GET "$A/users?type=service"
	assert_status 200
	assert_schema 'iam-user.json#/$defs/List'
	assert_json_eq '[.array[].uid] | index("svc1") != null' true
	assert_json_eq '[.array[].uid] | index("bob")' null
	auth_req GET $A/users
	assert_json_eq '[.array[].uid] | index("svc1")' null
	assert_json_eq '[.array[].uid] | index("bob") != null' true
}

test_patch_changes_the_password() {
	auth_json PUT $A/users/frank '{"password":"old-pw"}'
	auth_json PATCH $A/users/frank '{"password":"new-pw","description":"F"}'
	assert_status 204
	json_req POST $A/auth/login '{"uid":"frank","password":"old-pw"}'
	assert_status 401 "old password"
	json_req POST $A/auth/login '{"uid":"frank","password":"new-pw"}'
	assert_status 200 "new password"
}

test_patch_without_description_or_password_answers_400() {
	auth_json PUT $A/users/hank '{"password":"pw-h"}'
	auth_json PATCH $A/users/hank '{}'
	assert_status 400
	assert_json_eq .code ERR_INVALID_DATA
	assert_schema dcos-error.json
}

test_patch_of_a_service_accounts_password_answers_400_as_bouncer() {
	auth_json PUT $A/users/svc2 "$(pk_body "$COFFER_STATE/sa.pub")"
	assert_status 201
	auth_json PATCH $A/users/svc2 '{"password":"pw"}'
	assert_status 400
	assert_json_eq .code ERR_INVALID_DATA
	assert_json_eq .description \
	    "Password update is not available for service user accounts."
	auth_json PATCH $A/users/svc2 '{"description":"renamed"}'
	assert_status 204 "the description may change"
}

test_unknown_user_answers_400_unknown_user_id() {
	auth_req GET $A/users/nobody
	assert_status 400
	assert_json_eq .code ERR_UNKNOWN_USER_ID
	auth_req DELETE $A/users/nobody
	assert_status 400
}

test_delete_user_revokes_its_tokens() {
	local t
	auth_json PUT $A/users/gina '{"password":"pw-gina"}'
	t=$(login gina pw-gina)
	req GET $A/users/gina/permissions -H "Authorization: token=$t"
	assert_status 200 "before delete"
	auth_req DELETE $A/users/gina
	assert_status 204
	req GET $A/users/gina/permissions -H "Authorization: token=$t"
	assert_status 401 "after delete"
}

test_a_token_does_not_work_for_a_user_created_again_under_the_same_uid() {
	local old new
	auth_json PUT $A/users/hal '{"password":"pw-hal"}'
	old=$(login hal pw-hal)
	auth_req DELETE $A/users/hal
	assert_status 204
	auth_json PUT $A/users/hal '{"password":"pw-hal-2"}'
	assert_status 201
	req GET $A/users/hal/permissions -H "Authorization: token=$old"
	assert_status 401 "the token of the deleted hal"
	new=$(login hal pw-hal-2)
	req GET $A/users/hal/permissions -H "Authorization: token=$new"
	assert_status 200 "the new hal's own token"
}

test_a_deleted_user_is_refused_at_once_by_every_worker() {
	local t
	auth_json PUT $A/users/ivy '{"password":"pw-ivy"}'
	auth_json PUT "$A/acls/dcos:secrets:default:%252Fivy" '{"description":"i"}'
	auth_req PUT "$A/acls/dcos:secrets:default:%252Fivy/users/ivy/full"
	assert_status 204
	t=$(login ivy pw-ivy)
	# Every worker authenticates ivy, and keeps her record opened.
	spread_writes 6 /secrets/v1/secret/default/ivy/%i \
	    -H "Authorization: token=$t"
	assertEquals "ivy writes" 6x201 "$BURST"
	assert_spread "several workers served ivy"
	auth_req DELETE $A/users/ivy
	assert_status 204
	req GET /secrets/v1/secret/default/ivy/1 -H "Authorization: token=$t"
	assert_status 401 "the very next request"
	burst 12 GET /secrets/v1/secret/default/ivy/1 \
	    -H "Authorization: token=$t"
	assertEquals "no worker knows ivy any more" 12x401 "$BURST"
}

test_non_superuser_gets_403_on_iam() {
	local t
	t=$(login bob pw-bob)
	req GET $A/users -H "Authorization: token=$t"
	assert_status 403
	assert_schema dcos-error.json
	req PUT $A/users/mallory -H "Authorization: token=$t" \
	    -H 'Content-Type: application/json' -d '{"password":"x"}'
	assert_status 403
	req GET $A/users/bob/permissions -H "Authorization: token=$t"
	assert_status 200 "own permissions"
	assert_schema iam-permissions.json
	req GET $A/users/admin/permissions -H "Authorization: token=$t"
	assert_status 403 "another user's permissions"
}

test_no_token_gets_401_on_iam() {
	req GET $A/users
	assert_status 401
	assert_header WWW-Authenticate acsjwt
}

test_a_group_is_described_with_its_provider_type_as_the_spec_requires() {
	auth_json PUT $A/groups/devs '{"description":"Developers"}'
	assert_status 201
	auth_req GET $A/groups/devs
	assert_status 200
	assert_json_eq .provider_type internal
	assert_spec
	auth_req GET $A/groups
	assert_json_eq '[.array[].provider_type] | unique' '["internal"]'
	assert_spec
	auth_req PUT $A/groups/devs/users/bob
	auth_req GET $A/users/bob/groups
	assert_json_eq '.array[0].group.provider_type' internal
	assert_spec
	auth_req DELETE $A/groups/devs
	assert_status 204
}

test_groups_create_list_members_and_delete() {
	auth_json PUT $A/groups/ops '{"description":"Operators"}'
	assert_status 201
	auth_json PUT $A/groups/ops '{"description":"again"}'
	assert_status 409
	assert_json_eq .code ERR_GROUP_EXISTS
	auth_req GET $A/groups
	assert_schema 'iam-group.json#/$defs/List'
	assert_json_eq '.array[0].gid' ops
	auth_req PUT $A/groups/ops/users/bob
	assert_status 204
	auth_req PUT $A/groups/ops/users/bob
	assert_status 409 "already a member"
	auth_req GET $A/groups/ops/users
	assert_json_eq '.array[0].user.uid' bob
	auth_req GET $A/users/bob/groups
	assert_json_eq '.array[0].group.gid' ops
	auth_req DELETE $A/groups/ops/users/bob
	assert_status 204
	auth_req DELETE $A/groups/ops
	assert_status 204
	auth_req GET $A/groups/ops
	assert_status 400
	assert_json_eq .code ERR_UNKNOWN_GROUP_ID
}

test_the_last_superuser_cannot_be_removed() {
	auth_req DELETE $A/users/admin
	assert_status 400
	assert_json_eq .code ERR_NO_MORE_SUPERUSERS
	auth_req GET $A/users/admin
	assert_status 200 "admin is still there"
}

test_read_on_dcos_superuser_does_not_count_as_a_remaining_superuser() {
	auth_json PUT $A/users/reader '{"password":"pw-reader"}'
	auth_req PUT $A/acls/dcos:superuser/users/reader/read
	assert_status 204
	auth_req DELETE $A/users/admin
	assert_status 400 "reader is no superuser"
	assert_json_eq .code ERR_NO_MORE_SUPERUSERS
	auth_req DELETE $A/users/reader
	assert_status 204
}

test_a_granted_superuser_can_be_removed_but_not_the_last() {
	local t
	auth_json PUT $A/users/root2 '{"password":"pw-root2"}'
	auth_req PUT $A/acls/dcos:superuser/users/root2/full
	assert_status 204
	t=$(login root2 pw-root2)
	req GET $A/users -H "Authorization: token=$t"
	assert_status 200 "root2 is a superuser"
	# Two superusers now; root2 deletes admin, and is then the last.
	req DELETE $A/users/admin -H "Authorization: token=$t"
	assert_status 204 "admin removed while root2 remains"
	req DELETE $A/acls/dcos:superuser/users/root2/full \
	    -H "Authorization: token=$t"
	assert_status 400 "root2 is the last"
	assert_json_eq .code ERR_NO_MORE_SUPERUSERS
	req DELETE $A/users/root2 -H "Authorization: token=$t"
	assert_status 400 "still the last"
}

. /usr/share/shunit2/shunit2
