/*
 * Key maps: the function table (mutt's names wherever mutt has the same
 * thing), the default bindings, and bind/unbind/macro. The UI asks
 * keymap_lookup; the help screen iterates keymap_bindings.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "crispin/config_keymap.h"
#include "crispin/str.h"
#include "crispin/xalloc.h"
#include "config_p.h"

#define MG	(1u << KEYMAP_GENERIC)
#define MI	(1u << KEYMAP_INDEX)
#define MP	(1u << KEYMAP_PAGER)
#define MA	(1u << KEYMAP_ATTACH)
#define MB	(1u << KEYMAP_BROWSER)
#define MC	(1u << KEYMAP_COMPOSE)
#define ME	(1u << KEYMAP_EDITOR)
#define MALL	(MG | MI | MP | MA | MB | MC | ME)

struct keymap {
	struct keymap_binding	*b[KEYMAP_NMAPS];	/* owned */
	size_t			 n[KEYMAP_NMAPS];
};

static void binding_free(struct keymap_binding *);
static bool seq_eq(const struct key_seq *, const struct key_seq *);
static bool seq_prefix(const struct key_seq *, const int *, size_t);
static bool binding_eq(const struct keymap_binding *, const struct keymap_binding *);
static enum keymap_result lookup_map(const struct keymap *, enum keymap_map,
    const int *, size_t, const struct keymap_binding **);
static int parse_maps(const char *, unsigned *, char **);
static char *unknown_function(enum keymap_map, const char *);
static void dump_binding(const char *, const struct keymap_binding *, struct buf *);

static const struct {
	const char	*name;
	bool		 generic;	/* falls back to generic */
} maps[KEYMAP_NMAPS] = {
	[KEYMAP_GENERIC] = { "generic", false },
	[KEYMAP_INDEX] = { "index", true },
	[KEYMAP_PAGER] = { "pager", false },
	[KEYMAP_ATTACH] = { "attach", true },
	[KEYMAP_BROWSER] = { "browser", true },
	[KEYMAP_COMPOSE] = { "compose", true },
	[KEYMAP_EDITOR] = { "editor", false },
};

static const struct keymap_function functions[] = {
	/* Moving and menus. */
	{ "noop", MALL, "do nothing (binding a key to noop disables it)" },
	{ "next-entry", MG | MP, "move to the next entry" },
	{ "previous-entry", MG | MP, "move to the previous entry" },
	{ "first-entry", MG, "move to the first entry" },
	{ "last-entry", MG, "move to the last entry" },
	{ "next-page", MG | MP, "move to the next page" },
	{ "previous-page", MG | MP, "move to the previous page" },
	{ "half-down", MG | MP, "scroll down half a page" },
	{ "half-up", MG | MP, "scroll up half a page" },
	{ "next-line", MG | MP, "scroll down one line" },
	{ "previous-line", MG | MP, "scroll up one line" },
	{ "top-page", MG, "move to the top of the page" },
	{ "middle-page", MG, "move to the middle of the page" },
	{ "bottom-page", MG, "move to the bottom of the page" },
	{ "top", MP, "jump to the top of the message" },
	{ "bottom", MP, "jump to the bottom of the message" },
	{ "jump", MG, "jump to an entry by number" },
	{ "select-entry", MG, "open the selected entry" },
	{ "exit", MALL & ~ME, "leave this screen" },
	{ "quit", MI | MP, "save changes and quit" },
	{ "help", MG | MP, "show the bindings of this screen" },
	{ "enter-command", MG | MP, "run an rc command" },
	{ "refresh", MG | MP, "redraw the screen" },
	{ "shell-escape", MG | MP, "run a shell command" },
	{ "what-key", MG | MP, "name the next key and the function it runs" },
	{ "search", MG | MP, "search forward" },
	{ "search-reverse", MG | MP, "search backward" },
	{ "search-next", MG | MP, "repeat the last search" },
	{ "search-opposite", MG | MP, "repeat the last search the other way" },
	{ "tag-entry", MG | MP, "tag the current entry" },
	{ "tag-prefix", MG | MP, "apply the next function to the tagged entries" },
	/* The index, and the pager on the message it shows. */
	{ "display-message", MI, "show the message" },
	{ "change-folder", MI | MP, "open another folder" },
	{ "change-folder-readonly", MI | MP, "open another folder read-only" },
	{ "browse-mailboxes", MI | MP, "open the folder browser" },
	{ "next-account", MI | MP, "switch to the next account" },
	{ "delete-message", MI | MP, "delete the message" },
	{ "undelete-message", MI | MP, "undelete the message" },
	{ "delete-thread", MI | MP, "delete every message of the thread" },
	{ "undelete-thread", MI | MP, "undelete every message of the thread" },
	{ "delete-subthread", MI | MP, "delete the messages of the subthread" },
	{ "delete-pattern", MI, "delete the messages matching a pattern" },
	{ "undelete-pattern", MI, "undelete the messages matching a pattern" },
	{ "save-message", MI | MP, "move the message to a folder" },
	{ "copy-message", MI | MP, "copy the message to a folder" },
	{ "archive-message", MI | MP, "move the message to the archive folder" },
	{ "sync-mailbox", MI | MP, "apply deletions and other changes to the server" },
	{ "toggle-new", MI | MP, "toggle the message's unread state" },
	{ "flag-message", MI | MP, "toggle the message's flagged state" },
	{ "set-flag", MI | MP, "set a flag or keyword" },
	{ "clear-flag", MI | MP, "clear a flag or keyword" },
	{ "read-thread", MI | MP, "mark the thread read" },
	{ "read-subthread", MI | MP, "mark the subthread read" },
	{ "tag-pattern", MI, "tag the messages matching a pattern" },
	{ "untag-pattern", MI, "untag the messages matching a pattern" },
	{ "tag-thread", MI | MP, "tag the thread" },
	{ "limit", MI, "show only the messages matching a pattern" },
	{ "show-limit", MI, "show the current limit pattern" },
	{ "sort-mailbox", MI | MP, "sort the messages" },
	{ "sort-reverse", MI | MP, "sort the messages in reverse order" },
	{ "next-undeleted", MI | MP, "move to the next undeleted message" },
	{ "previous-undeleted", MI | MP, "move to the previous undeleted message" },
	{ "next-unread", MI | MP, "move to the next unread message" },
	{ "previous-unread", MI | MP, "move to the previous unread message" },
	{ "next-new", MI | MP, "move to the next new message" },
	{ "previous-new", MI | MP, "move to the previous new message" },
	{ "next-new-then-unread", MI | MP, "move to the next new, else unread, message" },
	{ "next-unread-mailbox", MI | MP, "open the next folder with new mail" },
	{ "next-thread", MI | MP, "move to the next thread" },
	{ "previous-thread", MI | MP, "move to the previous thread" },
	{ "next-subthread", MI | MP, "move to the next subthread" },
	{ "previous-subthread", MI | MP, "move to the previous subthread" },
	{ "parent-message", MI | MP, "move to the parent message" },
	{ "collapse-thread", MI, "collapse or expand the thread" },
	{ "collapse-all", MI, "collapse or expand every thread" },
	{ "view-attachments", MI | MP, "show the attachments" },
	{ "display-toggle-weed", MI | MP | MA, "show or hide the ignored header fields" },
	{ "display-address", MI | MP, "show the sender's full address" },
	{ "pipe-message", MI | MP, "pipe the message to a command" },
	{ "print-message", MI | MP, "print the message" },
	{ "reply", MI | MP | MA, "reply to the sender" },
	{ "group-reply", MI | MP | MA, "reply to every recipient" },
	{ "list-reply", MI | MP | MA, "reply to the mailing list" },
	{ "forward-message", MI | MP | MA, "forward the message" },
	{ "bounce-message", MI | MP | MA, "resend the message to another address" },
	{ "mail", MI | MP, "compose a new message" },
	{ "recall-message", MI | MP, "continue a postponed message" },
	{ "query", MI, "look up addresses with query_command" },
	{ "edit", MI | MP, "edit the raw message" },
	{ "toggle-write", MI, "toggle whether the folder is read-only" },
	{ "imap-fetch-mail", MI, "check the server for new mail now" },
	{ "sidebar-toggle-visible", MI | MP, "show or hide the sidebar" },
	{ "sidebar-next", MI | MP, "highlight the next folder in the sidebar" },
	{ "sidebar-prev", MI | MP, "highlight the previous folder in the sidebar" },
	{ "sidebar-open", MI | MP, "open the highlighted folder" },
	/* The pager's own. */
	{ "toggle-quoted", MP, "show or hide quoted text" },
	{ "skip-quoted", MP, "skip past quoted text" },
	{ "list-urls", MP, "list the URLs of the message to open one" },
	/* Attachments. */
	{ "view-attach", MA | MC, "view the attachment, through mailcap if needed" },
	{ "view-mailcap", MA, "view the attachment with its mailcap entry" },
	{ "view-text", MA, "view the attachment as text" },
	{ "save-entry", MA, "save the attachment to a file" },
	{ "pipe-entry", MA, "pipe the attachment to a command" },
	{ "print-entry", MA, "print the attachment" },
	{ "collapse-parts", MA, "collapse or expand the parts below this one" },
	/* The folder browser. */
	{ "subscribe", MB, "subscribe to the folder" },
	{ "unsubscribe", MB, "unsubscribe from the folder" },
	{ "toggle-subscribed", MB, "show all folders or subscribed ones only" },
	{ "create-mailbox", MB, "create a folder" },
	{ "rename-mailbox", MB, "rename the folder" },
	{ "delete-mailbox", MB, "delete the folder" },
	{ "check-new", MB, "refresh the message counts" },
	{ "goto-parent", MB, "go to the parent folder" },
	{ "enter-mask", MB, "show only folders matching a pattern" },
	{ "sort", MB, "sort the folders" },
	/* Composing. */
	{ "send-message", MC, "send the message" },
	{ "edit-message", MC, "edit the message text" },
	{ "edit-headers", MC, "edit the message with its headers" },
	{ "edit-from", MC, "edit the From field" },
	{ "edit-to", MC, "edit the To field" },
	{ "edit-cc", MC, "edit the Cc field" },
	{ "edit-bcc", MC, "edit the Bcc field" },
	{ "edit-subject", MC, "edit the Subject" },
	{ "edit-reply-to", MC, "edit the Reply-To field" },
	{ "edit-fcc", MC, "edit the folder the sent copy goes to" },
	{ "attach-file", MC, "attach a file" },
	{ "attach-message", MC, "attach messages from a folder" },
	{ "detach-file", MC, "remove the attachment" },
	{ "rename-attachment", MC, "change the file name the attachment is sent with" },
	{ "edit-type", MC, "edit the attachment's content type" },
	{ "edit-description", MC, "edit the attachment's description" },
	{ "postpone-message", MC, "save the message to finish later" },
	{ "ispell", MC, "spell-check the message" },
	/* The line editor. */
	{ "bol", ME, "move to the start of the line" },
	{ "eol", ME, "move to the end of the line" },
	{ "backward-char", ME, "move one character left" },
	{ "forward-char", ME, "move one character right" },
	{ "backward-word", ME, "move one word left" },
	{ "forward-word", ME, "move one word right" },
	{ "backspace", ME, "delete the character before the cursor" },
	{ "delete-char", ME, "delete the character under the cursor" },
	{ "kill-eol", ME, "delete to the end of the line" },
	{ "kill-eow", ME, "delete to the end of the word" },
	{ "kill-line", ME, "delete the whole line" },
	{ "kill-word", ME, "delete the word before the cursor" },
	{ "capitalize-word", ME, "capitalize the word" },
	{ "upcase-word", ME, "upper-case the word" },
	{ "downcase-word", ME, "lower-case the word" },
	{ "transpose-chars", ME, "swap the two characters before the cursor" },
	{ "complete", ME, "complete a folder, file, option or command name" },
	{ "complete-query", ME, "complete an address with query_command" },
	{ "quote-char", ME, "insert the next key literally" },
	{ "history-up", ME, "recall the previous entry of the history" },
	{ "history-down", ME, "recall the next entry of the history" },
	{ "history-search", ME, "search the history" },
};
#define NFUNCTIONS (sizeof functions / sizeof functions[0])

/* The default bindings: mutt's, with the keys listed in issue 5. */
static const struct {
	enum keymap_map	 map;
	const char	*keys;
	const char	*function;
} default_bindings[] = {
	{ KEYMAP_GENERIC, "j", "next-entry" },
	{ KEYMAP_GENERIC, "<Down>", "next-entry" },
	{ KEYMAP_GENERIC, "k", "previous-entry" },
	{ KEYMAP_GENERIC, "<Up>", "previous-entry" },
	{ KEYMAP_GENERIC, "=", "first-entry" },
	{ KEYMAP_GENERIC, "<Home>", "first-entry" },
	{ KEYMAP_GENERIC, "*", "last-entry" },
	{ KEYMAP_GENERIC, "<End>", "last-entry" },
	{ KEYMAP_GENERIC, "<PageDown>", "next-page" },
	{ KEYMAP_GENERIC, "<Right>", "next-page" },
	{ KEYMAP_GENERIC, ">", "next-page" },
	{ KEYMAP_GENERIC, "<PageUp>", "previous-page" },
	{ KEYMAP_GENERIC, "<Left>", "previous-page" },
	{ KEYMAP_GENERIC, "<", "previous-page" },
	{ KEYMAP_GENERIC, "]", "half-down" },
	{ KEYMAP_GENERIC, "[", "half-up" },
	{ KEYMAP_GENERIC, "H", "top-page" },
	{ KEYMAP_GENERIC, "M", "middle-page" },
	{ KEYMAP_GENERIC, "L", "bottom-page" },
	{ KEYMAP_GENERIC, "<Enter>", "select-entry" },
	{ KEYMAP_GENERIC, "q", "exit" },
	{ KEYMAP_GENERIC, "?", "help" },
	{ KEYMAP_GENERIC, ":", "enter-command" },
	{ KEYMAP_GENERIC, "^L", "refresh" },
	{ KEYMAP_GENERIC, "!", "shell-escape" },
	{ KEYMAP_GENERIC, "/", "search" },
	{ KEYMAP_GENERIC, "<Esc>/", "search-reverse" },
	{ KEYMAP_GENERIC, "n", "search-next" },
	{ KEYMAP_GENERIC, "t", "tag-entry" },
	{ KEYMAP_GENERIC, ";", "tag-prefix" },

	{ KEYMAP_INDEX, "<Enter>", "display-message" },
	{ KEYMAP_INDEX, "<Space>", "display-message" },
	{ KEYMAP_INDEX, "q", "quit" },
	{ KEYMAP_INDEX, "x", "exit" },
	{ KEYMAP_INDEX, "d", "delete-message" },
	{ KEYMAP_INDEX, "u", "undelete-message" },
	{ KEYMAP_INDEX, "^D", "delete-thread" },
	{ KEYMAP_INDEX, "^U", "undelete-thread" },
	{ KEYMAP_INDEX, "<Esc>d", "delete-subthread" },
	{ KEYMAP_INDEX, "D", "delete-pattern" },
	{ KEYMAP_INDEX, "U", "undelete-pattern" },
	{ KEYMAP_INDEX, "$", "sync-mailbox" },
	{ KEYMAP_INDEX, "s", "save-message" },
	{ KEYMAP_INDEX, "C", "copy-message" },
	{ KEYMAP_INDEX, "N", "toggle-new" },
	{ KEYMAP_INDEX, "F", "flag-message" },
	{ KEYMAP_INDEX, "w", "set-flag" },
	{ KEYMAP_INDEX, "W", "clear-flag" },
	{ KEYMAP_INDEX, "^R", "read-thread" },
	{ KEYMAP_INDEX, "<Esc>r", "read-subthread" },
	{ KEYMAP_INDEX, "T", "tag-pattern" },
	{ KEYMAP_INDEX, "^T", "untag-pattern" },
	{ KEYMAP_INDEX, "<Esc>t", "tag-thread" },
	{ KEYMAP_INDEX, "l", "limit" },
	{ KEYMAP_INDEX, "o", "sort-mailbox" },
	{ KEYMAP_INDEX, "O", "sort-reverse" },
	{ KEYMAP_INDEX, "c", "change-folder" },
	{ KEYMAP_INDEX, "<Esc>c", "change-folder-readonly" },
	{ KEYMAP_INDEX, "y", "browse-mailboxes" },
	{ KEYMAP_INDEX, "B", "sidebar-toggle-visible" },
	{ KEYMAP_INDEX, "<Tab>", "next-new-then-unread" },
	{ KEYMAP_INDEX, "^N", "next-thread" },
	{ KEYMAP_INDEX, "^P", "previous-thread" },
	{ KEYMAP_INDEX, "<Esc>n", "next-subthread" },
	{ KEYMAP_INDEX, "<Esc>p", "previous-subthread" },
	{ KEYMAP_INDEX, "P", "parent-message" },
	{ KEYMAP_INDEX, "<Esc>v", "collapse-thread" },
	{ KEYMAP_INDEX, "<Esc>V", "collapse-all" },
	{ KEYMAP_INDEX, "v", "view-attachments" },
	{ KEYMAP_INDEX, "h", "display-toggle-weed" },
	{ KEYMAP_INDEX, "@", "display-address" },
	{ KEYMAP_INDEX, "|", "pipe-message" },
	{ KEYMAP_INDEX, "p", "print-message" },
	{ KEYMAP_INDEX, "r", "reply" },
	{ KEYMAP_INDEX, "g", "group-reply" },
	{ KEYMAP_INDEX, "L", "list-reply" },
	{ KEYMAP_INDEX, "f", "forward-message" },
	{ KEYMAP_INDEX, "b", "bounce-message" },
	{ KEYMAP_INDEX, "m", "mail" },
	{ KEYMAP_INDEX, "R", "recall-message" },
	{ KEYMAP_INDEX, "Q", "query" },
	{ KEYMAP_INDEX, "e", "edit" },
	{ KEYMAP_INDEX, "%", "toggle-write" },
	{ KEYMAP_INDEX, "G", "imap-fetch-mail" },
	{ KEYMAP_INDEX, "a", "archive-message" },
	{ KEYMAP_INDEX, "<Esc>a", "next-account" },

	{ KEYMAP_PAGER, "q", "exit" },
	{ KEYMAP_PAGER, "i", "exit" },
	{ KEYMAP_PAGER, "x", "exit" },
	{ KEYMAP_PAGER, "Q", "quit" },
	{ KEYMAP_PAGER, "<Space>", "next-page" },
	{ KEYMAP_PAGER, "<PageDown>", "next-page" },
	{ KEYMAP_PAGER, "-", "previous-page" },
	{ KEYMAP_PAGER, "<PageUp>", "previous-page" },
	{ KEYMAP_PAGER, "<Enter>", "next-line" },
	{ KEYMAP_PAGER, "<Down>", "next-line" },
	{ KEYMAP_PAGER, "<Up>", "previous-line" },
	{ KEYMAP_PAGER, "<Backspace>", "previous-line" },
	{ KEYMAP_PAGER, "]", "half-down" },
	{ KEYMAP_PAGER, "[", "half-up" },
	{ KEYMAP_PAGER, "^", "top" },
	{ KEYMAP_PAGER, "<Home>", "top" },
	{ KEYMAP_PAGER, "<End>", "bottom" },
	{ KEYMAP_PAGER, "j", "next-undeleted" },
	{ KEYMAP_PAGER, "k", "previous-undeleted" },
	{ KEYMAP_PAGER, "J", "next-entry" },
	{ KEYMAP_PAGER, "K", "previous-entry" },
	{ KEYMAP_PAGER, "<Tab>", "next-new-then-unread" },
	{ KEYMAP_PAGER, "^N", "next-thread" },
	{ KEYMAP_PAGER, "^P", "previous-thread" },
	{ KEYMAP_PAGER, "/", "search" },
	{ KEYMAP_PAGER, "<Esc>/", "search-reverse" },
	{ KEYMAP_PAGER, "n", "search-next" },
	{ KEYMAP_PAGER, "T", "toggle-quoted" },
	{ KEYMAP_PAGER, "S", "skip-quoted" },
	{ KEYMAP_PAGER, "^B", "list-urls" },
	{ KEYMAP_PAGER, "h", "display-toggle-weed" },
	{ KEYMAP_PAGER, "@", "display-address" },
	{ KEYMAP_PAGER, "d", "delete-message" },
	{ KEYMAP_PAGER, "u", "undelete-message" },
	{ KEYMAP_PAGER, "$", "sync-mailbox" },
	{ KEYMAP_PAGER, "s", "save-message" },
	{ KEYMAP_PAGER, "C", "copy-message" },
	{ KEYMAP_PAGER, "a", "archive-message" },
	{ KEYMAP_PAGER, "N", "toggle-new" },
	{ KEYMAP_PAGER, "F", "flag-message" },
	{ KEYMAP_PAGER, "w", "set-flag" },
	{ KEYMAP_PAGER, "W", "clear-flag" },
	{ KEYMAP_PAGER, "t", "tag-entry" },
	{ KEYMAP_PAGER, "c", "change-folder" },
	{ KEYMAP_PAGER, "y", "browse-mailboxes" },
	{ KEYMAP_PAGER, "B", "sidebar-toggle-visible" },
	{ KEYMAP_PAGER, "v", "view-attachments" },
	{ KEYMAP_PAGER, "|", "pipe-message" },
	{ KEYMAP_PAGER, "p", "print-message" },
	{ KEYMAP_PAGER, "r", "reply" },
	{ KEYMAP_PAGER, "g", "group-reply" },
	{ KEYMAP_PAGER, "L", "list-reply" },
	{ KEYMAP_PAGER, "f", "forward-message" },
	{ KEYMAP_PAGER, "b", "bounce-message" },
	{ KEYMAP_PAGER, "m", "mail" },
	{ KEYMAP_PAGER, "e", "edit" },
	{ KEYMAP_PAGER, "?", "help" },
	{ KEYMAP_PAGER, ":", "enter-command" },
	{ KEYMAP_PAGER, "^L", "refresh" },
	{ KEYMAP_PAGER, "!", "shell-escape" },

	{ KEYMAP_ATTACH, "<Enter>", "view-attach" },
	{ KEYMAP_ATTACH, "v", "view-attach" },
	{ KEYMAP_ATTACH, "m", "view-mailcap" },
	{ KEYMAP_ATTACH, "T", "view-text" },
	{ KEYMAP_ATTACH, "s", "save-entry" },
	{ KEYMAP_ATTACH, "|", "pipe-entry" },
	{ KEYMAP_ATTACH, "p", "print-entry" },
	{ KEYMAP_ATTACH, "<Space>", "collapse-parts" },
	{ KEYMAP_ATTACH, "h", "display-toggle-weed" },
	{ KEYMAP_ATTACH, "r", "reply" },
	{ KEYMAP_ATTACH, "g", "group-reply" },
	{ KEYMAP_ATTACH, "L", "list-reply" },
	{ KEYMAP_ATTACH, "f", "forward-message" },
	{ KEYMAP_ATTACH, "b", "bounce-message" },

	{ KEYMAP_BROWSER, "s", "subscribe" },
	{ KEYMAP_BROWSER, "u", "unsubscribe" },
	{ KEYMAP_BROWSER, "T", "toggle-subscribed" },
	{ KEYMAP_BROWSER, "C", "create-mailbox" },
	{ KEYMAP_BROWSER, "r", "rename-mailbox" },
	{ KEYMAP_BROWSER, "d", "delete-mailbox" },
	{ KEYMAP_BROWSER, "N", "check-new" },
	{ KEYMAP_BROWSER, "p", "goto-parent" },
	{ KEYMAP_BROWSER, "m", "enter-mask" },
	{ KEYMAP_BROWSER, "o", "sort" },

	{ KEYMAP_COMPOSE, "y", "send-message" },
	{ KEYMAP_COMPOSE, "e", "edit-message" },
	{ KEYMAP_COMPOSE, "E", "edit-headers" },
	{ KEYMAP_COMPOSE, "<Esc>f", "edit-from" },
	{ KEYMAP_COMPOSE, "t", "edit-to" },
	{ KEYMAP_COMPOSE, "c", "edit-cc" },
	{ KEYMAP_COMPOSE, "b", "edit-bcc" },
	{ KEYMAP_COMPOSE, "s", "edit-subject" },
	{ KEYMAP_COMPOSE, "r", "edit-reply-to" },
	{ KEYMAP_COMPOSE, "f", "edit-fcc" },
	{ KEYMAP_COMPOSE, "a", "attach-file" },
	{ KEYMAP_COMPOSE, "A", "attach-message" },
	{ KEYMAP_COMPOSE, "D", "detach-file" },
	{ KEYMAP_COMPOSE, "R", "rename-attachment" },
	{ KEYMAP_COMPOSE, "^T", "edit-type" },
	{ KEYMAP_COMPOSE, "d", "edit-description" },
	{ KEYMAP_COMPOSE, "P", "postpone-message" },
	{ KEYMAP_COMPOSE, "i", "ispell" },
	{ KEYMAP_COMPOSE, "v", "view-attach" },

	{ KEYMAP_EDITOR, "^A", "bol" },
	{ KEYMAP_EDITOR, "<Home>", "bol" },
	{ KEYMAP_EDITOR, "^E", "eol" },
	{ KEYMAP_EDITOR, "<End>", "eol" },
	{ KEYMAP_EDITOR, "^B", "backward-char" },
	{ KEYMAP_EDITOR, "<Left>", "backward-char" },
	{ KEYMAP_EDITOR, "^F", "forward-char" },
	{ KEYMAP_EDITOR, "<Right>", "forward-char" },
	{ KEYMAP_EDITOR, "<Esc>b", "backward-word" },
	{ KEYMAP_EDITOR, "<Esc>f", "forward-word" },
	{ KEYMAP_EDITOR, "<Backspace>", "backspace" },
	{ KEYMAP_EDITOR, "^H", "backspace" },
	{ KEYMAP_EDITOR, "^?", "backspace" },
	{ KEYMAP_EDITOR, "^D", "delete-char" },
	{ KEYMAP_EDITOR, "<Delete>", "delete-char" },
	{ KEYMAP_EDITOR, "^K", "kill-eol" },
	{ KEYMAP_EDITOR, "<Esc>d", "kill-eow" },
	{ KEYMAP_EDITOR, "^U", "kill-line" },
	{ KEYMAP_EDITOR, "^W", "kill-word" },
	{ KEYMAP_EDITOR, "<Esc>c", "capitalize-word" },
	{ KEYMAP_EDITOR, "<Esc>u", "upcase-word" },
	{ KEYMAP_EDITOR, "<Esc>l", "downcase-word" },
	{ KEYMAP_EDITOR, "<Tab>", "complete" },
	{ KEYMAP_EDITOR, "^T", "complete-query" },
	{ KEYMAP_EDITOR, "^V", "quote-char" },
	{ KEYMAP_EDITOR, "<Up>", "history-up" },
	{ KEYMAP_EDITOR, "<Down>", "history-down" },
	{ KEYMAP_EDITOR, "^R", "history-search" },
};

const char *
keymap_map_name(enum keymap_map map)
{
	return maps[map].name;
}

int
keymap_map_find(const char *name)
{
	int	i;

	for (i = 0; i < KEYMAP_NMAPS; i++) {
		if (strcmp(maps[i].name, name) == 0)
			return i;
	}
	return -1;
}

const struct keymap_function *
keymap_functions(size_t *count)
{
	*count = NFUNCTIONS;
	return functions;
}

int
keymap_function_find(enum keymap_map map, const char *name)
{
	unsigned	mask = 1u << map;
	size_t		i;

	if (maps[map].generic)
		mask |= MG;
	for (i = 0; i < NFUNCTIONS; i++) {
		if ((functions[i].maps & mask) && strcmp(functions[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

struct keymap *
keymap_new(void)
{
	struct keymap	*km = xcalloc(1, sizeof *km);
	struct key_seq	 seq;
	char		*error = NULL;
	size_t		 i;
	int		 fn;

	for (i = 0; i < sizeof default_bindings / sizeof default_bindings[0]; i++) {
		if (keymap_parse_keys(default_bindings[i].keys, &seq, &error) < 0)
			assert(!"bad key in the default bindings");
		fn = keymap_function_find(default_bindings[i].map, default_bindings[i].function);
		assert(fn >= 0 && "unknown function in the default bindings");
		keymap_bind(km, default_bindings[i].map, &seq, fn, NULL, NULL);
	}
	return km;
}

static void
binding_free(struct keymap_binding *b)
{
	x_free(&b->macro);
	x_free(&b->description);
}

void
keymap_free(struct keymap **kmp)
{
	struct keymap	*km = *kmp;
	int		 m;

	if (km == NULL)
		return;
	for (m = 0; m < KEYMAP_NMAPS; m++)
		keymap_clear(km, (enum keymap_map)m);
	free(km);
	*kmp = NULL;
}

static bool
seq_eq(const struct key_seq *a, const struct key_seq *b)
{
	return a->n == b->n && memcmp(a->keys, b->keys, a->n * sizeof a->keys[0]) == 0;
}

/* keys[0..n) is a prefix of seq (or equal to it). */
static bool
seq_prefix(const struct key_seq *seq, const int *keys, size_t n)
{
	size_t	i;

	if (n > seq->n)
		return false;
	for (i = 0; i < n; i++) {
		if (seq->keys[i] != (keys[i] == '\r' ? '\n' : keys[i]))
			return false;
	}
	return true;
}

void
keymap_bind(struct keymap *km, enum keymap_map map, const struct key_seq *seq,
    int function, const char *macro, const char *description)
{
	struct keymap_binding	*b = NULL;
	size_t			 i;

	for (i = 0; i < km->n[map];) {
		struct keymap_binding *o = &km->b[map][i];

		if (seq_eq(&o->seq, seq)) {
			b = o;
			i++;
		} else if (seq_prefix(&o->seq, seq->keys, seq->n) ||
		    seq_prefix(seq, o->seq.keys, o->seq.n)) {
			/* One would hide the other: the newer wins. */
			binding_free(o);
			memmove(o, o + 1, (km->n[map] - i - 1) * sizeof *o);
			km->n[map]--;
		} else
			i++;
	}
	if (b == NULL) {
		km->b[map] = xreallocarray(km->b[map], km->n[map] + 1, sizeof *km->b[map]);
		b = &km->b[map][km->n[map]++];
		memset(b, 0, sizeof *b);
		b->seq = *seq;
	} else
		binding_free(b);
	b->function = function;
	if (function < 0) {
		b->macro = xstrdup(macro != NULL ? macro : "");
		b->description = description != NULL ? xstrdup(description) : NULL;
	}
}

bool
keymap_unbind(struct keymap *km, enum keymap_map map, const struct key_seq *seq)
{
	size_t	i;

	for (i = 0; i < km->n[map]; i++) {
		if (seq_eq(&km->b[map][i].seq, seq)) {
			binding_free(&km->b[map][i]);
			memmove(&km->b[map][i], &km->b[map][i + 1],
			    (km->n[map] - i - 1) * sizeof km->b[map][0]);
			km->n[map]--;
			return true;
		}
	}
	return false;
}

void
keymap_clear(struct keymap *km, enum keymap_map map)
{
	size_t	i;

	for (i = 0; i < km->n[map]; i++)
		binding_free(&km->b[map][i]);
	free(km->b[map]);
	km->b[map] = NULL;
	km->n[map] = 0;
}

static enum keymap_result
lookup_map(const struct keymap *km, enum keymap_map map, const int *keys, size_t n,
    const struct keymap_binding **binding_r)
{
	enum keymap_result	 r = KEYMAP_NONE;
	size_t			 i;

	for (i = 0; i < km->n[map]; i++) {
		const struct keymap_binding *b = &km->b[map][i];

		if (!seq_prefix(&b->seq, keys, n))
			continue;
		if (b->seq.n == n) {
			*binding_r = b;
			return KEYMAP_MATCH;
		}
		r = KEYMAP_PREFIX;
	}
	return r;
}

enum keymap_result
keymap_lookup(const struct keymap *km, enum keymap_map map, const int *keys,
    size_t n, const struct keymap_binding **binding_r)
{
	enum keymap_result	r;

	*binding_r = NULL;
	if (n == 0)
		return KEYMAP_PREFIX;
	r = lookup_map(km, map, keys, n, binding_r);
	if (r != KEYMAP_NONE || !maps[map].generic)
		return r;
	return lookup_map(km, KEYMAP_GENERIC, keys, n, binding_r);
}

const struct keymap_binding *
keymap_bindings(const struct keymap *km, enum keymap_map map, size_t *count)
{
	*count = km->n[map];
	return km->b[map];
}

static bool
binding_eq(const struct keymap_binding *a, const struct keymap_binding *b)
{
	if (!seq_eq(&a->seq, &b->seq) || a->function != b->function)
		return false;
	if (a->function >= 0)
		return true;
	if (strcmp(a->macro, b->macro) != 0)
		return false;
	if (a->description == NULL || b->description == NULL)
		return a->description == b->description;
	return strcmp(a->description, b->description) == 0;
}

static void
dump_binding(const char *map, const struct keymap_binding *b, struct buf *out)
{
	struct buf	keys = BUF_INIT;

	keymap_format_keys(&b->seq, &keys);
	buf_printf(out, "%s %s ", b->function >= 0 ? "bind" : "macro", map);
	config_quote(out, buf_cstr(&keys));
	buf_addc(out, ' ');
	if (b->function >= 0)
		buf_adds(out, functions[b->function].name);
	else {
		config_quote(out, b->macro);
		if (b->description != NULL) {
			buf_addc(out, ' ');
			config_quote(out, b->description);
		}
	}
	buf_addc(out, '\n');
	buf_free(&keys);
}

void
keymap_dump(const struct keymap *km, bool all, struct buf *out)
{
	struct keymap	*def = keymap_new();
	struct buf	 keys = BUF_INIT;
	size_t		 i, j;
	int		 m;

	if (all)
		buf_adds(out, "unbind *\n");
	for (m = 0; m < KEYMAP_NMAPS && !all; m++) {
		for (i = 0; i < def->n[m]; i++) {
			for (j = 0; j < km->n[m]; j++) {
				if (seq_eq(&km->b[m][j].seq, &def->b[m][i].seq))
					break;
			}
			if (j < km->n[m])
				continue;
			buf_reset(&keys);
			keymap_format_keys(&def->b[m][i].seq, &keys);
			buf_printf(out, "unbind %s ", maps[m].name);
			config_quote(out, buf_cstr(&keys));
			buf_addc(out, '\n');
		}
	}
	for (m = 0; m < KEYMAP_NMAPS; m++) {
		for (i = 0; i < km->n[m]; i++) {
			for (j = 0; j < def->n[m] && !all; j++) {
				if (binding_eq(&km->b[m][i], &def->b[m][j]))
					break;
			}
			if (all || j == def->n[m])
				dump_binding(maps[m].name, &km->b[m][i], out);
		}
	}
	buf_free(&keys);
	keymap_free(&def);
}

/* "index,pager" or "*" into a bit set of maps. */
static int
parse_maps(const char *text, unsigned *mask, char **error_r)
{
	const char	*p = text, *guess;
	const char	*names[KEYMAP_NMAPS];
	char		*name;
	size_t		 n;
	int		 m, i;

	*mask = 0;
	if (strcmp(text, "*") == 0) {
		*mask = (1u << KEYMAP_NMAPS) - 1;
		return 0;
	}
	for (i = 0; i < KEYMAP_NMAPS; i++)
		names[i] = maps[i].name;
	while (*p != '\0') {
		n = strcspn(p, ",");
		name = xstrndup(p, n);
		if ((m = keymap_map_find(name)) < 0) {
			guess = config_nearest(name, names, KEYMAP_NMAPS);
			if (guess != NULL)
				*error_r = xasprintf("unknown map '%s' (did you mean '%s'?)",
				    name, guess);
			else
				*error_r = xasprintf("unknown map '%s' (maps: generic, index, "
				    "pager, attach, browser, compose, editor)", name);
			free(name);
			return -1;
		}
		free(name);
		*mask |= 1u << m;
		p += n;
		if (*p == ',')
			p++;
	}
	if (*mask == 0) {
		*error_r = xstrdup("missing map name");
		return -1;
	}
	return 0;
}

static char *
unknown_function(enum keymap_map map, const char *name)
{
	const char	*names[NFUNCTIONS], *guess;
	size_t		 i, n = 0;
	int		 any;

	for (i = 0; i < NFUNCTIONS; i++) {
		if (keymap_function_find(map, functions[i].name) >= 0)
			names[n++] = functions[i].name;
	}
	guess = config_nearest(name, names, n);
	if (guess != NULL)
		return xasprintf("unknown function '%s' in map %s (did you mean '%s'?)",
		    name, maps[map].name, guess);
	for (any = 0, i = 0; i < NFUNCTIONS; i++) {
		if (strcmp(functions[i].name, name) == 0)
			any = 1;
	}
	if (any)
		return xasprintf("function '%s' does not exist in map %s", name, maps[map].name);
	return xasprintf("unknown function '%s' in map %s", name, maps[map].name);
}

/* bind MAP[,MAP...] KEY FUNCTION */
int
rc_cmd_bind(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	struct keymap	*km = config_keymap(ctx->cfg);
	struct key_seq	 seq;
	unsigned	 mask;
	int		 m, fn[KEYMAP_NMAPS];
	char		*err;

	if (w->n != 4) {
		*error_r = xstrdup("bind: usage: bind MAP[,MAP...] KEY FUNCTION");
		return -1;
	}
	if (parse_maps(w->w[1].text, &mask, error_r) < 0)
		return -1;
	if (keymap_parse_keys(w->w[2].text, &seq, &err) < 0) {
		*error_r = xasprintf("bind: %s", err);
		free(err);
		return -1;
	}
	/* Check every map first: a bad line changes nothing. */
	for (m = 0; m < KEYMAP_NMAPS; m++) {
		if (!(mask & (1u << m)))
			continue;
		if ((fn[m] = keymap_function_find((enum keymap_map)m, w->w[3].text)) < 0) {
			err = unknown_function((enum keymap_map)m, w->w[3].text);
			*error_r = xasprintf("bind: %s", err);
			free(err);
			return -1;
		}
	}
	for (m = 0; m < KEYMAP_NMAPS; m++) {
		if (mask & (1u << m))
			keymap_bind(km, (enum keymap_map)m, &seq, fn[m], NULL, NULL);
	}
	return 0;
}

/* unbind MAP[,MAP...]|* [KEY]; unmacro the same for macros only. */
int
rc_cmd_unbind(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	struct keymap	*km = config_keymap(ctx->cfg);
	bool		 macros = strcmp(w->w[0].text, "unmacro") == 0;
	struct key_seq	 seq;
	unsigned	 mask;
	size_t		 i;
	int		 m;
	char		*err;

	if (w->n < 2 || w->n > 3) {
		*error_r = xasprintf("%s: usage: %s MAP[,MAP...]|* [KEY]",
		    w->w[0].text, w->w[0].text);
		return -1;
	}
	if (parse_maps(w->w[1].text, &mask, error_r) < 0)
		return -1;
	if (w->n == 3 && keymap_parse_keys(w->w[2].text, &seq, &err) < 0) {
		*error_r = xasprintf("%s: %s", w->w[0].text, err);
		free(err);
		return -1;
	}
	for (m = 0; m < KEYMAP_NMAPS; m++) {
		if (!(mask & (1u << m)))
			continue;
		for (i = 0; i < km->n[m];) {
			struct keymap_binding *b = &km->b[m][i];

			if ((w->n == 2 || seq_eq(&b->seq, &seq)) &&
			    (!macros || b->function < 0)) {
				binding_free(b);
				memmove(b, b + 1, (km->n[m] - i - 1) * sizeof *b);
				km->n[m]--;
			} else
				i++;
		}
	}
	return 0;
}

/* macro MAP[,MAP...] KEY SEQUENCE [DESCRIPTION] */
int
rc_cmd_macro(struct rc_ctx *ctx, struct rc_words *w, char **error_r)
{
	struct keymap	*km = config_keymap(ctx->cfg);
	struct key_seq	 seq;
	unsigned	 mask;
	int		 m;
	char		*err;

	if (w->n != 4 && w->n != 5) {
		*error_r = xstrdup("macro: usage: macro MAP[,MAP...] KEY SEQUENCE [DESCRIPTION]");
		return -1;
	}
	if (parse_maps(w->w[1].text, &mask, error_r) < 0)
		return -1;
	if (keymap_parse_keys(w->w[2].text, &seq, &err) < 0) {
		*error_r = xasprintf("macro: %s", err);
		free(err);
		return -1;
	}
	if (w->w[3].text[0] == '\0') {
		*error_r = xstrdup("macro: empty key sequence");
		return -1;
	}
	for (m = 0; m < KEYMAP_NMAPS; m++) {
		if (mask & (1u << m))
			keymap_bind(km, (enum keymap_map)m, &seq, -1, w->w[3].text,
			    w->n == 5 ? w->w[4].text : NULL);
	}
	return 0;
}
