#!/usr/bin/env bash
# Vault's KV version 2 API under /v1/ (docs/apis.md#vaults-kv-api) with
# curl: the shapes, statuses and errors hvac and Ansible rely on, over the
# same records as the DC/OS and path APIs.
# run-all: sanitizers-every-server
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

test_delete_on_data_soft_deletes_the_latest_version() {
	vault_json POST $V/data/sd/s '{"data":{"a":"1"}}'
	vault_json POST $V/data/sd/s '{"data":{"a":"2"}}'
	vault_req DELETE $V/data/sd/s
	assert_status 204
	vault_req GET $V/data/sd/s
	assert_status 404
	assert_schema vault-secret.json
	assert_json_eq .data.data null
	assert_json_eq .data.metadata.version 2
	assert_json_eq '.data.metadata.deletion_time != ""' true
	assert_json_eq .data.metadata.destroyed false
	vault_req GET "$V/data/sd/s?version=1"
	assert_status 200
	assert_json_eq .data.data.a 1
}

test_a_soft_deleted_latest_version_reads_as_not_found_in_dcos_and_the_path_api() {
	vault_json POST $V/data/sd/other '{"data":{"value":"v"}}'
	vault_req DELETE $V/data/sd/other
	auth_req GET /secrets/v1/secret/default/sd/other
	assert_status 404
	auth_req GET /api/v1/secrets/sd/other
	assert_status 404
}

test_delete_with_versions_soft_deletes_those_versions() {
	vault_json POST $V/data/sd/v '{"data":{"a":"1"}}'
	vault_json POST $V/data/sd/v '{"data":{"a":"2"}}'
	vault_json POST $V/delete/sd/v '{"versions":[1]}'
	assert_status 204
	vault_req GET "$V/data/sd/v?version=1"
	assert_status 404
	assert_json_eq .data.data null
	vault_req GET $V/data/sd/v
	assert_status 200
	vault_req GET $V/metadata/sd/v
	assert_schema vault-metadata.json
	assert_json_eq '.data.versions["1"].deletion_time != ""' true
	assert_json_eq '.data.versions["2"].deletion_time' ''
}

test_undelete_brings_deleted_versions_back() {
	vault_json POST $V/data/ud/s '{"data":{"a":"1"}}'
	vault_json POST $V/data/ud/s '{"data":{"a":"2"}}'
	vault_json POST $V/delete/ud/s '{"versions":[1,2]}'
	vault_json PUT $V/undelete/ud/s '{"versions":[1,2]}'
	assert_status 204
	vault_req GET "$V/data/ud/s?version=1"
	assert_status 200
	assert_json_eq .data.data.a 1
	assert_json_eq .data.metadata.deletion_time ''
	vault_req GET $V/data/ud/s
	assert_json_eq .data.data.a 2
}

test_destroy_wipes_a_version_and_undelete_cannot_bring_it_back() {
	vault_json POST $V/data/ds/s '{"data":{"a":"gone-for-good"}}'
	vault_json POST $V/data/ds/s '{"data":{"a":"2"}}'
	vault_json PUT $V/destroy/ds/s '{"versions":[1]}'
	assert_status 204
	vault_req GET "$V/data/ds/s?version=1"
	assert_status 404
	assert_json_eq .data.data null
	assert_json_eq .data.metadata.destroyed true
	vault_json POST $V/undelete/ds/s '{"versions":[1]}'
	vault_req GET "$V/data/ds/s?version=1"
	assert_status 404
	vault_req GET $V/metadata/ds/s
	assert_json_eq '.data.versions["1"].destroyed' true
}

test_a_write_over_a_deleted_latest_version_makes_the_next_version() {
	vault_json POST $V/data/sd/w '{"data":{"a":"1"}}'
	vault_req DELETE $V/data/sd/w
	vault_json POST $V/data/sd/w '{"data":{"b":"2"},"options":{"cas":1}}'
	assert_status 200
	assert_json_eq .data.version 2
	vault_req GET $V/data/sd/w
	assert_json_eq .data.data '{"b":"2"}'
}

test_versions_bodies_without_versions_answer_400() {
	local p
	vault_json POST $V/data/vb/s '{"data":{"a":"1"}}'
	for p in delete undelete destroy; do
		vault_json POST $V/$p/vb/s '{}'
		assert_status 400 "$p"
		assert_schema vault-error.json
		assert_json_eq '.errors[0]' 'no version number provided'
	done
	vault_req GET $V/data/vb/s
	assert_status 200
}

test_delete_undelete_and_destroy_of_an_absent_secret_answer_204() {
	local p
	vault_req DELETE $V/data/no/such/one
	assert_status 204
	for p in delete undelete destroy; do
		vault_json POST $V/$p/no/such/one '{"versions":[1]}'
		assert_status 204 "$p"
	done
}

test_a_metadata_write_sets_max_versions_cas_required_and_custom_metadata() {
	vault_json POST $V/data/md/s '{"data":{"a":"1"}}'
	vault_json POST $V/metadata/md/s \
	    '{"max_versions":4,"cas_required":true,"custom_metadata":{"owner":"ops"}}'
	assert_status 204
	vault_req GET $V/metadata/md/s
	assert_schema vault-metadata.json
	assert_json_eq .data.max_versions 4
	assert_json_eq .data.cas_required true
	assert_json_eq .data.custom_metadata '{"owner":"ops"}'
	assert_json_eq .data.current_version 1
	vault_req GET $V/data/md/s
	assert_json_eq .data.metadata.custom_metadata '{"owner":"ops"}'
}

test_max_versions_keeps_only_the_newest_versions() {
	local i
	for i in 1 2 3; do
		vault_json POST $V/data/mv/s "{\"data\":{\"a\":\"$i\"}}"
	done
	vault_json POST $V/metadata/mv/s '{"max_versions":2}'
	vault_json POST $V/data/mv/s '{"data":{"a":"4"}}'
	vault_req GET $V/metadata/mv/s
	assert_json_eq .data.oldest_version 3
	assert_json_eq '.data.versions | keys' '["3","4"]'
	vault_req GET "$V/data/mv/s?version=2"
	assert_status 404
}

test_concurrent_writes_without_cas_all_succeed_as_in_vault() {
	# Each write checks the version it was authorized against; one that
	# loses that race reads, authorizes and merges again, as Vault lets
	# the later writer win when the client sends no cas.
	burst 24 POST $V/data/race -H "X-Vault-Token: $COFFER_TOKEN" \
	    -H 'Content-Type: application/json' -d '{"data":{"k":"v"}}'
	assertEquals "24x200" "$BURST"
	burst 24 PATCH $V/data/race -H "X-Vault-Token: $COFFER_TOKEN" \
	    -H 'Content-Type: application/merge-patch+json' \
	    -d '{"data":{"p":"q"}}'
	assertEquals "24x200" "$BURST"
	vault_req GET $V/metadata/race
	assert_json_eq .data.current_version 48
}

test_cas_required_refuses_a_write_without_cas() {
	vault_json POST $V/data/cr/s '{"data":{"a":"1"}}'
	vault_json POST $V/metadata/cr/s '{"cas_required":true}'
	vault_json POST $V/data/cr/s '{"data":{"a":"2"}}'
	assert_status 400
	assert_json_eq '.errors[0]' \
	    'check-and-set parameter required for this call'
	vault_patch $V/data/cr/s '{"data":{"b":"2"}}'
	assert_status 400
	vault_json POST $V/data/cr/s '{"data":{"a":"2"},"options":{"cas":1}}'
	assert_status 200
	assert_json_eq .data.version 2
}

test_a_metadata_patch_merges_custom_metadata() {
	vault_json POST $V/data/mp/s '{"data":{"a":"1"}}'
	vault_json POST $V/metadata/mp/s '{"custom_metadata":{"a":"1","b":"2"}}'
	vault_patch $V/metadata/mp/s '{"custom_metadata":{"a":null,"c":"3"}}'
	assert_status 204
	vault_req GET $V/metadata/mp/s
	assert_json_eq .data.custom_metadata '{"b":"2","c":"3"}'
	vault_json POST $V/metadata/mp/s '{"max_versions":3}'
	vault_req GET $V/metadata/mp/s
	assert_json_eq .data.custom_metadata '{"b":"2","c":"3"}'
}

test_bad_metadata_bodies_answer_400_and_change_nothing() {
	local big
	big=$(printf 'x%.0s' $(seq 513))
	vault_json POST $V/data/mb/s '{"data":{"a":"1"}}'
	vault_json POST $V/metadata/mb/s "{\"custom_metadata\":{\"k\":\"$big\"}}"
	assert_status 400
	assert_schema vault-error.json
	vault_json POST $V/metadata/mb/s '{"custom_metadata":{"k":1}}'
	assert_status 400
	vault_json POST $V/metadata/mb/s '{"delete_version_after":"1h"}'
	assert_status 400
	vault_json POST $V/metadata/mb/s '{"max_versions":-1}'
	assert_status 400
	vault_req GET $V/metadata/mb/s
	assert_json_eq .data.custom_metadata null
	assert_json_eq .data.max_versions 0
}

test_metadata_written_before_the_first_version_governs_its_writes() {
	vault_json POST $V/metadata/pre/s '{"cas_required":true,"max_versions":2}'
	assert_status 204
	vault_req GET $V/metadata/pre/s
	assert_status 200
	assert_schema vault-metadata.json
	assert_json_eq .data.current_version 0
	assert_json_eq .data.versions '{}'
	assert_json_eq .data.max_versions 2
	vault_req GET $V/data/pre/s
	assert_status 404
	auth_req GET /secrets/v1/secret/default/pre/s
	assert_status 404
	vault_json POST $V/data/pre/s '{"data":{"a":"1"}}'
	assert_status 400
	assert_json_eq '.errors[0]' \
	    'check-and-set parameter required for this call'
	vault_json POST $V/data/pre/s '{"data":{"a":"1"},"options":{"cas":0}}'
	assert_status 200
	assert_json_eq .data.version 1
	vault_req GET $V/data/pre/s
	assert_json_eq .data.data.a 1
}

test_undelete_needs_update_and_delete_and_destroy_need_delete() {
	local tok
	auth_json PUT $A/users/vdel '{"password":"pw-vdel"}'
	json_req POST $A/auth/login '{"uid":"vdel","password":"pw-vdel"}'
	tok=$(jq -r .token <<<"$BODY")
	vault_json POST $V/data/gd/s '{"data":{"a":"1"}}'
	auth_json PUT "$A/acls/dcos:secrets:default:%252Fgd" '{"description":"gd"}'
	auth_req PUT "$A/acls/dcos:secrets:default:%252Fgd/users/vdel/update"
	req DELETE $V/data/gd/s -H "X-Vault-Token: $tok"
	assert_status 403
	req POST $V/destroy/gd/s -H "X-Vault-Token: $tok" \
	    --data-binary '{"versions":[1]}'
	assert_status 403
	vault_req DELETE $V/data/gd/s
	req POST $V/undelete/gd/s -H "X-Vault-Token: $tok" \
	    --data-binary '{"versions":[1]}'
	assert_status 204
	req POST $V/metadata/gd/s -H "X-Vault-Token: $tok" \
	    --data-binary '{"max_versions":2}'
	assert_status 204
	auth_req PUT "$A/acls/dcos:secrets:default:%252Fgd/users/vdel/delete"
	req POST $V/destroy/gd/s -H "X-Vault-Token: $tok" \
	    --data-binary '{"versions":[1]}'
	assert_status 204
	grep -q 'dcos:secrets:default:/gd/s' "$COFFER_STATE/audit.log" ||
	    fail "no audit line names the secret"
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
