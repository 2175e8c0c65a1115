#!/usr/bin/env bash
# Versions through the path API: every PUT makes a new version and reports
# it (Coffer-Version header); older versions are read through Dapr's
# metadata.version_id (secrets_dapr_test.sh).
. "$(dirname "$0")/../lib.sh"

P=/api/v1/secrets

oneTimeSetUp() {
	coffer_server_start versions_kept=2 && coffer_init_unseal
	export COFFER_AUTH_HEADER="Authorization: Bearer $COFFER_TOKEN"
}
oneTimeTearDown() { coffer_server_stop; }

test_each_put_reports_the_next_version() {
	auth_json PUT $P/ver/a '{"data":{"k":"1"}}'
	assert_status 200
	assert_header Coffer-Version '^1$'
	auth_json PUT $P/ver/a '{"data":{"k":"2"}}'
	assert_header Coffer-Version '^2$'
	assert_json_eq .data.k 2
}

test_only_the_kept_versions_remain_readable() {
	local i
	for i in 1 2 3; do
		auth_json PUT $P/ver/b "{\"data\":{\"k\":\"$i\"}}"
	done
	req GET "/v1.0/secrets/default/ver/b?metadata.version_id=2" \
	    -H "Authorization: Bearer $COFFER_TOKEN"
	assert_status 200
	assert_json_eq .k 2
	req GET "/v1.0/secrets/default/ver/b?metadata.version_id=1" \
	    -H "Authorization: Bearer $COFFER_TOKEN"
	assert_status 204 "version 1 fell out of the 2 kept"
}

. /usr/share/shunit2/shunit2
