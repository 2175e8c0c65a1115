#!/usr/bin/env bash
# cofferctl's secrets client (tools/ctl_kv.c): get, put, patch, ls, rm and
# versions over HTTP to the suite's server, with COFFER_ADDR and
# COFFER_TOKEN from the environment, as an operator who knows `vault kv`
# uses it: plain output, JSON on asking, errors in plain words with the
# status, exit 1 when the server refuses and 2 for a bad command line.
# The stack has a TLS port too, to reach it over https with COFFER_CACERT.
. "$(dirname "$0")/../lib.sh"

oneTimeSetUp() {
	STACK_TLS=1 coffer_server_start versions_kept=2 || return 1
	coffer_init_unseal || return 1
	W=$COFFER_STATE/w
	mkdir -p "$W"
	# The client needs no configuration: none is reachable.
	export COFFER_CONFIG=$W/no-such.conf
}
oneTimeTearDown() { coffer_server_stop; }

# kv ARGS...: the client with the suite's address and token; sets RC, OUT
# (stdout, as a file too: OUT_FILE) and ERR.
kv() {
	OUT_FILE=$W/out
	"$COFFER_BUILD/tools/cofferctl" "$@" >"$OUT_FILE" 2>"$W/err"
	RC=$?
	OUT=$(tr -d '\0' <"$OUT_FILE")
	ERR=$(cat "$W/err")
}

test_put_then_get_answers_every_key_one_key_and_json() {
	kv put app/db user=admin pass=s3cret
	assertEquals "put: $ERR" 0 "$RC"
	assertEquals "wrote app/db, version 1" "$OUT"
	kv get app/db
	assertEquals "get: $ERR" 0 "$RC"
	assertEquals "$(printf 'user\tadmin\npass\ts3cret')" "$OUT"
	kv get app/db pass
	assertEquals 0 "$RC"
	# The value alone, as it is: no newline added.
	assertEquals s3cret "$(cat "$OUT_FILE")"
	assertEquals 6 "$(wc -c <"$OUT_FILE")"
	kv get -format=json app/db
	assertEquals 0 "$RC"
	assertEquals s3cret "$(jq -r .data.pass <<<"$OUT")"
	assertEquals admin "$(jq -r .data.user <<<"$OUT")"
	kv get -format=json app/db user
	assertEquals '"admin"' "$OUT"
}

test_put_patch_and_rm_say_what_they_did_in_json_with_format_json() {
	kv put -format=json app/json a=1
	assertEquals "put: $ERR" 0 "$RC"
	assertEquals '{"path":"app/json","version":1}' "$(jq -c . <<<"$OUT")"
	kv patch -format=json app/json b=2
	assertEquals "patch: $ERR" 0 "$RC"
	assertEquals 2 "$(jq .version <<<"$OUT")"
	kv rm -format=json app/json
	assertEquals "rm: $ERR" 0 "$RC"
	assertEquals '{"path":"app/json","deleted":true}' "$(jq -c . <<<"$OUT")"
}

test_put_replaces_the_whole_secret() {
	kv put app/replaced a=1 b=2
	kv put app/replaced c=3
	kv get app/replaced
	assertEquals "$(printf 'c\t3')" "$OUT"
}

test_a_value_comes_from_a_file_and_from_stdin() {
	printf 'line one\nline two\n' >"$W/value"
	kv put app/files cert=@"$W/value"
	assertEquals "put @FILE: $ERR" 0 "$RC"
	kv get app/files cert
	cmp -s "$OUT_FILE" "$W/value"
	assertTrue "the file's bytes, trailing newline included" $?
	OUT=$(printf 'from stdin' | "$COFFER_BUILD/tools/cofferctl" \
	    put app/stdin token=- other=x 2>&1)
	assertEquals "put -: $OUT" "wrote app/stdin, version 1" "$OUT"
	kv get app/stdin token
	assertEquals "from stdin" "$(cat "$OUT_FILE")"
}

test_only_one_value_may_come_from_stdin() {
	kv put app/twice a=- b=- </dev/null
	assertEquals 2 "$RC"
	assertContains "$ERR" "only one value may come from stdin"
}

test_an_8_bit_utf8_value_round_trips_through_a_file() {
	printf 'caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac\t\x00end' >"$W/utf8"
	kv put app/utf8 v=@"$W/utf8"
	assertEquals "put: $ERR" 0 "$RC"
	kv get app/utf8 v
	cmp -s "$OUT_FILE" "$W/utf8"
	assertTrue "the same bytes come back" $?
}

test_a_binary_value_is_refused_plainly_and_nothing_is_written() {
	printf '\xff\xfe\x00\x80binary' >"$W/bin"
	kv put app/binary v=@"$W/bin"
	assertEquals 2 "$RC"
	assertContains "$ERR" "the value of v is not UTF-8 text"
	assertContains "$ERR" "nothing was written"
	kv get app/binary
	assertEquals "never written" 1 "$RC"
}

test_patch_sets_keys_and_keeps_the_others() {
	kv put app/patched user=admin pass=old
	kv patch app/patched pass=new extra=@"$W/value"
	assertEquals "patch: $ERR" 0 "$RC"
	assertEquals "patched app/patched, version 2" "$OUT"
	kv get -format=json app/patched
	assertEquals admin "$(jq -r .data.user <<<"$OUT")"
	assertEquals new "$(jq -r .data.pass <<<"$OUT")"
	assertEquals "$(cat "$W/value")" "$(jq -r .data.extra <<<"$OUT")"
}

test_patch_of_a_missing_secret_fails_plainly() {
	kv patch app/never-there a=b
	assertEquals 1 "$RC"
	assertContains "$ERR" "cofferctl: patch app/never-there: the server answered 404 Not Found"
	kv get app/never-there
	assertEquals "patch created nothing" 1 "$RC"
}

test_ls_lists_the_names_beneath_a_prefix() {
	kv put team/a/one k=v
	kv put team/a/two k=v
	kv put team/b/three k=v
	kv ls team/a
	assertEquals "ls: $ERR" 0 "$RC"
	assertEquals "$(printf 'one\ntwo')" "$OUT"
	kv ls team/
	assertEquals "$(printf 'a/one\na/two\nb/three')" "$OUT"
	kv ls -format=json team/a
	assertEquals '["one","two"]' "$(jq -c . <<<"$OUT")"
	kv ls
	assertContains "no prefix: the whole store" "$OUT" team/b/three
	assertContains "$OUT" app/db
}

test_rm_then_get_answers_not_found() {
	kv put app/gone k=v
	kv rm app/gone
	assertEquals "rm: $ERR" 0 "$RC"
	assertEquals "deleted app/gone" "$OUT"
	kv get app/gone
	assertEquals 1 "$RC"
	assertEquals "" "$OUT"
	assertContains "$ERR" "cofferctl: get app/gone: the server answered 404 Not Found"
	kv rm app/gone
	assertEquals "a second rm" 1 "$RC"
	assertContains "$ERR" "404 Not Found"
}

test_versions_lists_the_kept_versions_newest_first() {
	kv put app/versioned k=1
	kv put app/versioned k=2
	kv versions app/versioned
	assertEquals "versions: $ERR" 0 "$RC"
	assertEquals "$(printf '2\tcurrent\n1\tkept')" "$OUT"
	# versions_kept=2: the first falls out with the third.
	kv put app/versioned k=3
	kv versions -format=json app/versioned
	assertEquals 3 "$(jq .current <<<"$OUT")"
	assertEquals '[3,2]' "$(jq -c .versions <<<"$OUT")"
}

test_a_wrong_token_is_a_plain_401_and_never_shown() {
	COFFER_TOKEN=not-a-token-xyzzy kv get app/db
	assertEquals 1 "$RC"
	assertContains "$ERR" "the server answered 401 Unauthorized"
	assertContains "$ERR" "COFFER_TOKEN"
	assertNotContains "$ERR" xyzzy
	assertEquals "" "$OUT"
	COFFER_TOKEN=not-a-token-xyzzy kv ls
	assertEquals 1 "$RC"
	assertContains "$ERR" "401 Unauthorized"
	assertNotContains "$ERR" xyzzy
}

test_a_token_without_the_grant_is_a_plain_403() {
	local tok
	auth_json PUT /acs/api/v1/users/reader \
	    '{"description":"no grants","password":"pw-reader"}'
	json_req POST /acs/api/v1/auth/login \
	    '{"uid":"reader","password":"pw-reader"}'
	tok=$(jq -r .token <<<"$BODY")
	COFFER_TOKEN=$tok kv get app/db
	assertEquals 1 "$RC"
	assertContains "$ERR" "the server answered 403 Forbidden"
	assertNotContains "$ERR" "$tok"
}

test_no_address_or_no_token_is_a_usage_error() {
	COFFER_ADDR= kv get app/db
	assertEquals 2 "$RC"
	assertContains "$ERR" "set COFFER_ADDR"
	env -u COFFER_ADDR "$COFFER_BUILD/tools/cofferctl" ls >/dev/null \
	    2>"$W/err"
	assertEquals "unset" 2 $?
	COFFER_ADDR=ftp://127.0.0.1 kv ls
	assertEquals "not http" 2 "$RC"
	env -u COFFER_TOKEN "$COFFER_BUILD/tools/cofferctl" get app/db \
	    >/dev/null 2>"$W/err"
	assertEquals "no token" 2 $?
	assertContains "$(cat "$W/err")" "set COFFER_TOKEN"
}

test_a_bad_command_line_is_a_usage_error() {
	kv put app/x
	assertEquals "no pair" 2 "$RC"
	assertContains "$ERR" "usage: cofferctl put"
	kv put app/x novalue
	assertEquals "not KEY=VALUE" 2 "$RC"
	kv put app/x a=1 a=2
	assertEquals "a key twice" 2 "$RC"
	kv get 'app/x?list=true'
	assertEquals "a path no URL can carry" 2 "$RC"
	kv get -format=yaml app/x
	assertEquals "an unknown format" 2 "$RC"
	kv put app/x v=@"$W/no-such-file"
	assertEquals "an unreadable file" 2 "$RC"
	assertContains "$ERR" "no-such-file"
}

test_no_server_at_the_address_fails_plainly() {
	COFFER_ADDR=http://127.0.0.1:1 kv get app/db
	assertEquals 1 "$RC"
	assertContains "$ERR" "no answer from COFFER_ADDR"
}

test_https_works_with_the_ca_and_fails_plainly_without() {
	COFFER_ADDR=$COFFER_TLS_ADDR COFFER_CACERT=$COFFER_CA kv get app/db user
	assertEquals "https: $ERR" 0 "$RC"
	assertEquals admin "$OUT"
	COFFER_ADDR=$COFFER_TLS_ADDR kv get app/db user
	assertEquals 1 "$RC"
	assertContains "$ERR" "no answer from COFFER_ADDR"
}

test_help_lists_each_client_command() {
	local c
	for c in get put patch ls rm versions; do
		kv help "$c"
		assertEquals "help $c" 0 "$RC"
		assertContains "$OUT" "COFFER_ADDR"
	done
	kv --help
	assertContains "$OUT" "versions [-format=json] PATH"
}

. /usr/share/shunit2/shunit2
