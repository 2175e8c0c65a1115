#!/usr/bin/env bash
# hvac (Debian's python3-hvac 0.11.2, the client Ansible's
# community.hashi_vault uses) against Coffer's Vault KV API, as an
# application would use it with Coffer's address in place of Vault's.
# tests/py/hvac_client.py makes one hvac call and prints what hvac
# returned or raised as JSON, which the tests read like a body.
#
# hvac is required, never skipped: tools/dev installs python3-hvac.
# lighttpd refuses the LIST verb (501) before any program sees it, so
# behind lighttpd hvac runs with strict_http=True (GET ?list=true).
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
HVAC=$COFFER_TOP/tests/py/hvac_client.py

oneTimeSetUp() {
	"$PY" -c 'import hvac' 2>/dev/null || {
		echo "python3-hvac is missing: tools/dev installs it" >&2
		return 1
	}
	coffer_server_start && coffer_init_unseal || return 1
	export COFFER_AUTH_HEADER="Authorization: Bearer $COFFER_TOKEN"
	auth_json PUT /secrets/v1/secret/default/app/from-dcos '{"value":"d-1"}'
}
oneTimeTearDown() { coffer_server_stop; }

# hvac ACTION [ARGS...]: one hvac call with the superuser's token
# (VAULT_TOKEN overrides; "none" for no token).  Its JSON line goes to
# BODY_FILE for assert_json_eq.
hvac() {
	local tok=${VAULT_TOKEN-$COFFER_TOKEN} strict=0
	[ "$tok" = none ] && tok=
	[ "$COFFER_SERVER" = lighttpd ] && strict=1
	BODY_FILE=$COFFER_STATE/.hvac.out
	LAST_REQ="hvac $*"
	COFFER_ADDR=$COFFER_ADDR VAULT_TOKEN=$tok HVAC_STRICT=$strict \
	    timeout 60 "$PY" "$HVAC" "$@" >"$BODY_FILE" \
	    2>"$COFFER_STATE/.hvac.err"
	HVAC_RC=$?
	BODY=$(cat "$BODY_FILE")
	assertEquals "hvac $*: exit status; $(cat "$COFFER_STATE/.hvac.err")" \
	    0 "$HVAC_RC"
}

test_hvac_writes_and_reads_a_secret() {
	hvac write hv/one '{"user":"root","pw":"s1"}'
	assert_json_eq .data.version 1
	hvac read hv/one
	assert_json_eq .data.data '{"user":"root","pw":"s1"}'
	assert_json_eq .data.metadata.version 1
}

test_hvac_reads_an_older_version() {
	hvac write hv/ver '{"v":"first"}'
	hvac write hv/ver '{"v":"second"}'
	hvac read hv/ver 1
	assert_json_eq .data.data.v first
	hvac read hv/ver
	assert_json_eq .data.data.v second
}

test_hvac_reads_a_secret_written_through_dcos() {
	hvac read app/from-dcos
	assert_json_eq .data.data.value d-1
}

test_hvac_raises_invalid_path_for_a_missing_secret() {
	hvac read hv/no/such
	assert_json_eq .exception InvalidPath
}

test_hvac_writes_with_cas_and_a_stale_cas_raises_invalid_request() {
	hvac write hv/cas '{"a":"1"}' 0
	assert_json_eq .data.version 1
	hvac write hv/cas '{"a":"2"}' 1
	assert_json_eq .data.version 2
	hvac write hv/cas '{"a":"3"}' 1
	assert_json_eq .exception InvalidRequest
	assert_json_eq '.errors[0]' \
	    'check-and-set parameter did not match the current version'
	hvac read hv/cas
	assert_json_eq .data.data.a 2
}

test_hvac_patch_keeps_the_keys_it_does_not_name() {
	# hvac 0.11's patch is a read and a write with cas, not HTTP PATCH.
	hvac write hv/patch '{"a":"1","b":"2"}'
	hvac patch hv/patch '{"b":"20","c":"3"}'
	assert_json_eq .data.version 2
	hvac read hv/patch
	assert_json_eq .data.data '{"a":"1","b":"20","c":"3"}'
}

test_hvac_lists_a_folder() {
	hvac write hv/list/a '{"x":"1"}'
	hvac write hv/list/sub/b '{"x":"1"}'
	hvac list hv/list
	assert_json_eq .data.keys '["a","sub/"]'
}

test_hvac_reads_the_metadata() {
	hvac write hv/meta '{"a":"1"}'
	hvac write hv/meta '{"a":"2"}'
	hvac metadata hv/meta
	assert_json_eq .data.current_version 2
	assert_json_eq '.data.versions | keys' '["1","2"]'
}

test_hvac_deletes_the_metadata_and_every_version() {
	hvac write hv/gone '{"a":"1"}'
	hvac delete-all hv/gone
	assert_json_eq .status 204
	hvac read hv/gone
	assert_json_eq .exception InvalidPath
}

test_hvac_deletes_the_latest_version_softly() {
	hvac write hv/soft '{"a":"1"}'
	hvac write hv/soft '{"a":"2"}'
	hvac delete-latest hv/soft
	assert_json_eq .status 204
	hvac read hv/soft
	assert_json_eq .exception InvalidPath
	hvac read hv/soft 1
	assert_json_eq .data.data.a 1
	hvac metadata hv/soft
	assert_json_eq '.data.versions["2"].deletion_time != ""' true
}

test_hvac_deletes_and_undeletes_versions() {
	hvac write hv/undo '{"a":"1"}'
	hvac write hv/undo '{"a":"2"}'
	hvac delete-versions hv/undo 1
	assert_json_eq .status 204
	hvac read hv/undo 1
	assert_json_eq .exception InvalidPath
	hvac undelete hv/undo 1
	assert_json_eq .status 204
	hvac read hv/undo 1
	assert_json_eq .data.data.a 1
	assert_json_eq .data.metadata.deletion_time ''
}

test_hvac_destroys_a_version_for_good() {
	hvac write hv/destroy '{"a":"1"}'
	hvac write hv/destroy '{"a":"2"}'
	hvac destroy hv/destroy 1
	assert_json_eq .status 204
	hvac undelete hv/destroy 1
	hvac read hv/destroy 1
	assert_json_eq .exception InvalidPath
	hvac metadata hv/destroy
	assert_json_eq '.data.versions["1"].destroyed' true
	hvac read hv/destroy
	assert_json_eq .data.data.a 2
}

test_hvac_updates_the_metadata_and_cas_required_holds() {
	hvac write hv/md '{"a":"1"}'
	hvac update-metadata hv/md 2 true
	assert_json_eq .status 204
	hvac metadata hv/md
	assert_json_eq .data.max_versions 2
	assert_json_eq .data.cas_required true
	hvac write hv/md '{"a":"2"}'
	assert_json_eq .exception InvalidRequest
	assert_json_eq '.errors[0]' \
	    'check-and-set parameter required for this call'
	hvac write hv/md '{"a":"2"}' 1
	assert_json_eq .data.version 2
}

test_hvac_is_authenticated_with_coffers_token_and_not_without() {
	hvac is-authenticated
	assert_json_eq . true
	VAULT_TOKEN=none hvac is-authenticated
	assert_json_eq . false
	VAULT_TOKEN=none hvac read hv/one
	assert_json_eq .exception Forbidden
}

test_hvac_reads_the_seal_status_seals_and_unseals() {
	local share=${COFFER_SHARES%% *}
	hvac is-sealed
	assert_json_eq . false
	hvac seal-status
	assert_json_eq .t 1
	hvac seal
	assert_json_eq .status 204
	hvac is-sealed
	assert_json_eq . true
	hvac read hv/one
	assert_json_eq .exception VaultDown
	hvac unseal "$share"
	assert_json_eq .sealed false
	hvac read hv/one
	assert_json_eq .data.data.user root
}

. shunit2
