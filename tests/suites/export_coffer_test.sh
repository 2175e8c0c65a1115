#!/usr/bin/env bash
# Coffer's export and import: GET /coffer/v1/export/{store} streams the
# store's sealed records (gdbm_dump's ASCII format, still ciphertext);
# POST /coffer/v1/import/{store} checks every record, then replaces the
# store's secrets with them, or changes nothing.  `cofferctl export` and
# `cofferctl import` are their clients, with a progress bar on a terminal.
. "$(dirname "$0")/../lib.sh"

E=/coffer/v1/export/default
I=/coffer/v1/import/default
S=/api/v1/secrets

oneTimeSetUp() {
	coffer_server_start secret_stores=default,other &&
	    coffer_init_unseal || return 1
	auth_json PUT $S/app/db '{"data":{"password":"export-pw-1"}}'
	auth_json PUT $S/app/db '{"data":{"password":"export-pw-2"}}'
	auth_json PUT $S/app/api/key '{"data":{"k":"export-key"}}'
	auth_req GET $E
	cp "$BODY_FILE" "$COFFER_STATE/export.dump"
}
oneTimeTearDown() { coffer_server_stop; }

# import FILE [STORE]: POST the file as an import of STORE (default).
import() {
	auth_req POST "/coffer/v1/import/${2:-default}" \
	    -H 'Content-Type: application/octet-stream' --data-binary "@$1"
}

# ctl ARGS...: cofferctl with the suite's address and token; sets RC, OUT
# and ERR.
ctl() {
	"$COFFER_BUILD/tools/cofferctl" "$@" >"$COFFER_STATE/ctl.out" \
	    2>"$COFFER_STATE/ctl.err"
	RC=$?
	OUT=$(cat "$COFFER_STATE/ctl.out")
	ERR=$(cat "$COFFER_STATE/ctl.err")
}

# names: every secret's name in the store default, one a line.
names() {
	auth_req GET "/secrets/v1/secret/default?list=true"
	jq -r '.array[]' "$BODY_FILE"
}

# login UID: a token for a new user UID with a password, in TOKEN.
login() {
	local A=/acs/api/v1
	auth_json PUT "$A/users/$1" "{\"password\":\"pw-$1\"}"
	json_req POST $A/auth/login "{\"uid\":\"$1\",\"password\":\"pw-$1\"}"
	TOKEN=$(jq -r .token "$BODY_FILE")
}

# grant UID RID ACTION (the rid's slashes already written as %252F).
grant() {
	local A=/acs/api/v1
	auth_json PUT "$A/acls/$2" '{"description":"test"}'
	auth_req PUT "$A/acls/$2/users/$1/$3"
}

# datums FILE: the export's datums, one base64 line each (key, value, ...).
datums() {
	awk '/^#:len=/ { if (d != "") print d; d = "-"; next }
	    /^#/ { if (d != "") print d; d = ""; next }
	    d != "" { d = (d == "-" ? "" : d) $0 }
	    END { if (d != "") print d }' "$1"
}

# tamper IN OUT: flip one ciphertext byte of the first current-version
# record, keeping the export well-formed.
tamper() {
	"$STACK_PYTHON" - "$1" "$2" <<'PY'
import base64, sys
src = open(sys.argv[1]).read().split("\n")
head = [l for l in src if l.startswith("#") and not l.startswith("#:len=")]
data, cur = [], None
for l in src:
    if l.startswith("#:len="):
        cur = []
        data.append(cur)
    elif l.startswith("#") or not l:
        cur = None
    elif cur is not None:
        cur.append(l)
data = [bytearray(base64.b64decode("".join(c))) for c in data]
for k in range(0, len(data), 2):
    if data[k].startswith(b"s:"):
        data[k + 1][-20] ^= 1
        break
else:
    sys.exit("no current-version record")
out = [l for l in head if not l.startswith("#:count") and l != "# End of data"]
for d in data:
    out.append("#:len=%d" % len(d))
    e = base64.b64encode(bytes(d)).decode()
    out.extend(e[j:j + 76] for j in range(0, len(e), 76))
out += [l for l in head if l.startswith("#:count") or l == "# End of data"]
open(sys.argv[2], "w").write("\n".join(out) + "\n")
PY
}

test_export_is_a_gdbm_dump_of_ciphertext() {
	auth_req GET $E
	assert_status 200
	assert_header Content-Type '^application/octet-stream'
	assertEquals "first line" "# GDBM dump file" \
	    "$(head -c 16 "$BODY_FILE")"
	assertTrue "count line" "grep -qx '#:count=[0-9]*' '$BODY_FILE'"
	assert_body_lacks export-pw-2
	assert_body_lacks "$(printf export-pw-2 | base64)"
}

test_export_holds_versions_and_indexes_of_that_store_only() {
	local keys
	keys=$(datums "$COFFER_STATE/export.dump" | awk 'NR % 2 == 1' |
	    while read -r k; do base64 -d <<<"$k"; echo; done | sort)
	assertEquals "every datum decodes" \
	    "$(grep -c '^#:len=' "$COFFER_STATE/export.dump")" \
	    "$(datums "$COFFER_STATE/export.dump" | wc -l)"
	assertEquals "d:default:/ d:default:/app d:default:/app/api" \
	    "$(echo "$keys" | grep '^d:' | paste -sd' ')"
	assertEquals "s:default:/app/api/key s:default:/app/db" \
	    "$(echo "$keys" | grep '^s:' | paste -sd' ')"
	assertEquals "v:default:/app/db#1" \
	    "$(echo "$keys" | grep '^v:' | paste -sd' ')"
	assertEquals "no users, grants or keys" "" \
	    "$(echo "$keys" | grep -v '^[sdv]:default:/')"
}

test_import_restores_the_exported_secrets_and_drops_later_ones() {
	auth_req DELETE /secrets/v1/secret/default/app/db
	auth_json PUT $S/app/api/key '{"data":{"k":"changed"}}'
	auth_json PUT $S/later '{"data":{"k":"after the export"}}'
	import "$COFFER_STATE/export.dump"
	assert_status 200
	assert_schema coffer-import-response.json
	assert_json_eq .records 6
	assert_json_eq .secrets 2
	auth_req GET $S/app/db
	assert_status 200
	assert_json_eq .data.password export-pw-2
	auth_req GET "/v1.0/secrets/default/app/db?metadata.version_id=1"
	assert_status 200
	assert_json_eq .password export-pw-1
	auth_req GET $S/app/api/key
	assert_json_eq .data.k export-key
	auth_req GET $S/later
	assert_status 404
	auth_req GET "/secrets/v1/secret/default/app?list=true"
	assert_json_eq .array '["api/key","db"]'
}

test_import_into_another_store_is_refused() {
	import "$COFFER_STATE/export.dump" other
	assert_status 400
	assert_schema path-error.json
	auth_req GET "/coffer/v1/export/other"
	assertFalse "nothing imported" "grep -q '^#:len=' '$BODY_FILE'"
}

test_import_of_another_coffers_export_is_refused_and_changes_nothing() {
	local state2 token2
	state2=$(mktemp -d "${TMPDIR:-/tmp}/coffer-test.XXXXXX")
	chmod 0700 "$state2"
	stack_start "$state2" "$COFFER_BUILD" "" &&
	    stack_init_unseal "$STACK_ADDR" 1 1 "$state2/init.json"
	token2=$STACK_TOKEN
	curl -sS -o /dev/null -X PUT -H "Authorization: token=$token2" \
	    -H 'Content-Type: application/json' \
	    --data-binary '{"data":{"password":"foreign"}}' \
	    "$STACK_ADDR$S/app/db"
	curl -sS -o "$COFFER_STATE/foreign.dump" \
	    -H "Authorization: token=$token2" "$STACK_ADDR$E"
	stack_forget_key "$state2"
	stack_stop "$state2"
	stack_pg_down "$state2" # its cluster, with PostgreSQL
	rm -rf "$state2"
	assertTrue "a foreign export" \
	    "grep -q '^#:count=[1-9]' '$COFFER_STATE/foreign.dump'"
	auth_json PUT $S/app/db '{"data":{"password":"mine"}}'
	import "$COFFER_STATE/foreign.dump"
	assert_status 400
	assert_schema path-error.json
	auth_req GET $S/app/db
	assert_json_eq .data.password mine
}

test_a_tampered_record_is_refused_and_changes_nothing() {
	tamper "$COFFER_STATE/export.dump" "$COFFER_STATE/tampered.dump"
	assertEquals "the same records" \
	    "$(grep -c '^#:len=' "$COFFER_STATE/export.dump")" \
	    "$(grep -c '^#:len=' "$COFFER_STATE/tampered.dump")"
	assertEquals "one line changed, the rest as exported" 1 \
	    "$(diff "$COFFER_STATE/export.dump" "$COFFER_STATE/tampered.dump" |
		grep -c '^>')"
	auth_json PUT $S/app/db '{"data":{"password":"kept"}}'
	import "$COFFER_STATE/tampered.dump"
	assert_status 400
	assert_schema path-error.json
	auth_req GET $S/app/db
	assert_json_eq .data.password kept
}

test_a_cut_short_export_is_refused() {
	grep -v '^#:count=' "$COFFER_STATE/export.dump" >"$COFFER_STATE/cut.dump"
	auth_json PUT $S/app/db '{"data":{"password":"kept"}}'
	import "$COFFER_STATE/cut.dump"
	assert_status 400
	head -n 20 "$COFFER_STATE/export.dump" >"$COFFER_STATE/cut.dump"
	import "$COFFER_STATE/cut.dump"
	assert_status 400
	auth_req GET $S/app/db
	assert_json_eq .data.password kept
}

test_garbled_bodies_are_refused() {
	printf 'not an export\n' >"$COFFER_STATE/garbled"
	import "$COFFER_STATE/garbled"
	assert_status 400
	assert_schema path-error.json
	sed 's/^#:len=\([0-9]*\)$/#:len=9\1/' "$COFFER_STATE/export.dump" \
	    >"$COFFER_STATE/garbled"
	import "$COFFER_STATE/garbled"
	assert_status 400
	: >"$COFFER_STATE/garbled"
	import "$COFFER_STATE/garbled"
	assert_status 400
}

test_import_with_another_content_type_answers_415() {
	auth_req POST $I -H 'Content-Type: application/json' \
	    --data-binary "@$COFFER_STATE/export.dump"
	assert_status 415
}

test_an_oversized_import_answers_413() {
	head -c $((33 * 1024 * 1024)) /dev/zero >"$COFFER_STATE/big"
	import "$COFFER_STATE/big"
	assert_status 413
	rm -f "$COFFER_STATE/big"
}

test_export_of_an_unknown_store_answers_404() {
	auth_req GET /coffer/v1/export/nowhere
	assert_status 404
	assert_schema path-error.json
}

test_export_and_import_without_a_token_answer_401() {
	req GET $E
	assert_status 401
	req POST $I -H 'Content-Type: application/octet-stream' \
	    --data-binary "@$COFFER_STATE/export.dump"
	assert_status 401
}

test_export_and_import_need_full_on_the_whole_store() {
	login reader
	grant reader 'dcos:secrets:default:%252F' read
	req GET $E -H "Authorization: token=$TOKEN"
	assert_status 403
	assert_schema path-error.json
	auth_json PUT $S/app/db '{"data":{"password":"unchanged"}}'
	req POST $I -H "Authorization: token=$TOKEN" \
	    -H 'Content-Type: application/octet-stream' \
	    --data-binary "@$COFFER_STATE/export.dump"
	assert_status 403
	auth_req GET $S/app/db
	assert_json_eq .data.password unchanged
}

test_a_full_grant_on_the_store_allows_export() {
	login operator
	grant operator 'dcos:secrets:default:%252F' full
	req GET $E -H "Authorization: token=$TOKEN"
	assert_status 200
	assertTrue "count line" "grep -qx '#:count=[0-9]*' '$BODY_FILE'"
}

test_cofferctl_export_then_import_round_trips_every_secret() {
	local f=$COFFER_STATE/ctl.export before versions old
	rm -f "$f"
	auth_json PUT $S/app/db '{"data":{"password":"ctl-pw-1"}}'
	auth_json PUT $S/app/db '{"data":{"password":"ctl-pw-2"}}'
	auth_json PUT $S/app/api/key '{"data":{"k":"ctl-key"}}'
	auth_json PUT $S/ctl/two '{"data":{"a":"1","b":"2"}}'
	before=$(names)
	ctl versions app/db
	versions=$OUT
	old=$(sed -n 2p <<<"$versions" | cut -f1)
	ctl export "$f"
	assertEquals "export: $ERR" 0 "$RC"
	assertEquals "exported the store default to $f" "$OUT"
	assertEquals "a file of mode 0600" 600 "$(stat -c %a "$f")"
	assertFalse "ciphertext only" "grep -q ctl-pw-2 '$f'"
	auth_req DELETE /secrets/v1/secret/default/app/db
	auth_json PUT $S/app/api/key '{"data":{"k":"changed"}}'
	auth_json PUT $S/ctl/later '{"data":{"k":"after the export"}}'
	ctl import "$f"
	assertEquals "import: $ERR" 0 "$RC"
	assertEquals default "$(jq -r .store <<<"$OUT")"
	assertEquals "$(wc -l <<<"$before")" "$(jq .secrets <<<"$OUT")"
	assertEquals "$(grep -c '^#:len=' "$f")" "$(($(jq .records <<<"$OUT") * 2))"
	assertEquals "the same names" "$before" "$(names)"
	auth_req GET $S/app/db
	assert_json_eq .data.password ctl-pw-2
	ctl versions app/db
	assertEquals "the same versions kept" "$versions" "$OUT"
	auth_req GET "/v1.0/secrets/default/app/db?metadata.version_id=$old"
	assert_json_eq .password ctl-pw-1
	auth_req GET $S/app/api/key
	assert_json_eq .data.k ctl-key
	auth_req GET $S/ctl/two
	assert_json_eq .data '{"a":"1","b":"2"}'
}

test_cofferctl_export_refuses_an_existing_file_and_leaves_it_as_it_was() {
	local f=$COFFER_STATE/ctl.kept
	printf 'an older export\n' >"$f"
	chmod 0644 "$f"
	ctl export "$f"
	assertEquals 1 "$RC"
	assertContains "$ERR" "File exists; nothing was written"
	assertEquals "an older export" "$(cat "$f")"
	assertEquals 644 "$(stat -c %a "$f")"
}

test_cofferctl_draws_a_bar_that_ends_at_100_percent_on_a_terminal() {
	local f=$COFFER_STATE/ctl.tty tty=$COFFER_STATE/ctl.typescript rc
	rm -f "$f"
	script -qec "'$COFFER_BUILD/tools/cofferctl' export '$f'" /dev/null \
	    >"$tty" 2>&1
	rc=$?
	assertEquals "export: $(cat "$tty")" 0 "$rc"
	assertContains "$(tr '\r' '\n' <"$tty" | grep '^export \[' | tail -n1)" \
	    "export [##############################] 100%"
	script -qec "'$COFFER_BUILD/tools/cofferctl' import '$f'" /dev/null \
	    >"$tty" 2>&1
	rc=$?
	assertEquals "import: $(cat "$tty")" 0 "$rc"
	assertContains "$(tr '\r' '\n' <"$tty" | grep '^import \[' | tail -n1)" \
	    "import [##############################] 100%"
}

test_cofferctl_without_a_terminal_writes_only_the_summary_on_stderr() {
	local f=$COFFER_STATE/ctl.quiet
	rm -f "$f"
	ctl export "$f"
	assertEquals "export: $ERR" 0 "$RC"
	assertEquals "one line" 1 "$(wc -l <"$COFFER_STATE/ctl.err")"
	assertTrue "the summary: $ERR" \
	    "grep -Eqx 'export: [0-9.]+ [KMG]?i?B in [0-9.]+ s \(.*/s\)' <<<'$ERR'"
	ctl import "$f"
	assertEquals "import: $ERR" 0 "$RC"
	assertEquals "one line" 1 "$(wc -l <"$COFFER_STATE/ctl.err")"
	assertTrue "the summary: $ERR" \
	    "grep -Eqx 'import: [0-9.]+ [KMG]?i?B in [0-9.]+ s \(.*/s\)' <<<'$ERR'"
}

test_cofferctl_says_a_bad_token_in_words_and_leaves_no_file() {
	local f=$COFFER_STATE/ctl.refused
	rm -f "$f"
	COFFER_TOKEN=not-a-token-xyzzy ctl export "$f"
	assertEquals 1 "$RC"
	assertContains "$ERR" "the server answered 401 Unauthorized"
	assertContains "$ERR" "is COFFER_TOKEN a valid token"
	assertNotContains "$ERR" xyzzy
	assertFalse "no file left" "[ -e '$f' ]"
	COFFER_TOKEN=not-a-token-xyzzy ctl import "$COFFER_STATE/export.dump"
	assertEquals 1 "$RC"
	assertContains "$ERR" "the server answered 401 Unauthorized"
	assertEquals "" "$OUT"
}

test_cofferctl_import_of_a_refused_export_says_why_and_changes_nothing() {
	tamper "$COFFER_STATE/export.dump" "$COFFER_STATE/ctl.tampered"
	auth_json PUT $S/app/db '{"data":{"password":"kept by ctl"}}'
	ctl import "$COFFER_STATE/ctl.tampered"
	assertEquals 1 "$RC"
	assertContains "$ERR" "cofferctl: import default: the server answered 400 Bad Request: "
	auth_req GET $S/app/db
	assert_json_eq .data.password "kept by ctl"
}

test_cofferctl_import_over_the_servers_limit_says_413_in_words() {
	head -c $((5 * 1024 * 1024)) /dev/zero >"$COFFER_STATE/ctl.big"
	ctl import "$COFFER_STATE/ctl.big"
	assertEquals "$ERR" 1 "$RC"
	assertContains "$ERR" "the server answered 413 Payload Too Large"
	assertContains "$ERR" "over the web server's or Coffer's limit"
	rm -f "$COFFER_STATE/ctl.big"
}

test_cofferctl_export_and_import_take_another_store() {
	local f=$COFFER_STATE/ctl.other
	rm -f "$f"
	ctl export --store other "$f"
	assertEquals "export: $ERR" 0 "$RC"
	ctl import --store other "$f"
	assertEquals "import: $ERR" 0 "$RC"
	assertEquals other "$(jq -r .store <<<"$OUT")"
	ctl export --store nowhere "$f.2"
	assertEquals 1 "$RC"
	assertContains "$ERR" "404 Not Found"
	ctl export --store 'no/such' "$f.2"
	assertEquals "a name no store has" 2 "$RC"
}

. /usr/share/shunit2/shunit2
