#!/usr/bin/env bash
# Ansible (Debian's ansible 7.7, community.hashi_vault 4.2) reads secrets
# through Coffer's Vault KV API with the vault_kv2_get lookup, as a
# playbook written for Vault does: url=, the token in VAULT_TOKEN, the
# mount "secret" (tests/ansible/vault_kv2_get.yml says why not token=).
# tests/ansible/vault_kv2_get.yml writes what the lookup returned as JSON,
# which the tests read like a body.
#
# Ansible is required, never skipped: tools/dev installs it.  Behind one
# server only: what differs between servers, hvac_vault_test.sh tests.
# run-all: one-server
. "$(dirname "$0")/../lib.sh"

PLAY=$COFFER_TOP/tests/ansible/vault_kv2_get.yml

oneTimeSetUp() {
	command -v ansible-playbook >/dev/null || {
		echo "ansible is missing: tools/dev installs it" >&2
		return 1
	}
	coffer_server_start && coffer_init_unseal || return 1
	export COFFER_AUTH_HEADER="Authorization: Bearer $COFFER_TOKEN"
	auth_json PUT /secrets/v1/secret/default/ans/dcos '{"value":"from-dcos"}'
	auth_json PUT /api/v1/secrets/ans/path '{"data":{"user":"u","pw":"p1"}}'
	auth_json PUT /api/v1/secrets/ans/path '{"data":{"user":"u","pw":"p2"}}'
}
oneTimeTearDown() { coffer_server_stop; }

# play PATH [VERSION]: run the playbook as the superuser (VAULT_TOKEN
# overrides); its JSON goes to BODY_FILE, PLAY_RC is its exit status.
play() {
	BODY_FILE=$COFFER_STATE/.ansible.out
	LAST_REQ="vault_kv2_get $*"
	rm -f "$BODY_FILE"
	HOME=$COFFER_STATE ANSIBLE_LOCAL_TEMP=$COFFER_STATE/.ansible-tmp \
	    ANSIBLE_NOCOLOR=1 ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 \
	    COFFER_ADDR=$COFFER_ADDR VAULT_TOKEN=${VAULT_TOKEN-$COFFER_TOKEN} \
	    SECRET_PATH=$1 SECRET_VERSION=${2:-0} OUT=$BODY_FILE \
	    timeout 120 ansible-playbook -i localhost, "$PLAY" \
	    >"$COFFER_STATE/.ansible.log" 2>&1
	PLAY_RC=$?
	BODY=$(cat "$BODY_FILE" 2>/dev/null)
}

test_the_lookup_reads_a_secret_written_by_dcos() {
	play ans/dcos
	assertEquals "the play failed (its log: $COFFER_STATE/.ansible.log)" \
	    0 "$PLAY_RC"
	assert_json_eq .secret.value from-dcos
	assert_json_eq .metadata.version 1
}

test_the_lookup_reads_an_older_version() {
	play ans/path 1
	assertEquals "the play failed (its log: $COFFER_STATE/.ansible.log)" \
	    0 "$PLAY_RC"
	assert_json_eq .secret.pw p1
	play ans/path
	assert_json_eq .secret.pw p2
	assert_json_eq .metadata.version 2
}

test_a_missing_secret_fails_the_play_as_a_missing_path() {
	play ans/none
	assertNotEquals 0 "$PLAY_RC"
	grep -q 'Invalid or missing path' \
	    "$COFFER_STATE/.ansible.log" ||
	    fail "the play does not say the secret is missing ($COFFER_STATE/.ansible.log)"
}

test_a_bad_token_fails_the_play_as_forbidden() {
	VAULT_TOKEN=not-a-token play ans/dcos
	assertNotEquals 0 "$PLAY_RC"
	[ -z "$BODY" ] || fail "a refused token wrote an answer"
	grep -q "Forbidden: Permission Denied" "$COFFER_STATE/.ansible.log" ||
	    fail "the play does not say permission was denied ($COFFER_STATE/.ansible.log)"
}

. shunit2
