package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/nexotest"
)

// After a key rotation, a cookie signed with a retired key still opens a
// socket with its user, and so does one signed with the new key; a cookie
// of a key that is neither, a tampered one and an expired one of a
// retired key are refused at the handshake with 4401.
func TestCookieKeyRotation(t *testing.T) {
	oldKey, newKey := authTestKey(1), authTestKey(2)
	before := middleware.NewCookieStore[member](oldKey, nil, middleware.CookieOptions{MaxAge: time.Hour})
	after := middleware.NewCookieStore[member](newKey, nil, middleware.CookieOptions{
		MaxAge:      time.Hour,
		RetiredKeys: []middleware.CookieKeys{{Hash: oldKey}},
	})
	stranger := middleware.NewCookieStore[member](authTestKey(3), nil, middleware.CookieOptions{})
	s := serveAuth(t, whois, middleware.SessionAuth(after, true))

	for name, cookie := range map[string]string{
		"retired key": sessionCookie(t, before, member{1, "ada"}),
		"new key":     sessionCookie(t, after, member{2, "bob"}),
	} {
		c := s.Dial("/ws", nexotest.WithHeader("Cookie", cookie))
		if got := c.ReadText(); got != map[string]string{"retired key": "ada", "new key": "bob"}[name] {
			t.Fatalf("%s: user %q", name, got)
		}
		c.CloseNormal()
	}
	for name, cookie := range map[string]string{
		"unknown key": sessionCookie(t, stranger, member{1, "ada"}),
		"tampered":    tamperCookie(sessionCookie(t, before, member{1, "ada"})),
		"expired":     signedAt(oldKey, middleware.DefaultCookieName, member{1, "ada"}, time.Now().Add(-2*time.Hour)),
	} {
		t.Run(name, func(t *testing.T) {
			expectUnauthorized(t, s.Dial("/ws", nexotest.WithHeader("Cookie", cookie)), "no valid session")
		})
	}
	// New cookies are signed with the new key only.
	if _, err := before.Load(cookieRequest(sessionCookie(t, after, member{2, "bob"}))); err == nil {
		t.Fatal("a cookie of the rotated store opened with the old key alone")
	}
}

// cookieRequest is a request carrying the Cookie header value cookie.
func cookieRequest(cookie string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", cookie)
	return r
}
