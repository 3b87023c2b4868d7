package natsbroker_test

import (
	"strings"
	"testing"

	"github.com/nexogo/nexo/channels/natsbroker"
)

func TestToken(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"room", "room"},
		{"Room_1-x", "Room_1-x"},
		{"", "="},
		{"room:1", "=cm9vbTox"},
		{"a.b", "=YS5i"},
		{"*", "=Kg"},
		{">", "=Pg"},
		{"=", "=PQ"},
	} {
		if got := natsbroker.Token(tc.in); got != tc.want {
			t.Errorf("Token(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestTokenInjective: distinct topics, distinct valid single tokens that
// decode back.
func TestTokenInjective(t *testing.T) {
	inputs := []string{"", "=", "a", "A", "a.b", "a b", "a\x00b", "ü", "=YS5i", "YS5i", "a*", "a>", "nexo:x", strings.Repeat("x", 300)}
	seen := map[string]string{}
	for _, in := range inputs {
		tok := natsbroker.Token(in)
		if prev, dup := seen[tok]; dup {
			t.Fatalf("%q and %q share the token %q", prev, in, tok)
		}
		seen[tok] = in
		if !validToken(tok) {
			t.Errorf("token %q of %q is not one valid subject token", tok, in)
		}
		if back, ok := natsbroker.Untoken(tok); !ok || back != in {
			t.Errorf("Untoken(%q) = %q, %v; want %q", tok, back, ok, in)
		}
	}
}

func FuzzToken(f *testing.F) {
	for _, s := range []string{"", "room:1", "a.b", "=", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok := natsbroker.Token(s)
		if back, ok := natsbroker.Untoken(tok); !ok || back != s {
			t.Fatalf("round trip of %q: %q", s, back)
		}
		if !validToken(tok) {
			t.Fatalf("token %q of %q is not one valid subject token", tok, s)
		}
	})
}

func TestNames(t *testing.T) {
	for _, tc := range []struct{ prefix, subject, presence, instances string }{
		{"nexo:", "nexo.", "nexo_presence", "nexo_instances"},
		{"nexo", "nexo.", "nexo_presence", "nexo_instances"},
		{"app.", "app.", "app_presence", "app_instances"},
		{"my app:", "=bXkgYXBw.", "B64_bXkgYXBw_presence", "B64_bXkgYXBw_instances"},
	} {
		s, p, i := natsbroker.NamesFor(tc.prefix)
		if s != tc.subject || p != tc.presence || i != tc.instances {
			t.Errorf("NamesFor(%q) = %q %q %q", tc.prefix, s, p, i)
		}
	}
}

func TestBackoff(t *testing.T) {
	for attempt, base := range map[int]int64{1: 100e6, 2: 200e6, 3: 400e6, 5: 1600e6, 6: 2e9, 50: 2e9} {
		d := int64(natsbroker.Backoff(attempt))
		if d < base || d > base+base/5 {
			t.Errorf("Backoff(%d) = %v, want %v..+20%%", attempt, d, base)
		}
	}
}

// validToken reports whether tok is one literal NATS subject token that is
// also valid in a KV key: [-/_=a-zA-Z0-9]+.
func validToken(tok string) bool {
	if tok == "" {
		return false
	}
	for _, c := range []byte(tok) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-/_=", c) >= 0) {
			return false
		}
	}
	return true
}
