#!/usr/bin/env bash
# tests/readme_steps.sh SERVER OUT: walk README.md's production steps for
# SERVER (lighttpd, apache-proxy, apache-fcgid) as written, on the fresh
# copy of the machine this runs in (tests/fresh.sh fresh_run; never run it
# on a real machine: it installs into /usr, /etc, /var).  Called by
# tests/suites/readme_install_test.sh, which asserts on OUT: one
# "NAME VALUE" line per step or check.
#
# The README's steps are the fenced blocks that follow a line
# "<!-- readme-test: TAG -->"; each is run with sh -e, from a tree with the
# repository's apache-conf/ and the build folder as build/.  What the README
# leaves to the operator's own tools is done here the way Debian does it:
# starting the server (what its init script or unit runs), and init and
# unseal (README, "Unsealing").
set -u
server=$1 out=$2
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${COFFER_BUILD:-$top/build}
. "$top/tools/stack.sh"
. "$top/tests/readme_blocks.sh"
: >"$out"
work=$COFFER_FRESH/tmp
tree=$work/tree
mkdir -p "$tree"
ln -s "$top/apache-conf" "$tree/apache-conf"
ln -s "$build" "$tree/build"

result() { echo "$1 $2" >>"$out"; }

# block TAG: the fenced block after the README's marker for TAG.
block() { readme_block "$top/README.md" "$1"; }

# steps NAME TAG...: run the blocks TAG... in one sh -e, from the tree;
# the result NAME is ok or failed (its output kept in $work/NAME.log).
steps() {
	local name=$1 tag script=
	shift
	for tag in "$@"; do
		script+=$(block "$tag")$'\n'
		[ -n "$(block "$tag")" ] || { result "$name" "no-block-$tag"; return 1; }
	done
	if (cd "$tree" && sh -e -c "$script") >"$work/$name.log" 2>&1; then
		result "$name" ok
		return 0
	fi
	result "$name" failed
	sed "s/^/$name: /" "$work/$name.log" >&2
	return 1
}

lighttpd_start() {
	# What Debian's lighttpd.service runs (daemonized here).
	lighttpd -tt -f /etc/lighttpd/lighttpd.conf >&2 &&
	    lighttpd -f /etc/lighttpd/lighttpd.conf
}

lighttpd_restart() {
	kill -TERM "$(cat /run/lighttpd.pid)"
	stack_wait_gone 50 "$(cat /run/lighttpd.pid)"
	lighttpd_start
}

# When a step fails, the server's log tells why.
server_log() {
	tail -n 20 /var/log/lighttpd/error.log /var/log/apache2/error.log \
	    /var/log/coffer/coffer.log 2>/dev/null >&2
}

case "$server" in
lighttpd) user=www-data setup=lighttpd tls=lighttpd-tls ;;
apache-proxy) user=coffer setup=apache-proxy tls=apache-tls ;;
apache-fcgid) user=www-data setup=apache-fcgid tls=apache-tls ;;
*) echo "readme_steps: unknown server $server" >&2; exit 2 ;;
esac

steps install install user-"$user" store "$setup" || exit 1
case "$server" in
lighttpd) lighttpd_start ;;
*) apache2ctl start ;;
esac
if ! stack_wait_http http://127.0.0.1/; then
	result start failed
	server_log
	exit 1
fi
result start ok

# Unsealing (README): init over loopback, one share.
if ! stack_init_unseal http://127.0.0.1 1 1 "$work/init.json"; then
	result unseal failed
	server_log
	exit 1
fi
result unseal ok
token=$STACK_TOKEN

COFFER_TOKEN=$token steps tls-cert tls-cert || exit 1
# Issued by the CA the README fetched, which is Coffer's.
result tls-cert-verify "$(openssl verify -CAfile /etc/coffer/tls/clients-ca.pem \
    /etc/coffer/tls/server.pem 2>&1 | sed 's/.*: //')"
stack_call GET http://127.0.0.1/ca/dcos-ca.crt "$work/ca.pem"
cmp -s "$work/ca.pem" /etc/coffer/tls/clients-ca.pem &&
    result tls-ca-is-coffers yes
result tls-key-mode "$(stat -c '%a %U' /etc/coffer/tls/server.key)"

steps tls "$tls" || exit 1
case "$server" in
lighttpd) lighttpd_restart ;;
*) apache2ctl graceful ;;
esac
for ((i = 0; i < 50; i++)); do
	curl -s -o /dev/null --cacert /etc/coffer/tls/clients-ca.pem \
	    https://127.0.0.1/ && break
	sleep 0.1
done

tmp=$work/body
stack_call PUT https://127.0.0.1/secrets/v1/secret/default/readme "$tmp" \
    --cacert /etc/coffer/tls/clients-ca.pem \
    -H "Authorization: token=$token" -H 'Content-Type: application/json' \
    --data-binary '{"value":"as-the-readme-says"}'
result tls-put "$STACK_STATUS"
stack_call GET https://127.0.0.1/secrets/v1/secret/default/readme "$tmp" \
    --cacert /etc/coffer/tls/clients-ca.pem -H "Authorization: token=$token"
result tls-get "$STACK_STATUS:$(jq -r .value "$tmp" 2>/dev/null)"
stack_call GET http://127.0.0.1/api/v1/secrets/readme "$tmp" \
    -H "Authorization: token=$token"
result plain-loopback-get "$STACK_STATUS:$(jq -r .data.value "$tmp" 2>/dev/null)"
[ "$STACK_STATUS" = 200 ] || server_log

# The cfssl CLI signs through Coffer (authsign) as the README shows.
steps cfssl-cli cfssl-cli || server_log
result cfssl-cli-sans "$(openssl x509 -in "$tree/svc.pem" -noout -ext \
    subjectAltName 2>/dev/null | tail -n 1 | tr -d ' ')"

result store-owner "$(stat -c '%a %U' /var/lib/coffer/coffer.db)"
result program-user "$(ps -o user= -C secrets | sort -u | paste -sd, -)"

# The store's key leaves the programs' user's keyring (it outlives us).
stack_call PUT http://127.0.0.1/secrets/v1/seal/default "$tmp" \
    -H "Authorization: token=$token"
result seal "$STACK_STATUS"
