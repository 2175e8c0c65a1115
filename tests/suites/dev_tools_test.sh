#!/usr/bin/env bash
# The newcomer's path: tools/dev up writes .coffer-dev/env, the README's curl
# calls work against it, and up/down/up keeps the store (README.md), on
# gdbm and on PostgreSQL (--backend=postgresql).  The first up makes a Dapr
# token, a CFSSL auth key and a Sensu API key, each of which works; settings
# given to up persist, a bad one is refused before anything starts, the
# port survives down/up, and the store's own export imports.  tools/dev up
# builds and runs build/, whatever pass runs the suite: the sanitizer pass
# would run the same programs again.
# run-all: not-under-sanitizers
. "$(dirname "$0")/../lib.sh"

DEV=$COFFER_TOP/tools/dev

oneTimeSetUp() {
	COFFER_DEV_STATE=$(mktemp -d "${TMPDIR:-/tmp}/coffer-dev.XXXXXX")
	export COFFER_DEV_STATE
	"$DEV" up >"$COFFER_DEV_STATE.up.log" 2>&1
}

oneTimeTearDown() {
	"$DEV" down >/dev/null 2>&1
	rm -rf "$COFFER_DEV_STATE" "$COFFER_DEV_STATE".*.log
}

load_env() {
	COFFER_ADDR=$(sed -n 's/^COFFER_ADDR=//p' "$COFFER_DEV_STATE/env")
	COFFER_TOKEN=$(sed -n 's/^COFFER_TOKEN=//p' "$COFFER_DEV_STATE/env")
}

test_up_writes_env_with_address_and_token() {
	assertTrue "env file written" "[ -f '$COFFER_DEV_STATE/env' ]"
	load_env
	assertContains "$COFFER_ADDR" "http://127.0.0.1:"
	assertNotNull "token present" "$COFFER_TOKEN"
	assertEquals "env is private" 600 "$(stat -c %a "$COFFER_DEV_STATE/env")"
}

test_up_prints_the_development_warning() {
	grep -q 'WARNING: DEVELOPMENT MODE' "$COFFER_DEV_STATE.up.log"
	assertTrue "warning printed" $?
}

test_readme_curl_examples_work() {
	load_env
	req PUT /secrets/v1/secret/default/developer/my-secret \
	    -H "Authorization: token=$COFFER_TOKEN" \
	    -H 'Content-Type: application/json' -d '{"value":"very-secret"}'
	assert_status 201
	req GET /secrets/v1/secret/default/developer/my-secret \
	    -H "Authorization: token=$COFFER_TOKEN"
	assert_status 200
	assert_json_eq .value very-secret
}

test_up_twice_is_harmless_and_keeps_the_store() {
	"$DEV" up >/dev/null 2>&1
	assertEquals "second up succeeds" 0 $?
	load_env
	req GET /secrets/v1/secret/default/developer/my-secret \
	    -H "Authorization: token=$COFFER_TOKEN"
	assert_status 200
}

test_down_then_up_serves_the_same_store() {
	"$DEV" down >/dev/null 2>&1
	load_env
	req GET /secrets/v1/ping
	assertEquals "down stops the server" 000 "$STATUS"
	"$DEV" up >/dev/null 2>&1
	load_env
	req GET /secrets/v1/secret/default/developer/my-secret \
	    -H "Authorization: token=$COFFER_TOKEN"
	assert_status 200
	assert_json_eq .value very-secret
}

# dev_up [ARGS...]: tools/dev up, which must succeed (its last lines in the
# message if not).
dev_up() {
	local log=$COFFER_DEV_STATE.last.log
	"$DEV" up "$@" >"$log" 2>&1
	assertEquals "tools/dev up $*: $(grep -v '^make' "$log" | tail -5)" 0 $?
}

# env_get NAME: NAME's value in the state folder's env file.
env_get() {
	sed -n "s/^$1=//p" "$COFFER_DEV_STATE/env"
}

test_banner_and_env_hold_every_credential_and_each_works() {
	local name v w banner
	# The superuser token is minted afresh at every up: this up's banner.
	dev_up
	banner=$(cat "$COFFER_DEV_STATE.last.log")
	for name in COFFER_ADDR COFFER_TOKEN COFFER_CONFIG \
	    COFFER_UNSEAL_KEY_FILE COFFER_DAPR_TOKEN DAPR_API_TOKEN \
	    COFFER_CA_AUTH_KEY COFFER_SENSU_API_KEY; do
		v=$(env_get $name)
		assertNotNull "$name in env" "$v"
		assertContains "$name in the banner" "$banner" "$v"
	done
	assertEquals "the unseal key's file" "$COFFER_DEV_STATE/unseal.key" \
	    "$(env_get COFFER_UNSEAL_KEY_FILE)"
	load_env
	req PUT /secrets/v1/secret/default/developer/cred \
	    -H "Authorization: token=$COFFER_TOKEN" \
	    -H 'Content-Type: application/json' -d '{"value":"for-dapr"}'
	assert_status 201
	# Dapr, with the Dapr token.
	req GET /v1.0/secrets/default/developer/cred \
	    -H "dapr-api-token: $(env_get DAPR_API_TOKEN)"
	assert_status 200
	assert_json_eq .value for-dapr
	# Sensu, with the API key.
	req GET /api/enterprise/secrets/v1/providers \
	    -H "Authorization: Key $(env_get COFFER_SENSU_API_KEY)"
	assert_status 200
	# CFSSL authsign, through the cfssl CLI with the auth key (README).
	w=$(mktemp -d)
	cat >"$w/client.json" <<JSON
{"signing": {"default": {"auth_remote": {"remote": "coffer", "auth_key": "k1"}}},
 "auth_keys": {"k1": {"type": "standard", "key": "$(env_get COFFER_CA_AUTH_KEY)"}},
 "remotes": {"coffer": "$COFFER_ADDR"}}
JSON
	echo '{"CN": "dev.example.com", "hosts": ["dev.example.com"],
	    "key": {"algo": "ecdsa", "size": 256}}' >"$w/csr.json"
	(cd "$w" && cfssl gencert -config client.json csr.json 2>/dev/null |
	    cfssljson -bare dev)
	curl -s "$COFFER_ADDR/ca/dcos-ca.crt" >"$w/ca.pem"
	openssl verify -CAfile "$w/ca.pem" "$w/dev.pem" >/dev/null 2>&1
	assertTrue "cfssl gencert -config (authsign) got a certificate" $?
	rm -rf "$w"
}

test_credentials_are_made_once_and_kept_across_down_and_up() {
	local before
	before=$(grep -v -e '^COFFER_TOKEN=' "$COFFER_DEV_STATE/env")
	"$DEV" down >/dev/null 2>&1
	dev_up
	assertEquals "the same credentials" "$before" \
	    "$(grep -v -e '^COFFER_TOKEN=' "$COFFER_DEV_STATE/env")"
	req GET /api/enterprise/secrets/v1/providers \
	    -H "Authorization: Key $(env_get COFFER_SENSU_API_KEY)"
	assert_status 200
}

test_a_setting_given_to_up_persists_across_down_up_and_server_switching() {
	local conf=$COFFER_DEV_STATE/coffer.conf
	dev_up login_max_failures=7
	assertContains "in coffer.conf" "$(cat "$conf")" "login_max_failures = 7"
	"$DEV" down >/dev/null 2>&1
	dev_up
	assertContains "after down/up" "$(cat "$conf")" "login_max_failures = 7"
	dev_up --server=apache-proxy
	assertEquals apache-proxy "$(cat "$COFFER_DEV_STATE/server")"
	assertContains "after switching" "$(cat "$conf")" "login_max_failures = 7"
	assertContains "the generated key too" "$(cat "$conf")" "ca_auth_key = "
	dev_up --server=lighttpd login_max_failures=
	assertNotContains "KEY= drops it" "$(cat "$conf")" "login_max_failures"
	load_env
	req GET /v1.0/secrets/default/developer/my-secret \
	    -H "dapr-api-token: $(env_get DAPR_API_TOKEN)"
	assert_status 200
}

test_an_unknown_setting_or_a_bad_value_is_refused_before_anything_starts() {
	local pid settings out
	pid=$(cat "$COFFER_DEV_STATE/lighttpd.pid")
	settings=$(cat "$COFFER_DEV_STATE/settings")
	out=$("$DEV" up no_such_setting=1 2>&1)
	assertNotEquals "an unknown key fails" 0 $?
	assertContains "$out" "bad setting 'no_such_setting'"
	out=$("$DEV" up body_limit=lots 2>&1)
	assertNotEquals "a bad value fails" 0 $?
	assertContains "$out" "bad setting 'body_limit'"
	assertEquals "the server was left alone" "$pid" \
	    "$(cat "$COFFER_DEV_STATE/lighttpd.pid")"
	assertEquals "the settings too" "$settings" \
	    "$(cat "$COFFER_DEV_STATE/settings")"
	"$DEV" down >/dev/null 2>&1
	"$DEV" up no_such_setting=1 >/dev/null 2>&1
	assertNotEquals "refused when stopped" 0 $?
	load_env
	req GET /secrets/v1/ping
	assertEquals "nothing started" 000 "$STATUS"
	dev_up
}

# over_cap: a request announcing a body over the server's cap, on a raw
# connection; prints the status line and the body, as the server closes.
over_cap() {
	"$STACK_PYTHON" - "${COFFER_ADDR##*:}" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /coffer/v1/import/default HTTP/1.1\r\nHost: dev\r\n"
          b"Content-Type: application/octet-stream\r\n"
          b"Content-Length: 40000000\r\n\r\n" + b"x" * 1000)
s.settimeout(10)
d = b""
while True:
    c = s.recv(65536)
    if not c:
        break
    d += c
head, _, body = d.partition(b"\r\n\r\n")
print(head.split(b"\r\n")[0].decode())
print(body.decode())
PY
}

test_the_port_stays_the_same_across_down_and_up_after_a_413() {
	local port out
	load_env
	port=${COFFER_ADDR##*:}
	out=$(over_cap)
	assertContains "413" "$out" " 413 "
	assertEquals "413 in the API's JSON" 413 \
	    "$(sed -n 2p <<<"$out" | jq -r .code 2>/dev/null)"
	"$DEV" down >/dev/null 2>&1
	ss -tan | grep -q "TIME-WAIT.*127.0.0.1:$port "
	assertTrue "the server's side of that connection is in TIME_WAIT" $?
	dev_up
	load_env
	assertEquals "the same port" "$port" "${COFFER_ADDR##*:}"
}

test_an_export_of_20000_secrets_imports() {
	local size
	load_env
	make -C "$COFFER_BUILD" tests/fillstore >/dev/null 2>&1
	STACK_SHARES=$(cat "$COFFER_DEV_STATE/unseal.key")
	stack_fill "$COFFER_DEV_STATE" "$COFFER_BUILD" default 20 1000
	assertTrue "20,000 secrets written" $?
	req GET /coffer/v1/export/default -H "Authorization: token=$COFFER_TOKEN"
	assert_status 200
	cp "$BODY_FILE" "$COFFER_DEV_STATE/export"
	size=$(stat -c %s "$COFFER_DEV_STATE/export")
	assertTrue "over the 4 MiB of before ($size bytes)" \
	    "[ $size -gt 4194304 ]"
	req POST /coffer/v1/import/default \
	    -H "Authorization: token=$COFFER_TOKEN" \
	    -H 'Content-Type: application/octet-stream' \
	    --data-binary "@$COFFER_DEV_STATE/export"
	assert_status 200
	assertTrue "every secret imported" \
	    "[ \"\$(jq -r .secrets '$BODY_FILE')\" -ge 20000 ]"
	rm -f "$COFFER_DEV_STATE/export"
}

test_up_on_postgresql_keeps_the_store_in_its_own_cluster() {
	local keep=$COFFER_DEV_STATE
	"$DEV" down >/dev/null 2>&1
	COFFER_DEV_STATE=$(mktemp -d "${TMPDIR:-/tmp}/coffer-devpg.XXXXXX")
	"$DEV" up --backend=postgresql >"$COFFER_DEV_STATE.up.log" 2>&1
	assertEquals "up --backend=postgresql: $(tail -3 "$COFFER_DEV_STATE.up.log")" \
	    0 $?
	assertTrue "the cluster is under the state folder" \
	    "[ -f '$COFFER_DEV_STATE/pg/data/postmaster.pid' ]"
	assertContains "the store is in it" \
	    "$(cat "$COFFER_DEV_STATE/coffer.conf")" "store = postgresql:"
	load_env
	req PUT /secrets/v1/secret/default/developer/pg-secret \
	    -H "Authorization: token=$COFFER_TOKEN" \
	    -H 'Content-Type: application/json' -d '{"value":"in-pg"}'
	assert_status 201
	"$DEV" down >/dev/null 2>&1
	assertFalse "down stops the cluster" \
	    "[ -f '$COFFER_DEV_STATE/pg/data/postmaster.pid' ]"
	"$DEV" up >/dev/null 2>&1
	load_env
	req GET /secrets/v1/secret/default/developer/pg-secret \
	    -H "Authorization: token=$COFFER_TOKEN"
	assert_json_eq .value in-pg "up again: the same store"
	"$DEV" up --backend=gdbm >/dev/null 2>&1
	assertNotEquals "a store is never swapped for an empty one" 0 $?
	"$DEV" down >/dev/null 2>&1
	rm -rf "$COFFER_DEV_STATE" "$COFFER_DEV_STATE.up.log"
	COFFER_DEV_STATE=$keep
}

. /usr/share/shunit2/shunit2
