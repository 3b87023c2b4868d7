package middleware_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/nexotest"
)

// signedAt returns a session cookie for m signed with hashKey as
// securecookie signs it (no block key), but stamped at the given time, so
// that a test can present a correctly signed cookie older than MaxAge
// without waiting for it to age.
func signedAt(hashKey []byte, name string, m member, at time.Time) string {
	b64 := base64.URLEncoding.EncodeToString
	js, _ := json.Marshal(m)
	body := fmt.Sprintf("%s|%d|%s", name, at.Unix(), b64(js))
	mac := hmac.New(sha256.New, hashKey)
	mac.Write([]byte(body))
	signed := body[len(name)+1:] + "|" + string(mac.Sum(nil))
	return name + "=" + b64([]byte(signed))
}

// A cookie signed with the right key but older than MaxAge is refused, at
// the handshake as in Load; one stamped now passes, which shows the forged
// format is the real one.
func TestCookieExpiry(t *testing.T) {
	key := authTestKey(1)
	store := middleware.NewCookieStore[member](key, nil, middleware.CookieOptions{MaxAge: time.Hour})
	required := serveAuth(t, whois, middleware.SessionAuth(store, true))
	optional := serveAuth(t, whois, middleware.SessionAuth(store, false))

	fresh := signedAt(key, middleware.DefaultCookieName, member{1, "ada"}, time.Now())
	stale := signedAt(key, middleware.DefaultCookieName, member{1, "ada"}, time.Now().Add(-2*time.Hour))

	c := required.Dial("/ws", nexotest.WithHeader("Cookie", fresh))
	c.ExpectText("ada")
	c.CloseNormal()

	c = required.Dial("/ws", nexotest.WithHeader("Cookie", stale))
	expectUnauthorized(t, c, "no valid session")
	c = optional.Dial("/ws", nexotest.WithHeader("Cookie", stale))
	c.ExpectText("<anonymous>")
	c.CloseNormal()

	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", stale)
	if _, err := store.Load(r); !errors.Is(err, middleware.ErrInvalidSession) {
		t.Fatalf("expired cookie: Load returned %v, want ErrInvalidSession", err)
	}
}
