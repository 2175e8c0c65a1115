#!/usr/bin/env bash
# The manual is the tool's: cofferctl(1) is built from `cofferctl --help`
# (man/mkman), coffer.conf(5) describes exactly the settings of
# common/base/config.c's table, both render without a warning, and the
# bash completion (tools/completion/cofferctl) offers what the help lists;
# docs/routes.md is what the built programs say they answer, and every
# route it shows without a credential is one docs/security.md lists among
# the public endpoints, so none is public unlooked.
# Each check fails when its tool is missing rather than pass unlooked.
. "$(dirname "$0")/../lib.sh"

CTL=$COFFER_BUILD/tools/cofferctl
PAGE1=$COFFER_BUILD/man/cofferctl.1
PAGE5=$COFFER_TOP/man/coffer.conf.5

# The commands as the help lists them, one a line.
commands() { "$CTL" --help | awk '/^  [a-z]/ { print $1 }'; }

# groff's warnings for a page (none is empty).
warnings() { LC_ALL=C.UTF-8 groff -man -ww -z "$1" 2>&1; }

# complete WORD...: what the completion offers for the last word, one a
# line, sorted.
complete_words() {
	(
		# shellcheck source=tools/completion/cofferctl
		. "$COFFER_TOP/tools/completion/cofferctl"
		COMP_WORDS=("$CTL" "$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMPREPLY=()
		cd "$COFFER_TOP" && _cofferctl
		printf '%s\n' "${COMPREPLY[@]}" | sort
	)
}

test_the_pages_render_without_a_warning() {
	command -v groff >/dev/null ||
	    { fail "groff is not installed (tools/dev installs it)"; return; }
	assertTrue "cofferctl.1 is built" "[ -s $PAGE1 ]"
	assertEquals "cofferctl.1" "" "$(warnings "$PAGE1")"
	assertEquals "coffer.conf.5" "" "$(warnings "$PAGE5")"
}

test_cofferctl_1_is_the_help_of_the_tool_built_beside_it() {
	local fresh
	fresh=$(sh "$COFFER_TOP/man/mkman" "$CTL" \
	    "$COFFER_TOP/man/cofferctl.1.in")
	assertEquals "the built page is up to date" "$fresh" "$(cat "$PAGE1")"
	for cmd in $(commands); do
		grep -qF -- "\\fB${cmd//-/\\-}\\fR" "$PAGE1" ||
		    fail "cofferctl.1 lacks the command $cmd"
	done
	assertNotNull "the help lists commands" "$(commands)"
}

test_coffer_conf_5_describes_every_setting_and_no_other() {
	local table page
	table=$(sed -nE 's/^ +\{"([a-z_0-9]+)", SET_.*/\1/p' \
	    "$COFFER_TOP/common/base/config.c" | sort)
	page=$(awk 'prev == ".TP" && $1 == ".B" { print $2 } { prev = $0 }' \
	    "$PAGE5" | sort)
	assertNotNull "the table has settings" "$table"
	assertEquals "the settings of the page" "$table" "$page"
}

test_docs_routes_md_is_what_the_programs_answer() {
	local fresh
	fresh=$(bash "$COFFER_TOP/tools/routes-doc" "$COFFER_BUILD")
	assertNotNull "the programs print their routes" "$fresh"
	assertEquals "docs/routes.md is up to date (make routes-doc)" \
	    "$fresh" "$(cat "$COFFER_TOP/docs/routes.md")"
}

test_completion_offers_the_commands_of_the_help() {
	assertEquals "every command, and help" \
	    "$( (commands; echo help) | sort)" "$(complete_words '')"
	assertEquals "a prefix" "$(commands | grep '^user-' | sort)" \
	    "$(complete_words us)"
	assertEquals "after help" "$(commands | grep '^sa-' | sort)" \
	    "$(complete_words help sa-)"
}

test_completion_offers_a_commands_options_and_files_for_a_file_option() {
	assertEquals "token's options" "$(printf '%s\n' --lifetime --share-file)" \
	    "$(complete_words token --)"
	assertEquals "the global options after -v" "-c" \
	    "$(complete_words -v -c | head -1)"
	assertEquals "a file for --share-file" "man/mkman" \
	    "$(complete_words token --share-file man/mk)"
	assertEquals "a file for -c" "man/coffer.conf.5" \
	    "$(complete_words -c man/coffer.c)"
}

test_every_public_route_is_listed_among_the_public_endpoints() {
	local listed path missing=''
	listed=$(sed -n '/^## Public endpoints/,/^## /p' \
	    "$COFFER_TOP/docs/security.md")
	assertNotNull "docs/security.md has its public endpoints" "$listed"
	while read -r path; do
		[[ $listed == *"$path"* ]] || missing+=" $path"
	done < <(awk -F'`' '/\| none \|/ { print $2 }' \
	    "$COFFER_TOP/docs/routes.md" | sort -u)
	assertEquals "public routes docs/security.md does not list" "" \
	    "$missing"
}

. /usr/share/shunit2/shunit2
