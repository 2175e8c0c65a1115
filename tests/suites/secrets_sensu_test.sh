#!/usr/bin/env bash
# Sensu's Secret resources, one at a time (docs/apis.md#sensu):
# /api/enterprise/secrets/v1/namespaces/{ns}/secrets/{name}.
. "$(dirname "$0")/../lib.sh"

N=/api/enterprise/secrets/v1/namespaces/default/secrets
ANSIBLE='{"type":"Secret","api_version":"secrets/v1","metadata":{"name":"sensu-ansible-token","namespace":"default"},"spec":{"id":"secret/ansible#token","provider":"ansible_vault"}}'

oneTimeSetUp() {
	coffer_server_start sensu_namespaces=default,dev && coffer_init_unseal
	export COFFER_AUTH_HEADER="Authorization: Bearer $COFFER_TOKEN"
}
oneTimeTearDown() { coffer_server_stop; }

test_the_seed_put_answers_201_with_no_body() {
	auth_json PUT $N/sensu-ansible-token "$ANSIBLE"
	assert_status 201
	assertEquals "no body" "" "$BODY"
}

test_the_seed_get_answers_the_resource_with_created_by() {
	auth_json PUT $N/sensu-ansible-token "$ANSIBLE"
	auth_req GET $N/sensu-ansible-token
	assert_status 200
	assert_schema sensu-secret.json
	assert_json_eq .spec '{"id":"secret/ansible#token","provider":"ansible_vault"}'
	assert_json_eq .metadata.namespace default
	assert_json_eq .metadata.created_by admin
}

test_put_updates_an_existing_secret_with_201() {
	auth_json PUT $N/upd "${ANSIBLE//sensu-ansible-token/upd}"
	auth_json PUT $N/upd '{"type":"Secret","api_version":"secrets/v1","metadata":{"name":"upd","labels":{"team":"ops"}},"spec":{"id":"ANSIBLE_TOKEN","provider":"env"}}'
	assert_status 201
	auth_req GET $N/upd
	assert_json_eq .spec.id ANSIBLE_TOKEN
	assert_json_eq .metadata.labels.team ops
	assert_json_eq .metadata.namespace default "the URL's namespace when the body has none"
}

test_get_missing_answers_404_not_found_code_2() {
	auth_req GET $N/nosuch
	assert_status 404
	assert_schema sensu-error.json
	assert_json_eq . '{"message":"not found","code":2}'
}

test_delete_answers_204_then_404() {
	auth_json PUT $N/del "${ANSIBLE//sensu-ansible-token/del}"
	auth_req DELETE $N/del
	assert_status 204
	auth_req GET $N/del
	assert_status 404
	auth_req DELETE $N/del
	assert_status 404
	assert_json_eq .code 2
}

test_put_with_another_name_in_the_body_answers_400() {
	auth_json PUT $N/other "$ANSIBLE"
	assert_status 400
	assert_schema sensu-error.json
	assert_json_eq .code 1
	auth_req GET $N/other
	assert_status 404 "nothing written"
}

test_put_with_another_namespace_in_the_body_answers_400() {
	auth_json PUT /api/enterprise/secrets/v1/namespaces/dev/secrets/sensu-ansible-token "$ANSIBLE"
	assert_status 400
	assert_json_eq .code 1
}

test_put_without_spec_id_or_provider_answers_400() {
	auth_json PUT $N/nospec '{"type":"Secret","metadata":{"name":"nospec"},"spec":{"id":"x"}}'
	assert_status 400
	auth_json PUT $N/nospec '{"type":"Secret","metadata":{"name":"nospec"},"spec":{"provider":"env"}}'
	assert_status 400
	auth_json PUT $N/nospec '{"metadata":{"name":"nospec"'
	assert_status 400
	assert_schema sensu-error.json
}

test_put_naming_a_provider_that_does_not_exist_answers_201() {
	# As Sensu: the Secret is stored; the provider is looked up only when
	# a check resolves it.
	auth_req GET /api/enterprise/secrets/v1/providers/no_such_provider
	assert_status 404
	auth_json PUT $N/orphan '{"type":"Secret","metadata":{"name":"orphan"},"spec":{"id":"X","provider":"no_such_provider"}}'
	assert_status 201
	assertEquals "no body" "" "$BODY"
	auth_req GET $N/orphan
	assert_status 200
	assert_json_eq .spec.provider no_such_provider
}

cofput() { # cofput ID: PUT the secret cof with provider coffer and id ID
	auth_json PUT $N/cof "{\"type\":\"Secret\",\"metadata\":{\"name\":\"cof\"},\"spec\":{\"id\":\"$1\",\"provider\":\"coffer\"}}"
}

test_a_coffer_id_must_be_path_hash_key() {
	local id
	for id in db/password '#password' 'db#' ../db#password \
	    'db/../x#k' './db#k' '/db#k' 'db//x#k' 'a b#k' 'db#x#k'; do
		cofput "$id"
		assert_status 400 "id $id"
		assert_schema sensu-error.json
		assert_json_eq .message "a coffer secret id is path#key"
	done
	auth_req GET $N/cof
	assert_status 404 "nothing written"
	cofput db#password
	assert_status 201
	cofput db/main/x#password
	assert_status 201
}

test_an_unknown_namespace_answers_404() {
	auth_req GET /api/enterprise/secrets/v1/namespaces/nons/secrets/x
	assert_status 404
	assert_json_eq .code 2
}

test_a_bad_name_answers_404() {
	auth_req GET "$N/a%20b"
	assert_status 404
}

test_a_name_with_an_encoded_slash_answers_400_and_writes_nothing() {
	auth_json PUT "$N/a%2Fb" '{"type":"Secret","metadata":{"name":"a/b"},"spec":{"id":"X","provider":"env"}}'
	assert_status 400
	assert_schema sensu-error.json
	assert_json_eq .code 1
	auth_req GET "$N/a%2Fb"
	assert_status 400
	assert_schema sensu-error.json
	auth_req GET "$N/a/b"
	assert_status 404 "a name is one segment"
	assert_schema sensu-error.json
	auth_req GET $N
	assert_json_eq '[.[].metadata.name | select(test("/"))] | length' 0
}

test_dot_segment_names_are_refused_and_write_nothing() {
	local n
	for n in .. . %2e%2e %2E; do
		auth_json PUT "$N/$n" '{"type":"Secret","metadata":{"name":".."},"spec":{"id":"X","provider":"env"}}' --path-as-is
		assert_status 4xx "PUT $n"
		auth_req GET "$N/$n" --path-as-is
		assert_status 4xx "GET $n"
	done
	auth_req GET $N
	assert_json_eq '[.[].metadata.name | select(startswith("."))] | length' 0
}

test_put_of_a_name_nothing_can_have_answers_400() {
	local long
	long=$(printf 'n%.0s' $(seq 1 65))
	auth_json PUT "$N/$long" "{\"type\":\"Secret\",\"metadata\":{\"name\":\"$long\"},\"spec\":{\"id\":\"X\",\"provider\":\"env\"}}"
	assert_status 400 "65 bytes"
	assert_schema sensu-error.json
	assert_json_eq .code 1
	auth_json PUT "$N/a%20b" '{"type":"Secret","metadata":{"name":"a b"},"spec":{"id":"X","provider":"env"}}'
	assert_status 400 "a space"
	auth_req GET "$N/$long"
	assert_status 404
}

test_put_in_an_unknown_namespace_answers_404_and_writes_nothing() {
	auth_json PUT /api/enterprise/secrets/v1/namespaces/nons/secrets/x '{"type":"Secret","metadata":{"name":"x"},"spec":{"id":"X","provider":"env"}}'
	assert_status 404
	assert_json_eq . '{"message":"not found","code":2}'
	auth_req DELETE /api/enterprise/secrets/v1/namespaces/nons/secrets/x
	assert_status 404
	auth_req GET /api/enterprise/secrets/v1/secrets
	assert_json_eq '[.[] | select(.metadata.namespace == "nons")] | length' 0
}

test_an_oversized_body_answers_413_in_the_sensu_shape() {
	local f=$COFFER_STATE/big.json
	{
		printf '{"type":"Secret","metadata":{"name":"big"},"spec":{"id":"'
		head -c 1100000 /dev/zero | tr '\0' x
		printf '","provider":"env"}}'
	} >"$f"
	auth_req PUT $N/big -H 'Content-Type: application/json' --data-binary "@$f"
	assert_status 413 "over the 1 MiB body limit"
	assert_schema sensu-error.json
	auth_req GET $N/big
	assert_status 404
}

test_post_answers_405_with_allow() {
	auth_json POST $N/x "$ANSIBLE"
	assert_status 405
	assert_header Allow 'GET'
}

test_no_credentials_answer_401_bad_credentials_in_the_middleware_shape() {
	req GET $N/sensu-ansible-token
	assert_status 401
	assert_schema sensu-middleware-error.json
	assert_json_eq . '{"Code":5,"Message":"bad credentials"}'
}

test_a_bad_token_answers_401_invalid_credentials() {
	req GET $N/sensu-ansible-token -H "Authorization: Bearer not.a.jwt"
	assert_status 401
	assert_json_eq .Message "invalid credentials"
}

test_a_subject_without_the_grant_gets_403_in_the_middleware_shape() {
	local tok
	auth_json PUT /acs/api/v1/users/viewer '{"password":"pw-viewer-1"}'
	json_req POST /acs/api/v1/auth/login '{"uid":"viewer","password":"pw-viewer-1"}'
	tok=$(jq -r .token "$BODY_FILE")
	req GET $N/sensu-ansible-token -H "Authorization: Bearer $tok"
	assert_status 403
	assert_json_eq . '{"Code":4,"Message":"unauthorized to perform action"}'
}

. /usr/share/shunit2/shunit2
