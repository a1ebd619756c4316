# Sourced by contrib/check and contrib/try: install what is missing.
#
#   crispin_ensure_deps PACKAGE...
#
# Each Debian package is checked with dpkg-query; only when one is missing
# does it run "apt-get update" and "apt-get install" (through sudo when not
# root). Service starts from package scripts (Dovecot's postinst) are
# suppressed with a temporary policy-rc.d: the tests run their own Dovecot
# on free ports and need no system one.

crispin_have_pkg() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

crispin_as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo -n "$@" 2>/dev/null || sudo "$@"
	else
		echo "crispin: need root (or sudo) to run: $*" >&2
		return 1
	fi
}

crispin_ensure_deps() {
	if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
		echo "crispin: not a Debian-like system; make sure these (or equivalents) are installed: $*" >&2
		return 0
	fi
	missing=
	for p in "$@"; do
		crispin_have_pkg "$p" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0

	echo "Installing missing packages:$missing"
	policy=/usr/sbin/policy-rc.d
	added_policy=no
	if [ ! -e "$policy" ]; then
		if crispin_as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"; then
			added_policy=yes
		fi
	fi
	rc=0
	export DEBIAN_FRONTEND=noninteractive
	crispin_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q || rc=$?
	if [ "$rc" -eq 0 ]; then
		# shellcheck disable=SC2086
		crispin_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends $missing </dev/null || rc=$?
	fi
	if [ "$added_policy" = yes ]; then
		crispin_as_root rm -f "$policy"
	fi
	if [ "$rc" -ne 0 ]; then
		echo "crispin: installing$missing failed (exit $rc)" >&2
		return "$rc"
	fi
	for p in $missing; do
		if ! crispin_have_pkg "$p"; then
			echo "crispin: package $p is still missing after apt-get install" >&2
			return 1
		fi
	done
	return 0
}

# Packages for building crispin, and for running its tests.
CRISPIN_BUILD_PKGS="build-essential autoconf automake pkg-config libgnutls28-dev libncurses-dev libsqlite3-dev zlib1g-dev"
CRISPIN_TEST_PKGS="dovecot-imapd openssl gnutls-bin python3 python3-aiosmtpd tmux clang slapd ldap-utils ncurses-term"
