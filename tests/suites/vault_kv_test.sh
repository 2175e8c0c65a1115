#!/usr/bin/env bash
# Vault's KV version 2 API under /v1/ (docs/apis.md#vaults-kv-api) with
# curl: the shapes, statuses and errors hvac and Ansible rely on, over the
# same records as the DC/OS and path APIs.
. "$(dirname "$0")/../lib.sh"

V=/v1/secret
A=/acs/api/v1

oneTimeSetUp() {
	coffer_server_start secret_stores=default,team && coffer_init_unseal ||
	    return 1
	# The DC/OS and path APIs' requests (auth_req, auth_json).
	export COFFER_AUTH_HEADER="Authorization: Bearer $COFFER_TOKEN"
}
oneTimeTearDown() { coffer_server_stop; }

# vault_req METHOD PATH [curl args...]: req with the superuser's token in
# X-Vault-Token, as hvac sends it.
vault_req() {
	local m=$1 p=$2
	shift 2
	req "$m" "$p" -H "X-Vault-Token: $COFFER_TOKEN" "$@"
}

# vault_json METHOD PATH JSON [curl args...]: a Vault request with a body.
vault_json() {
	local m=$1 p=$2 j=$3
	shift 3
	vault_req "$m" "$p" -H 'Content-Type: application/json' \
	    --data-binary "$j" "$@"
}

# vault_patch PATH JSON: a merge-patch, as Vault takes it.
vault_patch() {
	vault_req PATCH "$1" -H 'Content-Type: application/merge-patch+json' \
	    --data-binary "$2"
}

test_a_write_answers_the_new_versions_metadata_in_vaults_envelope() {
	vault_json POST $V/data/w/one '{"data":{"user":"root","pw":"s3"}}'
	assert_status 200
	assert_schema vault-write.json
	assert_json_eq .data.version 1
	assert_json_eq .data.destroyed false
	assert_json_eq .lease_id ''
	assert_json_eq .renewable false
	assert_json_eq .wrap_info null
	vault_json PUT $V/data/w/one '{"data":{"user":"root","pw":"s4"}}'
	assert_status 200
	assert_json_eq .data.version 2
}

test_a_read_answers_the_data_and_its_version_metadata() {
	vault_json POST $V/data/r/one '{"data":{"a":"1","b":"2"}}'
	vault_req GET $V/data/r/one
	assert_status 200
	assert_schema vault-secret.json
	assert_json_eq .data.data '{"a":"1","b":"2"}'
	assert_json_eq .data.metadata.version 1
	assert_json_eq .data.metadata.deletion_time ''
	assert_json_eq .data.metadata.custom_metadata null
}

test_a_read_with_version_answers_that_version() {
	vault_json POST $V/data/r/ver '{"data":{"v":"first"}}'
	vault_json POST $V/data/r/ver '{"data":{"v":"second"}}'
	vault_req GET "$V/data/r/ver?version=1"
	assert_status 200
	assert_json_eq .data.data.v first
	assert_json_eq .data.metadata.version 1
	vault_req GET "$V/data/r/ver?version=0"
	assert_json_eq .data.data.v second
	vault_req GET "$V/data/r/ver?version=9"
	assert_status 404
	vault_req GET "$V/data/r/ver?version=x"
	assert_status 400
	assert_schema vault-error.json
}

test_a_missing_secret_answers_404_with_an_empty_errors_list() {
	vault_req GET $V/data/no/such
	assert_status 404
	assert_schema vault-error.json
	assert_json_eq .errors '[]'
}

test_a_write_replaces_the_whole_map() {
	vault_json POST $V/data/w/repl '{"data":{"a":"1","b":"2"}}'
	vault_json POST $V/data/w/repl '{"data":{"c":"3"}}'
	vault_req GET $V/data/w/repl
	assert_json_eq .data.data '{"c":"3"}'
}

test_cas_0_writes_only_a_secret_that_does_not_exist() {
	vault_json POST $V/data/cas/new '{"data":{"a":"1"},"options":{"cas":0}}'
	assert_status 200
	assert_json_eq .data.version 1
	vault_json POST $V/data/cas/new '{"data":{"a":"2"},"options":{"cas":0}}'
	assert_status 400
	assert_schema vault-error.json
	assert_json_eq '.errors[0]' \
	    'check-and-set parameter did not match the current version'
	vault_req GET $V/data/cas/new
	assert_json_eq .data.data.a 1
}

test_a_cas_mismatch_answers_400_and_changes_nothing() {
	vault_json POST $V/data/cas/upd '{"data":{"a":"1"}}'
	vault_json POST $V/data/cas/upd '{"data":{"a":"2"},"options":{"cas":1}}'
	assert_status 200
	assert_json_eq .data.version 2
	vault_json POST $V/data/cas/upd '{"data":{"a":"3"},"options":{"cas":1}}'
	assert_status 400
	assert_json_eq '.errors[0]' \
	    'check-and-set parameter did not match the current version'
	vault_req GET $V/data/cas/upd
	assert_json_eq .data.data.a 2
	assert_json_eq .data.metadata.version 2
}

test_bad_bodies_answer_400_and_change_nothing() {
	vault_json POST $V/data/bad/b '{"nodata":{}}'
	assert_status 400
	assert_schema vault-error.json
	vault_json POST $V/data/bad/b '{"data":{"port":5432}}'
	assert_status 400
	assert_json_eq '.errors[0]' 'data values must be strings'
	vault_json POST $V/data/bad/b '{"data":{'
	assert_status 400
	vault_json POST $V/data/bad/b '{"data":{"a":"b"},"options":{"cas":"x"}}'
	assert_status 400
	vault_req GET $V/data/bad/b
	assert_status 404
}

test_curl_d_without_a_content_type_writes_as_vault_takes_it() {
	vault_req POST $V/data/w/form -d '{"data":{"a":"form"}}'
	assert_status 200
	vault_req GET $V/data/w/form
	assert_json_eq .data.data.a form
}

test_a_secret_written_through_dcos_and_the_path_api_reads_through_v1() {
	auth_json PUT /secrets/v1/secret/default/x/dcos '{"value":"from-dcos"}'
	vault_req GET $V/data/x/dcos
	assert_status 200
	assert_json_eq .data.data.value from-dcos
	auth_json PUT /api/v1/secrets/x/path '{"data":{"k":"from-path"}}'
	vault_req GET $V/data/x/path
	assert_json_eq .data.data.k from-path
}

test_a_secret_written_through_v1_reads_through_dcos_and_the_path_api() {
	vault_json POST $V/data/x/vault '{"data":{"value":"from-vault"}}'
	auth_req GET /secrets/v1/secret/default/x/vault
	assert_status 200
	assert_json_eq .value from-vault
	auth_req GET /api/v1/secrets/x/vault
	assert_json_eq .data.value from-vault
}

test_list_answers_one_folders_names_with_folders_ending_in_a_slash() {
	vault_json POST $V/data/l/a '{"data":{"x":"1"}}'
	vault_json POST $V/data/l/b/c '{"data":{"x":"1"}}'
	vault_json POST $V/data/l/b/d/e '{"data":{"x":"1"}}'
	vault_json POST $V/data/l/b '{"data":{"x":"1"}}'
	vault_req GET "$V/metadata/l?list=true"
	assert_status 200
	assert_schema vault-list.json
	assert_json_eq .data.keys '["a","b","b/"]'
	vault_req GET "$V/metadata/l/b/?list=true"
	assert_status 200
	assert_json_eq .data.keys '["c","d/"]'
}

test_the_list_verb_lists_where_the_web_server_passes_it() {
	# lighttpd refuses a method it does not know (501) before any
	# program sees it: there hvac needs strict_http=True (GET ?list=true).
	if [ "$COFFER_SERVER" = lighttpd ]; then
		vault_req LIST $V/metadata/l
		assert_status 501
		return 0
	fi
	vault_req LIST $V/metadata/l
	assert_status 200
	assert_json_eq .data.keys '["a","b","b/"]'
}

test_list_of_the_mount_root_answers_its_top_folders() {
	vault_req GET "$V/metadata/?list=true"
	assert_status 200
	assert_json_eq '.data.keys | index("l/") != null' true
}

test_list_of_an_empty_folder_answers_404() {
	vault_req GET "$V/metadata/no/such/folder?list=true"
	assert_status 404
	assert_json_eq .errors '[]'
}

test_no_token_answers_403_permission_denied() {
	req GET $V/data/r/one
	assert_status 403
	assert_schema vault-error.json
	assert_json_eq '.errors[0]' 'permission denied'
	req GET $V/data/r/one -H 'X-Vault-Token: not-a-token'
	assert_status 403
	assert_json_eq '.errors[0]' 'permission denied'
}

test_a_bearer_token_is_taken_as_x_vault_token_is() {
	req GET $V/data/r/one -H "Authorization: Bearer $COFFER_TOKEN"
	assert_status 200
}

test_a_user_without_a_grant_gets_403_and_with_read_reads() {
	local tok
	auth_json PUT $A/users/vreader '{"password":"pw-vreader"}'
	json_req POST $A/auth/login '{"uid":"vreader","password":"pw-vreader"}'
	tok=$(jq -r .token <<<"$BODY")
	vault_json POST $V/data/g/s '{"data":{"a":"1"}}'
	req GET $V/data/g/s -H "X-Vault-Token: $tok"
	assert_status 403
	assert_json_eq '.errors[0]' 'permission denied'
	auth_json PUT "$A/acls/dcos:secrets:default:%252Fg" '{"description":"g"}'
	auth_req PUT "$A/acls/dcos:secrets:default:%252Fg/users/vreader/read"
	req GET $V/data/g/s -H "X-Vault-Token: $tok"
	assert_status 200
	req POST $V/data/g/s -H "X-Vault-Token: $tok" \
	    -H 'Content-Type: application/json' --data-binary '{"data":{"a":"2"}}'
	assert_status 403
	vault_req GET $V/data/g/s
	assert_json_eq .data.data.a 1
}

test_every_decision_is_audited_like_the_other_dialects() {
	vault_json POST $V/data/au/s '{"data":{"a":"1"}}'
	vault_req GET $V/data/au/s
	grep -q 'dcos:secrets:default:/au/s' "$COFFER_STATE/audit.log" ||
	    fail "no audit line names the secret"
	if grep -q '"a":"1"' "$COFFER_STATE/audit.log"; then
		fail "a value reached the audit log"
	fi
}

test_an_unknown_mount_answers_404() {
	vault_req GET /v1/kv/data/r/one
	assert_status 404
	assert_schema vault-error.json
}

test_a_configured_store_is_a_mount_of_its_own_name() {
	vault_json POST /v1/team/data/t/s '{"data":{"a":"team"}}'
	assert_status 200
	vault_req GET /v1/team/data/t/s
	assert_json_eq .data.data.a team
	vault_req GET $V/data/t/s
	assert_status 404
}

test_lookup_self_names_the_tokens_subject() {
	vault_req GET /v1/auth/token/lookup-self
	assert_status 200
	assert_json_eq .data.policies '["root"]'
	assert_body_lacks "$COFFER_TOKEN"
	req GET /v1/auth/token/lookup-self
	assert_status 403
}

test_health_and_seal_status_are_public() {
	req GET /v1/sys/health
	assert_status 200
	assert_json_eq .initialized true
	assert_json_eq .sealed false
	req GET /v1/sys/seal-status
	assert_status 200
	assert_schema vault-seal-status.json
	assert_json_eq .sealed false
	assert_json_eq .t 1
	assert_json_eq .n 1
}

test_patch_merges_the_map_and_null_removes_a_key() {
	vault_json POST $V/data/p/s '{"data":{"a":"1","b":"2"}}'
	vault_patch $V/data/p/s '{"data":{"b":null,"c":"3"}}'
	assert_status 200
	assert_json_eq .data.version 2
	vault_req GET $V/data/p/s
	assert_json_eq .data.data '{"a":"1","c":"3"}'
}

test_patch_needs_the_merge_patch_type_and_an_existing_secret() {
	vault_json PATCH $V/data/p/s '{"data":{"c":"4"}}'
	assert_status 415
	assert_schema vault-error.json
	vault_patch $V/data/p/none '{"data":{"c":"3"}}'
	assert_status 404
}

test_patch_with_a_stale_cas_answers_400() {
	vault_json POST $V/data/p/cas '{"data":{"a":"1"}}'
	vault_json POST $V/data/p/cas '{"data":{"a":"2"}}'
	vault_patch $V/data/p/cas '{"data":{"b":"x"},"options":{"cas":1}}'
	assert_status 400
	vault_req GET $V/data/p/cas
	assert_json_eq .data.data '{"a":"2"}'
}

test_metadata_answers_the_versions_kept() {
	vault_json POST $V/data/m/s '{"data":{"a":"1"}}'
	vault_json POST $V/data/m/s '{"data":{"a":"2"}}'
	vault_req GET $V/metadata/m/s
	assert_status 200
	assert_schema vault-metadata.json
	assert_json_eq .data.current_version 2
	assert_json_eq .data.oldest_version 1
	assert_json_eq '.data.versions | keys' '["1","2"]'
	assert_json_eq '.data.versions["2"].destroyed' false
}

test_deleting_metadata_deletes_the_secret_and_every_version() {
	vault_json POST $V/data/m/del '{"data":{"a":"1"}}'
	vault_json POST $V/data/m/del '{"data":{"a":"2"}}'
	vault_req DELETE $V/metadata/m/del
	assert_status 204
	vault_req GET $V/data/m/del
	assert_status 404
	vault_req GET "$V/data/m/del?version=1"
	assert_status 404
	vault_req DELETE $V/metadata/m/del
	assert_status 204
}

test_soft_delete_undelete_destroy_and_metadata_writes_answer_400_and_change_nothing() {
	local p
	vault_json POST $V/data/u/s '{"data":{"a":"1"}}'
	vault_req DELETE $V/data/u/s
	assert_status 400
	assert_schema vault-error.json
	for p in delete undelete destroy; do
		vault_json POST $V/$p/u/s '{"versions":[1]}'
		assert_status 400 "$p"
	done
	vault_json POST $V/metadata/u/s '{"max_versions":3}'
	assert_status 400
	vault_req GET $V/data/u/s
	assert_status 200
	assert_json_eq .data.data.a 1
}

test_seal_needs_a_superuser_and_unseal_takes_a_share() {
	local share=${COFFER_SHARES%% *}
	req PUT /v1/sys/seal
	assert_status 403
	vault_req PUT /v1/sys/seal
	assert_status 204
	req GET /v1/sys/seal-status
	assert_json_eq .sealed true
	req GET /v1/sys/health
	assert_status 503
	vault_req GET $V/data/r/one
	assert_status 503
	assert_json_eq '.errors[0]' 'Vault is sealed'
	json_req PUT /v1/sys/unseal '{"key":"00"}'
	assert_status 400
	assert_schema vault-error.json
	json_req PUT /v1/sys/unseal "{\"key\":\"$share\",\"reset\":false}"
	assert_status 200
	assert_json_eq .sealed false
	vault_req GET $V/data/r/one
	assert_status 200
}

test_dapr_v1_0_still_reaches_dapr() {
	req GET /v1.0/healthz
	assert_status 204
}

. shunit2
