package main

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/nexogo/nexo/channels"
)

// cleanName keeps a display name short and printable.
func cleanName(s string) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > maxName {
		s = string([]rune(s)[:maxName])
	}
	if s == "" {
		s = "guest"
	}
	return s
}

// uniqueName returns want, or, when another connection than self holds it
// in entries, the first of "want (2)", "want (3)"... that none holds,
// shortened to maxName runes.
func uniqueName(entries []channels.PresenceEntry, want, self string) string {
	taken := make(map[string]bool, len(entries))
	for _, e := range entries {
		if e.ConnID != self {
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
