// Package redact keeps the passwords of broker URLs out of errors and
// logs, including URLs mistyped in a way that url.Parse does not see as
// a URL with a host.
package redact

import (
	"net/url"
	"strings"
)

// URLs returns a comma-separated list of URLs with the user information
// of each hidden: the password replaced by "xxxxx" (url.URL.Redacted)
// when the URL parses with a host, and everything between the scheme and
// the last "@" when it does not ("redis//:pw@host", where url.Parse reads
// a path, or a bad %-escape, where it fails).
func URLs(list string) string {
	parts := strings.Split(list, ",")
	for i, s := range parts {
		parts[i] = one(s)
	}
	return strings.Join(parts, ",")
}

func one(s string) string {
	if u, err := url.Parse(strings.TrimSpace(s)); err == nil && u.Host != "" {
		return u.Redacted()
	}
	start, at, ok := userInfo(s)
	if !ok {
		return s
	}
	return s[:start] + "xxxxx" + s[at:]
}

// userInfo returns where the user information of s, as mistyped as it
// may be, starts (past the scheme) and where its last '@' is.
func userInfo(s string) (start, at int, ok bool) {
	at = strings.LastIndexByte(s, '@')
	if at < 0 {
		return 0, 0, false
	}
	if start = schemeEnd(s); start > at {
		start = 0
	}
	return start, at, true
}

// schemeEnd returns the index just past a leading scheme and the ':' and
// '/' that follow it, however many there are.
func schemeEnd(s string) int {
	i := strings.IndexFunc(s, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '+' || r == '-' || r == '.')
	})
	if i < 0 {
		return 0
	}
	for i < len(s) && (s[i] == ':' || s[i] == '/') {
		i++
	}
	return i
}

// Error returns err, or, when its message quotes the user information
// of a URL of list (a *url.Error quotes the URL whole, a client may
// quote the part it failed to read), an error whose message has it
// replaced by "xxxxx" and which unwraps to err.
func Error(err error, list string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for s := range strings.SplitSeq(list, ",") {
		if start, at, ok := userInfo(s); ok {
			msg = strings.ReplaceAll(msg, s[start:at+1], "xxxxx@")
		}
	}
	if msg == err.Error() {
		return err
	}
	return &redacted{msg: msg, err: err}
}

// redacted is an error shown with its secrets hidden.
type redacted struct {
	msg string
	err error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }
