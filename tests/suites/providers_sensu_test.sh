#!/usr/bin/env bash
# Sensu's secrets providers (docs/apis.md#sensu): env and coffer built
# in, others created with PUT; cluster-wide, so no namespace.
. "$(dirname "$0")/../lib.sh"

P=/api/enterprise/secrets/v1/providers
VAULT='{"type":"VaultProvider","api_version":"secrets/v1","metadata":{"name":"my_vault"},"spec":{"client":{"address":"https://vaultserver.example.com:8200","token":"VAULT_TOKEN","version":"v1","max_retries":2}}}'

oneTimeSetUp() {
	coffer_server_start && coffer_init_unseal
	export COFFER_AUTH_HEADER="Authorization: Bearer $COFFER_TOKEN"
}
oneTimeTearDown() { coffer_server_stop; }

test_env_is_built_in_with_an_empty_spec() {
	auth_req GET $P/env
	assert_status 200
	assert_schema sensu-provider.json
	assert_json_eq . '{"type":"Env","api_version":"secrets/v1","metadata":{"name":"env"},"spec":{}}'
}

test_coffer_is_built_in() {
	auth_req GET $P/coffer
	assert_status 200
	assert_json_eq .type CofferProvider
}

test_put_a_vault_provider_answers_201_then_get_returns_it() {
	auth_json PUT $P/my_vault "$VAULT"
	assert_status 201
	assertEquals "no body" "" "$BODY"
	auth_req GET $P/my_vault
	assert_status 200
	assert_schema sensu-provider.json
	assert_json_eq .type VaultProvider
	assert_json_eq .spec.client.address https://vaultserver.example.com:8200
	assert_json_eq .metadata.created_by admin
}

test_the_list_has_the_built_in_and_the_created_providers() {
	auth_json PUT $P/my_vault "$VAULT"
	auth_req GET $P
	assert_status 200
	assert_schema sensu-provider-list.json
	assert_json_eq '[.[].metadata.name] | join(",")' env,coffer,my_vault
}

test_the_list_filters_on_provider_name() {
	auth_json PUT $P/my_vault "$VAULT"
	auth_req GET "$P?fieldSelector=provider.name%20matches%20vault"
	assert_status 200
	assert_json_eq '[.[].metadata.name] | join(",")' my_vault
}

test_types_keeps_only_the_providers_of_those_types() {
	auth_json PUT $P/my_vault "$VAULT"
	auth_req GET "$P?types=Env"
	assert_status 200
	assert_schema sensu-provider-list.json
	assert_json_eq '[.[].metadata.name] | join(",")' env
	auth_req GET "$P?types=Env&types=VaultProvider"
	assert_json_eq '[.[].metadata.name] | join(",")' env,my_vault
	auth_req GET "$P?types=CyberArkProvider"
	assert_json_eq . '[]'
	auth_req GET "$P?types=VaultProvider" -G --data-urlencode 'fieldSelector=provider.name == env'
	assert_json_eq . '[]' "types and selectors both apply"
}

test_a_provider_name_nothing_can_have_answers_4xx_in_the_sensu_shape() {
	auth_json PUT "$P/a%20b" '{"type":"VaultProvider","metadata":{"name":"a b"},"spec":{}}'
	assert_status 400
	assert_schema sensu-error.json
	assert_json_eq .code 1
	auth_json PUT "$P/a%2Fb" '{"type":"VaultProvider","metadata":{"name":"a/b"},"spec":{}}'
	assert_status 400
	assert_schema sensu-error.json
	auth_req GET "$P/a%2Fb"
	assert_status 400
	assert_schema sensu-error.json
	auth_req GET "$P/x/y"
	assert_status 404
	assert_json_eq . '{"message":"not found","code":2}'
}

test_delete_answers_204_then_404() {
	auth_json PUT $P/gone "${VAULT//my_vault/gone}"
	auth_req DELETE $P/gone
	assert_status 204
	auth_req GET $P/gone
	assert_status 404
	assert_json_eq . '{"message":"not found","code":2}'
}

test_the_built_in_providers_cannot_be_changed_or_removed() {
	auth_json PUT $P/env '{"type":"Env","metadata":{"name":"env"},"spec":{"x":1}}'
	assert_status 400
	auth_req DELETE $P/env
	assert_status 400
	auth_req GET $P/env
	assert_json_eq .spec '{}'
}

test_put_without_a_type_or_with_another_name_answers_400() {
	auth_json PUT $P/p1 '{"metadata":{"name":"p1"},"spec":{}}'
	assert_status 400
	assert_schema sensu-error.json
	auth_json PUT $P/p1 "$VAULT"
	assert_status 400
}

test_no_credentials_answer_401() {
	req GET $P
	assert_status 401
	assert_json_eq .Code 5
}

. /usr/share/shunit2/shunit2
