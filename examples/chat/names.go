package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nexogo/nexo/channels"
)

// cleanName keeps a display name short and made of what shows: it drops
// control and format characters (zero-width spaces and joiners, direction
// marks, byte-order marks), private-use and unassigned code points and
// invalid UTF-8, and turns every run of spaces (tabs, new lines, no-break
// spaces) into one space between words. Two names that look the same are
// then the same name, which uniqueName keeps to one page.
func cleanName(s string) string {
	var b strings.Builder
	n, space := 0, false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case r == utf8.RuneError || !unicode.IsGraphic(r):
			continue
		}
		if n == maxName {
			break
		}
		if space && n > 0 {
			if n+1 == maxName {
				break
			}
			b.WriteByte(' ')
			n++
		}
		space = false
		b.WriteRune(r)
		n++
	}
	if b.Len() == 0 {
		return "guest"
	}
	return b.String()
}

// tabKey is the presence meta that tells which page a connection serves:
// a hash of the token the page sends (?tab=, new on each page load), so
// that the entry shows nobody the token itself.
const tabKey = "tab"

// tabOf returns the hash of a page's tab token, or "" for none.
func tabOf(token string) string {
	if token == "" || len(token) > 64 {
		return ""
	}
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:16])
}

// tabMeta is the presence meta of a connection of the page tab.
func tabMeta(tab string) map[string]any {
	if tab == "" {
		return nil
	}
	return map[string]any{tabKey: tab}
}

// samePage reports whether e is a connection of the page tab.
func samePage(e channels.PresenceEntry, tab string) bool {
	return tab != "" && e.Meta[tabKey] == tab
}

// uniqueName returns want, or, when another connection holds it in
// entries, the first of "want (2)", "want (3)"... that none holds,
// shortened to maxName runes. The connection self and the connections of
// the same page (tab, when not "") do not count: a page that reconnects
// before the server has seen its old connection drop keeps its name.
func uniqueName(entries []channels.PresenceEntry, want, self, tab string) string {
	taken := make(map[string]bool, len(entries))
	for _, e := range entries {
		if e.ConnID != self && !samePage(e, tab) {
			taken[e.UserID] = true
		}
	}
	name := want
	for n := 2; taken[name]; n++ {
		suffix := fmt.Sprintf(" (%d)", n)
		base := []rune(want)
		if room := maxName - len(suffix); len(base) > room {
			base = base[:room]
		}
		name = string(base) + suffix
	}
	return name
}
