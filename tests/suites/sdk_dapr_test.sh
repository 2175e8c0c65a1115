#!/usr/bin/env bash
# The official Dapr JavaScript SDK (npm @dapr/dapr, pinned in
# tests/js/package-lock.json) in HTTP mode against Coffer, as an
# application would use it with Coffer's address in place of a sidecar's:
# it starts (its GET /v1.0/metadata probe), reads one secret and the bulk
# map, and surfaces a missing, a denied and an unknown-store read as daprd
# would make it.  tests/js/dapr_sdk.js makes one SDK call and prints what
# the SDK returned or threw as JSON, which the tests read like a body.
#
# Node and the SDK are required, never skipped: `tools/dev test` installs
# both (nodejs, then npm ci --prefix tests/js) before any suite runs.
. "$(dirname "$0")/../lib.sh"

A=/acs/api/v1
TOKEN=dapr-sdk-token
JS=$COFFER_TOP/tests/js

oneTimeSetUp() {
	local h
	command -v node >/dev/null || {
		echo "node is missing: tools/dev test installs nodejs" >&2
		return 1
	}
	# Run alone (not from tools/dev test), the suite installs the SDK
	# itself rather than fail.
	if [ ! -d "$JS/node_modules/@dapr/dapr" ]; then
		npm ci --prefix "$JS" --no-audit --no-fund --loglevel=error ||
		    return 1
	fi
	h=$(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
	coffer_server_start "dapr_token_sha256=$h" dapr_subject=daprapp \
	    secret_stores=default,vault "dapr_scope=default allow denied=app/hidden" &&
	    coffer_init_unseal || return 1
	export COFFER_AUTH_HEADER="Authorization: Bearer $COFFER_TOKEN"
	auth_json PUT $A/users/daprapp '{"password":"pw-dapr-app"}'
	auth_json PUT "$A/acls/dcos:secrets:default:%252Fapp" '{"description":"a"}'
	auth_req PUT "$A/acls/dcos:secrets:default:%252Fapp/users/daprapp/read"
	auth_json PUT /api/v1/secrets/app/db '{"data":{"user":"root","password":"pw1"}}'
	auth_json PUT /api/v1/secrets/app/db '{"data":{"user":"root","password":"pw2"}}'
	auth_json PUT /api/v1/secrets/app/api '{"data":{"key":"k-123"}}'
	auth_json PUT /api/v1/secrets/app/hidden '{"data":{"h":"hidden-value"}}'
	auth_json PUT /api/v1/secrets/other '{"data":{"o":"other-value"}}'
}
oneTimeTearDown() { coffer_server_stop; }

# sdk ACTION [ARGS...]: one SDK call as the Dapr application (the token
# DAPR_TOKEN, default the configured one).  Its JSON line goes to BODY_FILE
# for assert_json_eq; SDK_RC is node's exit status.
sdk() {
	BODY_FILE=$COFFER_STATE/.sdk.out
	LAST_REQ="sdk $*"
	COFFER_ADDR=$COFFER_ADDR DAPR_API_TOKEN=${DAPR_TOKEN:-$TOKEN} \
	    timeout 60 node "$JS/dapr_sdk.js" "$@" >"$BODY_FILE" \
	    2>"$COFFER_STATE/.sdk.err"
	SDK_RC=$?
	BODY=$(cat "$BODY_FILE")
}

test_the_sdk_starts_on_its_first_metadata_probe() {
	local t0 t1
	t0=$(date +%s%N)
	sdk start
	t1=$(date +%s%N)
	assertEquals "exit; stderr: $(head -c 300 "$COFFER_STATE/.sdk.err")" 0 "$SDK_RC"
	assert_json_eq .value started
	# A failed probe costs the SDK a 500 ms sleep before the next one.
	assertTrue "started in $(((t1 - t0) / 1000000)) ms" \
	    "[ $(((t1 - t0) / 1000000)) -lt 5000 ]"
}

test_the_sdk_does_not_start_with_a_wrong_token() {
	DAPR_TOKEN=wrong COFFER_SDK_DEADLINE_MS=3000 sdk start
	assertEquals "gave up waiting" 1 "$SDK_RC"
	assert_json_eq .fatal "no answer within 3000 ms"
}

test_secret_get_returns_the_secret_map() {
	sdk get default app/db
	assertEquals 0 "$SDK_RC"
	assert_json_eq .ok true
	assert_json_eq '.value | to_entries | sort_by(.key) | from_entries' \
	    '{"password":"pw2","user":"root"}'
}

test_secret_get_with_version_id_reads_an_older_version() {
	sdk get default app/db metadata.version_id=1
	assert_json_eq .value.password pw1
}

test_get_bulk_returns_every_readable_secret_map_by_name() {
	sdk bulk default
	assertEquals 0 "$SDK_RC"
	assert_json_eq .ok true
	assert_json_eq '.value | keys | join(",")' app/api,app/db
	assert_json_eq '.value["app/api"].key' k-123
	assert_json_eq '.value["app/db"].password' pw2
	assert_body_lacks hidden-value
	assert_body_lacks other-value
}

test_secret_get_of_a_missing_secret_returns_an_empty_string() {
	# daprd's 204: the SDK hands back the empty body as "".
	sdk get default app/nosuch
	assert_json_eq .ok true
	assert_json_eq .value ''
}

test_secret_get_denied_by_the_acl_throws_403_err_permission_denied() {
	sdk get default other
	assert_json_eq .ok false
	assert_json_eq .error.status 403
	assert_json_eq .error.error_msg.errorCode ERR_PERMISSION_DENIED
	assert_body_lacks other-value
}

test_secret_get_denied_by_the_scope_throws_403() {
	sdk get default app/hidden
	assert_json_eq .error.status 403
	assert_json_eq .error.error_msg.errorCode ERR_PERMISSION_DENIED
	assert_body_lacks hidden-value
}

test_an_unknown_store_throws_401_err_secret_store_not_found() {
	sdk get nostore app/db
	assert_json_eq .error.status 401
	assert_json_eq .error.error_msg.errorCode ERR_SECRET_STORE_NOT_FOUND
	sdk bulk nostore
	assert_json_eq .error.status 401
	assert_json_eq .error.error_msg.errorCode ERR_SECRET_STORE_NOT_FOUND
}

test_metadata_get_lists_the_stores_as_coffer_components() {
	sdk metadata
	assert_json_eq .ok true
	assert_json_eq '[.value.components[].name] | join(",")' default,vault
	assert_json_eq '.value.components[0].type' secretstores.coffer
}

. /usr/share/shunit2/shunit2
