#!/usr/bin/env bash
# Sensu's secret collections (docs/apis.md#sensu): GET
# namespaces/{ns}/secrets and /secrets, response filtering with
# labelSelector and fieldSelector, pagination with limit and continue.
. "$(dirname "$0")/../lib.sh"

V=/api/enterprise/secrets/v1
N=$V/namespaces/default/secrets

put_secret() { # put_secret NS NAME ID PROVIDER [LABELS-JSON]
	auth_json PUT "$V/namespaces/$1/secrets/$2" \
	    "{\"type\":\"Secret\",\"metadata\":{\"name\":\"$2\",\"labels\":${5:-{\}}},\"spec\":{\"id\":\"$3\",\"provider\":\"$4\"}}"
}

oneTimeSetUp() {
	coffer_server_start sensu_namespaces=default,dev,empty &&
	    coffer_init_unseal || return 1
	export COFFER_AUTH_HEADER="Authorization: Bearer $COFFER_TOKEN"
	put_secret default sensu-ansible-token secret/ansible#token ansible_vault
	put_secret default db-pass secret/db#pass vault '{"team":"db","region":"us-west-1"}'
	put_secret default web-key WEB_KEY env '{"team":"web"}'
	put_secret default app-linux-1 APP1 env '{"team":"web"}'
	put_secret dev dev-token DEV_TOKEN env
}
oneTimeTearDown() { coffer_server_stop; }

names() { assert_json_eq '[.[].metadata.name] | join(",")' "$1" "${2:-$LAST_REQ}"; }

test_the_list_is_an_array_of_the_namespace_secrets_by_name() {
	auth_req GET $N
	assert_status 200
	assert_schema sensu-secret-list.json
	names app-linux-1,db-pass,sensu-ansible-token,web-key
}

test_an_empty_namespace_lists_an_empty_array() {
	auth_req GET $V/namespaces/empty/secrets
	assert_status 200
	assert_json_eq . '[]'
}

test_an_unknown_namespace_answers_404() {
	auth_req GET $V/namespaces/nons/secrets
	assert_status 404
	assert_schema sensu-error.json
}

test_secrets_lists_across_namespaces() {
	auth_req GET $V/secrets
	assert_status 200
	assert_schema sensu-secret-list.json
	assert_json_eq '[.[] | .metadata.namespace + "/" + .metadata.name] | join(",")' \
	    default/app-linux-1,default/db-pass,default/sensu-ansible-token,default/web-key,dev/dev-token
}

test_field_selector_equality() {
	auth_req GET "$V/secrets" -G --data-urlencode 'fieldSelector=secret.provider == vault'
	assert_status 200
	names db-pass
}

test_field_selector_inequality_and_matches() {
	auth_req GET "$N" -G --data-urlencode 'fieldSelector=secret.provider != env && secret.name matches "token"'
	names sensu-ansible-token
}

test_field_selector_in_a_list() {
	auth_req GET "$V/secrets" -G --data-urlencode 'fieldSelector=secret.namespace in [dev,production]'
	names dev-token
	auth_req GET "$V/secrets" -G --data-urlencode 'fieldSelector=secret.namespace notin [dev]'
	names app-linux-1,db-pass,sensu-ansible-token,web-key
}

test_label_selector() {
	auth_req GET "$N" -G --data-urlencode 'labelSelector=team == web'
	names app-linux-1,web-key
	auth_req GET "$N" -G --data-urlencode 'labelSelector=region == "us-west-1"'
	names db-pass
	auth_req GET "$N" -G --data-urlencode 'labelSelector=team != web'
	names db-pass,sensu-ansible-token "!= holds when the label is absent"
}

test_label_and_field_selectors_combine() {
	auth_req GET "$N" -G --data-urlencode 'labelSelector=team == web' \
	    --data-urlencode 'fieldSelector=secret.name matches linux'
	names app-linux-1
}

test_repeated_selectors_are_anded() {
	auth_req GET "$N" -G --data-urlencode 'fieldSelector=secret.provider == env' \
	    --data-urlencode 'fieldSelector=secret.name matches linux'
	assert_status 200
	names app-linux-1
	auth_req GET "$N" -G --data-urlencode 'labelSelector=team in [db,web]' \
	    --data-urlencode 'labelSelector=region == "us-west-1"'
	assert_status 200
	names db-pass
}

test_an_empty_selector_selects_everything() {
	auth_req GET "$N?labelSelector=&fieldSelector="
	assert_status 200
	names app-linux-1,db-pass,sensu-ansible-token,web-key
}

test_a_malformed_repeated_selector_answers_400() {
	auth_req GET "$N" -G --data-urlencode 'labelSelector=team == web' \
	    --data-urlencode 'labelSelector=team'
	assert_status 400
	assert_schema sensu-error.json
	assert_json_eq .message "failed to parse labelSelector"
}

test_repeated_selectors_over_the_length_limit_answer_400() {
	local long
	long="secret.name matches $(printf 'x%.0s' $(seq 1 400))"
	auth_req GET "$N" -G --data-urlencode "fieldSelector=$long" \
	    --data-urlencode "fieldSelector=$long" --data-urlencode "fieldSelector=$long"
	assert_status 400
	assert_json_eq .message "failed to parse fieldSelector"
	auth_req GET "$N" -G --data-urlencode "fieldSelector=$long" \
	    --data-urlencode "fieldSelector=$long"
	assert_status 200 "two fit in the limit"
	assert_json_eq . '[]'
}

test_a_malformed_selector_answers_400() {
	auth_req GET "$N" -G --data-urlencode 'labelSelector=team'
	assert_status 400
	assert_schema sensu-error.json
	assert_json_eq .message "failed to parse labelSelector"
	auth_req GET "$N" -G --data-urlencode 'fieldSelector=secret.name == '
	assert_status 400
	assert_json_eq .message "failed to parse fieldSelector"
}

test_more_clauses_than_the_limit_answer_400() {
	local sel i
	sel='secret.name != x0'
	for i in $(seq 1 16); do sel="$sel && secret.name != x$i"; done
	auth_req GET "$N" -G --data-urlencode "fieldSelector=$sel"
	assert_status 400 "17 clauses"
	assert_schema sensu-error.json
	assert_json_eq .message "failed to parse fieldSelector"
	sel=${sel% && secret.name != x16}
	auth_req GET "$N" -G --data-urlencode "fieldSelector=$sel"
	assert_status 200 "16 clauses"
	assert_json_eq length 4
}

test_a_trailing_and_or_an_unclosed_list_answers_400() {
	local sel
	for sel in 'secret.name == db-pass &&' '&& secret.name == db-pass' \
	    'secret.namespace in [dev,production' 'secret.namespace in dev]' \
	    'secret.name = db-pass' 'secret.name == "db-pass" && && secret.name == x'; do
		auth_req GET "$N" -G --data-urlencode "fieldSelector=$sel"
		assert_status 400 "fieldSelector=$sel"
		assert_json_eq .message "failed to parse fieldSelector"
	done
}

test_an_unknown_field_matches_nothing() {
	auth_req GET "$N" -G --data-urlencode 'fieldSelector=secret.nope == x'
	assert_status 200
	assert_json_eq . '[]'
	auth_req GET "$N" -G --data-urlencode 'fieldSelector=secret.nope != x'
	assert_json_eq length 4 "!= holds when the field is absent"
}

test_a_negative_or_huge_limit_is_no_limit() {
	local l
	for l in -1 0 99999999999999999999; do
		auth_req GET "$N?limit=$l"
		assert_status 200 "limit=$l"
		assert_json_eq length 4
		header Sensu-Continue >/dev/null
		assertFalse "limit=$l: no continue header" $?
	done
}

test_a_continue_token_past_the_end_answers_an_empty_page() {
	local tok
	tok=$(printf zzz | base64 | tr '+/' '-_' | tr -d '=')
	auth_req GET "$N?continue=$tok"
	assert_status 200
	assert_json_eq . '[]'
}

test_a_namespace_with_an_encoded_slash_answers_400_in_the_sensu_shape() {
	auth_req GET "$V/namespaces/default%2Fx/secrets"
	assert_status 400
	assert_schema sensu-error.json
	assert_json_eq .code 1
}

test_the_providers_list_refuses_bad_selectors_and_tokens() {
	auth_req GET "$V/providers?continue=@@"
	assert_status 400
	assert_schema sensu-error.json
	auth_req GET "$V/providers" -G --data-urlencode 'fieldSelector=provider.name'
	assert_status 400
	assert_json_eq .message "failed to parse fieldSelector"
}

test_too_many_query_parameters_answer_400_in_the_sensu_shape() {
	local q
	q=$(seq 1 65 | sed 's/^/p/; s/$/=1/' | paste -sd'&' -)
	auth_req GET "$N?$q"
	assert_status 400
	assert_schema sensu-error.json
}

test_limit_pages_with_the_sensu_continue_header() {
	local tok
	auth_req GET "$N?limit=3"
	assert_status 200
	names app-linux-1,db-pass,sensu-ansible-token
	assert_header Sensu-Continue '^[A-Za-z0-9_-]+$'
	tok=$(header Sensu-Continue)
	auth_req GET "$N?limit=3&continue=$tok"
	assert_status 200
	names web-key
	header Sensu-Continue >/dev/null
	assertFalse "no header on the last page" $?
}

test_limit_counts_only_what_the_filter_keeps() {
	local tok
	auth_req GET "$N?limit=1" -G --data-urlencode 'labelSelector=team == web'
	names app-linux-1
	tok=$(header Sensu-Continue)
	auth_req GET "$N?limit=1&continue=$tok" -G --data-urlencode 'labelSelector=team == web'
	names web-key
}

test_a_limit_that_is_not_a_number_is_no_limit() {
	auth_req GET "$N?limit=abc"
	assert_status 200
	assert_json_eq length 4
}

test_a_bad_continue_token_answers_400() {
	local tok
	# Not base64url; padded (Sensu's tokens have none); control bytes.
	for tok in @@@@ YQ%3D%3D AAEC; do
		auth_req GET "$N?continue=$tok"
		assert_status 400 "continue=$tok"
		assert_schema sensu-error.json
		assert_json_eq .message "invalid continue token"
	done
}

test_a_subject_without_the_list_grant_gets_403() {
	local tok
	auth_json PUT /acs/api/v1/users/viewer '{"password":"pw-viewer-1"}'
	json_req POST /acs/api/v1/auth/login '{"uid":"viewer","password":"pw-viewer-1"}'
	tok=$(jq -r .token "$BODY_FILE")
	req GET $N -H "Authorization: Bearer $tok"
	assert_status 403
	assert_json_eq .Code 4
}

. /usr/share/shunit2/shunit2
