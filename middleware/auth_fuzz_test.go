package middleware

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// FuzzTokenExtraction feeds arbitrary Authorization and
// Sec-WebSocket-Protocol headers to the token parsers.
func FuzzTokenExtraction(f *testing.F) {
	f.Add("Bearer abc", "nexo.auth, abc")
	f.Add("bearer   abc  ", "chat.v1,nexo.auth,eyJhbGciOi.eyJzdWIi.sig")
	f.Add("Basic YWRhOmxvdmVsYWNl", "nexo.auth")
	f.Add("Bearer", "nexo.auth,,nexo.auth, x")
	f.Add("Bearer\tx", " ,\t, nexo.auth ,\ttok\t")
	f.Add("", "nexo.auth.token")
	f.Fuzz(func(t *testing.T, authz, protos string) {
		h := http.Header{}
		h.Set("Authorization", authz)
		h.Set("Sec-WebSocket-Protocol", protos)

		if tok, ok := bearerToken(h); ok {
			if tok == "" || tok != strings.TrimSpace(tok) {
				t.Fatalf("bearer %q: token %q", authz, tok)
			}
			if !strings.Contains(authz, tok) {
				t.Fatalf("bearer %q: token %q not in header", authz, tok)
			}
		}
		for _, p := range subprotocols(h) {
			if p == "" || strings.Contains(p, ",") || p != strings.Trim(p, " \t") {
				t.Fatalf("protocols %q: entry %q", protos, p)
			}
		}
		tok, offered := subprotocolToken(h)
		if tok != "" && !offered {
			t.Fatalf("protocols %q: token %q without %s", protos, tok, AuthProtocol)
		}
		if tok == AuthProtocol || strings.ContainsAny(tok, ",") {
			t.Fatalf("protocols %q: token %q", protos, tok)
		}
		if offered && !strings.Contains(protos, AuthProtocol) {
			t.Fatalf("protocols %q: offered without %s", protos, AuthProtocol)
		}
		// A well-formed offer always yields its token back.
		if isToken(tok) && tok != "" {
			h.Set("Sec-WebSocket-Protocol", "x, "+AuthProtocol+", "+tok)
			if got, _ := subprotocolToken(h); got != tok {
				t.Fatalf("round trip %q: got %q", tok, got)
			}
		}
		// The first-message form: bare or JSON.
		if got := messageToken([]byte(authz)); strings.TrimSpace(authz) != "" && !strings.HasPrefix(strings.TrimSpace(authz), "{") && got != strings.TrimSpace(authz) {
			t.Fatalf("first message %q: got %q", authz, got)
		}
		msg, _ := json.Marshal(map[string]string{"type": "auth", "token": protos})
		var back map[string]string
		json.Unmarshal(msg, &back)
		if got := messageToken(msg); got != back["token"] {
			t.Fatalf("JSON first message %s: got %q", msg, got)
		}
	})
}

// isToken reports whether s is an HTTP token, as subprotocols must be.
func isToken(s string) bool {
	for _, r := range s {
		if r > 0x7e || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}

// FuzzCookieDecode feeds arbitrary cookie values to a CookieStore: none may
// panic, and any that decodes must carry the one user ever signed.
func FuzzCookieDecode(f *testing.F) {
	type user struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}
	want := user{42, "ada"}
	for _, block := range [][]byte{nil, bytes.Repeat([]byte{2}, 32)} {
		store := NewCookieStore[user](bytes.Repeat([]byte{1}, 32), block, CookieOptions{})
		v, err := store.codecs[0].Encode(store.opts.Name, want)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(v, block != nil)
		f.Add(v[:len(v)/2], block != nil)
		f.Add(strings.ToUpper(v), block != nil)
	}
	f.Add("", false)
	f.Add("MTcwMDAwMDAwMHxleUpwWkNJNk5ESjl8AAAA", false)
	f.Add(strings.Repeat("A", 5000), true)
	plain := NewCookieStore[user](bytes.Repeat([]byte{1}, 32), nil, CookieOptions{})
	sealed := NewCookieStore[user](bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32), CookieOptions{})
	f.Fuzz(func(t *testing.T, value string, encrypted bool) {
		store := plain
		if encrypted {
			store = sealed
		}
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Cookie", store.opts.Name+"="+value)
		got, err := store.Load(r)
		switch {
		case err == nil && got != want:
			t.Fatalf("value %q decoded to %+v, a user never signed", value, got)
		case err != nil && !errors.Is(err, ErrNoSession) && !errors.Is(err, ErrInvalidSession):
			t.Fatalf("value %q: unexpected error %v", value, err)
		}
		if u := Authenticate(store, r); (u == nil) != (err != nil) {
			t.Fatalf("Authenticate %v with Load error %v", u, err)
		}
	})
}
