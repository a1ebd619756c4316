#!/bin/sh
# Layers point down only: each src/ folder may include the headers of the
# layers below it, never above, and only src/ui/screen.c may include curses.
# Prints one line per violation and "N passed, N failed" (one case per file).
srcdir=${srcdir:-$(dirname "$0")/../..}
cd "$srcdir" || exit 1

# The layer of each header in include/crispin/.
header_layer() {
	case $1 in
	xalloc.h|buf.h|arena.h|log.h|err.h|base64.h|json.h|str.h|datetime.h|fdio.h) echo lib ;;
	event.h|conn.h|sasl.h|netmeter.h) echo net ;;
	imap_*.h) echo imap ;;
	smtp_*.h) echo smtp ;;
	mime*.h|mailcap.h) echo mime ;;
	store*.h) echo store ;;
	mail*.h) echo mail ;;
	config*.h) echo config ;;
	cli*.h) echo cli ;;
	ui*.h) echo ui ;;
	*) echo unknown ;;
	esac
}

# What each layer may include.
allowed() {
	case $1 in
	lib) echo "lib" ;;
	config) echo "lib config" ;;
	net) echo "lib net" ;;
	mime) echo "lib mime" ;;
	imap|smtp) echo "lib net mime imap smtp" ;;
	store) echo "lib net mime imap smtp store" ;;
	mail) echo "lib net mime imap smtp store config mail" ;;
	cli) echo "lib net mime imap smtp store config mail cli" ;;
	# The UI runs on the session helpers the commands use (cli_session_*).
	ui) echo "lib net mime imap smtp store config mail cli ui" ;;
	*) echo "" ;;
	esac
}

passed=0
failed=0
for f in $(find src -name '*.c' -o -name '*.h' | sort); do
	dir=$(echo "$f" | cut -d/ -f2)
	case $dir in
	*.c) continue ;;	# src/main.c may use everything
	esac
	ok=1
	for h in $(sed -n 's/^#include "crispin\/\([^"]*\)".*/\1/p' "$f"); do
		layer=$(header_layer "$h")
		case " $(allowed "$dir") " in
		*" $layer "*) ;;
		*) echo "FAIL - $f includes crispin/$h (layer $layer) from layer $dir"; ok=0 ;;
		esac
	done
	if [ "$dir" != ui ] && grep -Eq '#include <(n?curses|ncursesw/)' "$f"; then
		echo "FAIL - $f includes curses outside src/ui"
		ok=0
	fi
	# One funnel to the terminal: sanitising and width live there.
	if [ "$dir" = ui ] && [ "$f" != src/ui/screen.c ] &&
	    grep -Eq '#include <(n?curses|ncursesw/)' "$f"; then
		echo "FAIL - $f includes curses; only src/ui/screen.c may"
		ok=0
	fi
	if [ $ok = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
[ $failed = 0 ]
