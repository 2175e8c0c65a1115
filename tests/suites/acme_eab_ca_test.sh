#!/usr/bin/env bash
# ACME's External Account Binding (RFC 8555 7.3.4; README "### ACME"):
# with acme_eab_required, newAccount needs an HS256 MAC over the account's
# key under a key cofferctl acme-eab-new minted for a team (a group here),
# and the team's accounts get only the names granted to the team as
# dcos:acme:dns:/<labels from the last>, on top of acme_dns_suffixes.
# The real certbot (--eab-kid, --eab-hmac-key) does the ordering;
# tests/acme_jws.py signs what certbot never sends.  As acme_ca_test.sh,
# "localhost" is the one name proved (certbot standalone on a free port);
# "www.test" is under the suffixes but granted to nobody, and is refused
# at newOrder, before any challenge.  Behind one server: the binding and
# the grants are the program's; what the servers change in ACME's answers
# (mod_fcgid's 302 rule), acme_ca_test.sh checks behind each.
# run-all: one-server
. "$(dirname "$0")/../lib.sh"

JWS=("$STACK_PYTHON" "$COFFER_TOP/tests/acme_jws.py")

oneTimeSetUp() {
	command -v certbot >/dev/null || {
		echo "certbot is not installed (tools/dev setup)" >&2
		return 1
	}
	PORT=$("$STACK_PYTHON" -c 'import socket; s = socket.socket();
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	coffer_server_start acme_dns_suffixes="localhost, test" \
	    acme_eab_required=yes acme_http_port="$PORT" &&
	    coffer_init_unseal || return 1
	W=$COFFER_STATE/acme
	mkdir -p "$W"
	DIR=$COFFER_ADDR/acme/directory
	coffer_ctl group-add web >/dev/null &&
	    coffer_ctl grant --group dcos:acme:dns:/localhost create web \
	        >/dev/null || return 1
	mint web --group || return 1
	TEAM_KID=$EAB_KID
	TEAM_HMAC=$EAB_HMAC
}
oneTimeTearDown() { coffer_server_stop; }

# mint ID [--group]: an EAB key for ID; its kid and HMAC key in EAB_KID
# and EAB_HMAC.
mint() {
	local out
	out=$(coffer_ctl acme-eab-new "$@" --description "suite") || return 1
	EAB_KID=$(sed -n 's/^kid: //p' <<<"$out")
	EAB_HMAC=$(sed -n 's/^hmac key: //p' <<<"$out")
	[ -n "$EAB_KID" ] && [ -n "$EAB_HMAC" ]
}

# certbot_run ETC ARGS...: certbot with its accounts in $W/ETC.
certbot_run() {
	local etc=$1
	shift
	OUT=$(certbot --non-interactive --server "$DIR" \
	    --config-dir "$W/$etc" --work-dir "$W/work" \
	    --logs-dir "$W/logs" "$@" 2>&1)
}

# register ETC KID HMAC: a certbot account bound by that key.
register() {
	certbot_run "$1" register --agree-tos \
	    --register-unsafely-without-email --eab-kid "$2" --eab-hmac-key "$3"
}

# obtain ETC NAME: certbot standalone's certificate for NAME.
obtain() {
	certbot_run "$1" certonly --standalone --http-01-port "$PORT" -d "$2"
}

# certbot_said PATTERN: certbot's last run met this problem (its
# "type :: title :: detail" line).  Its terminal may not show it: certbot
# 2.1 under Python 3.11 turns an ACME error raised in some commands into
# "AttributeError: can't set attribute" (josepy's immutable Error), but
# its log keeps the error it got.
certbot_said() {
	tail -n 200 "$W/logs/letsencrypt.log" |
	    grep -qE "urn:ietf:params:acme:error:$1"
	assertTrue "certbot did not meet <$1>: $OUT" $?
}

assert_problem() {
	assert_status "$1"
	assert_header Content-Type '^application/problem\+json'
	assert_json_eq .type "urn:ietf:params:acme:error:$2"
}

test_the_directory_says_an_external_account_is_required() {
	req GET /acme/directory
	assert_status 200
	assert_json_eq .meta.externalAccountRequired true
}

test_new_account_without_a_binding_is_refused_with_external_account_required() {
	req HEAD /acme/new-nonce
	"${JWS[@]}" "$W/plain.key" "$COFFER_ADDR/acme/new-account" \
	    "$(header Replay-Nonce)" '{"termsOfServiceAgreed":true}' \
	    >"$W/last.jws"
	req POST /acme/new-account -H 'Content-Type: application/jose+json' \
	    --data-binary "@$W/last.jws"
	assert_problem 401 externalAccountRequired
	# certbot reads the directory and will not even try.
	certbot_run plain register --agree-tos \
	    --register-unsafely-without-email
	assertNotEquals "certbot without EAB: $OUT" 0 $?
}

test_a_wrong_hmac_key_or_an_unknown_kid_makes_no_account() {
	register wrong "$TEAM_KID" \
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	assertNotEquals "a wrong MAC: $OUT" 0 $?
	certbot_said "unauthorized :: .* :: the externalAccountBinding's MAC"
	register unknown "AAAAAAAAAAAAAAAAAAAAAA" "$TEAM_HMAC"
	assertNotEquals "an unknown kid: $OUT" 0 $?
	certbot_said "unauthorized :: .* :: the externalAccountBinding's kid"
	line=$(grep '"resource":"acme:eab:AAAAAAAAAAAAAAAAAAAAAA"' \
	    "$COFFER_STATE/audit.log" | tail -1)
	assertContains "audited: $line" "$line" '"allowed":false'
}

test_the_teams_key_gets_a_granted_name_and_not_another() {
	register team "$TEAM_KID" "$TEAM_HMAC"
	assertEquals "register: $OUT" 0 $?
	obtain team localhost
	assertEquals "certonly localhost: $OUT" 0 $?
	assertTrue "no certificate: $OUT" "[ -s $W/team/live/localhost/cert.pem ]"
	obtain team www.test
	assertNotEquals "certonly www.test: $OUT" 0 $?
	certbot_said "rejectedIdentifier :: .* :: a name is not granted"
	line=$(grep '"resource":"acme:dns:www.test"' "$COFFER_STATE/audit.log" |
	    tail -1)
	assertContains "audited: $line" "$line" '"allowed":false'
}

test_one_key_binds_several_accounts_of_its_team() {
	register team2 "$TEAM_KID" "$TEAM_HMAC"
	assertEquals "a second account: $OUT" 0 $?
}

test_the_key_is_shown_once_and_stored_sealed() {
	out=$(coffer_ctl acme-eab-list)
	assertContains "$out" "$TEAM_KID	g:web	valid	suite"
	assertNotContains "listed: $out" "$out" "$TEAM_HMAC"
	if grep -qF "$TEAM_HMAC" "$COFFER_STATE"/coffer.db* \
	    "$COFFER_STATE/audit.log" 2>/dev/null; then
		fail "the HMAC key is in the clear in the store or the log"
	fi
}

test_a_revoked_key_makes_no_account_and_its_accounts_order_nothing() {
	mint web --group
	register before "$EAB_KID" "$EAB_HMAC"
	assertEquals "register: $OUT" 0 $?
	out=$(coffer_ctl acme-eab-revoke "$EAB_KID")
	assertEquals "revoke: $out" 0 $?
	register after "$EAB_KID" "$EAB_HMAC"
	assertNotEquals "a new account: $OUT" 0 $?
	certbot_said "unauthorized :: .* :: the EAB key is revoked"
	obtain before localhost
	assertNotEquals "an order: $OUT" 0 $?
	certbot_said "unauthorized :: .* :: the account's EAB key is revoked"
	# The team's other key goes on working.
	obtain team localhost
	assertEquals "the other key's account: $OUT" 0 $?
}

test_a_key_is_minted_only_for_a_subject_that_exists() {
	out=$(coffer_ctl acme-eab-new nobody 2>&1)
	assertEquals "exit status: $out" 1 $?
	assertContains "$out" "no user with that uid"
}

. /usr/share/shunit2/shunit2
