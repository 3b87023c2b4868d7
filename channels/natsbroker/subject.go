package natsbroker

import (
	"encoding/base64"
	"strings"
)

// token maps s to one NATS subject token, deterministically and
// injectively: a string made only of [A-Za-z0-9_-] is kept as it is;
// any other (including the empty string) becomes "=" followed by its
// unpadded base64url encoding. A kept string never contains "=", so no
// two strings share a token. Tokens are valid in subjects and in
// JetStream KV keys.
func token(s string) string {
	if plain(s) {
		return s
	}
	return "=" + base64.RawURLEncoding.EncodeToString([]byte(s))
}

// untoken reverses token.
func untoken(t string) (string, bool) {
	if rest, ok := strings.CutPrefix(t, "="); ok {
		b, err := base64.RawURLEncoding.DecodeString(rest)
		return string(b), err == nil
	}
	return t, plain(t)
}

// plain reports whether s is non-empty and made only of [A-Za-z0-9_-].
func plain(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// names are the NATS names a prefix maps to.
type names struct {
	subject   string // subject prefix of topics, ending in "."
	presence  string // KV bucket of presence entries
	instances string // KV bucket of instance leases
}

// namesFor maps a prefix to its names. One trailing ':' or '.' is the
// prefix's separator and is dropped, so "nexo:" and "nexo" name the same
// namespace: subjects "nexo.<token(topic)>", buckets "nexo_presence" and
// "nexo_instances". A prefix outside [A-Za-z0-9_-] is base64url-encoded,
// with "B64_" in front of it in bucket names, where "=" is not allowed.
func namesFor(prefix string) names {
	p := prefix
	if len(p) > 1 && (p[len(p)-1] == ':' || p[len(p)-1] == '.') {
		p = p[:len(p)-1]
	}
	bucket := p
	if !plain(p) {
		bucket = "B64_" + base64.RawURLEncoding.EncodeToString([]byte(p))
	}
	return names{
		subject:   token(p) + ".",
		presence:  bucket + "_presence",
		instances: bucket + "_instances",
	}
}
