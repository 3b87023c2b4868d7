package middleware_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

type member struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

func authTestKey(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

// sessionCookie returns the Cookie header value that store.Save sets.
func sessionCookie(t *testing.T, store *middleware.CookieStore[member], m member) string {
	t.Helper()
	w := httptest.NewRecorder()
	if err := store.Save(w, m); err != nil {
		t.Fatal(err)
	}
	cks := w.Result().Cookies()
	if len(cks) != 1 || !cks[0].HttpOnly || !cks[0].Secure || cks[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("cookie %+v", cks)
	}
	return cks[0].Name + "=" + cks[0].Value
}

// tamperCookie flips one character of the cookie value.
func tamperCookie(cookie string) string {
	b := []byte(cookie)
	i := len(b) - 5
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func whois(c *ws.Conn) error {
	c.Accept()
	name := "<anonymous>"
	if m, ok := middleware.User[member](c); ok {
		name = m.Name
	}
	if err := c.SendText(name); err != nil {
		return err
	}
	for range c.Texts() {
	}
	return c.Err()
}

func TestSessionAuth(t *testing.T) {
	for _, encrypt := range []bool{false, true} {
		var block []byte
		if encrypt {
			block = authTestKey(2)
		}
		store := middleware.NewCookieStore[member](authTestKey(1), block, middleware.CookieOptions{})
		other := middleware.NewCookieStore[member](authTestKey(3), block, middleware.CookieOptions{})
		good := sessionCookie(t, store, member{1, "ada"})
		forged := sessionCookie(t, other, member{1, "ada"}) // signed with another key

		required := serveAuth(t, whois, middleware.SessionAuth(store, true))
		optional := serveAuth(t, whois, middleware.SessionAuth(store, false))
		for _, tc := range []struct {
			name, cookie string
			ok           bool
		}{
			{"none", "", false},
			{"tampered", tamperCookie(good), false},
			{"other key", forged, false},
			{"garbage", "nexo_session=%%%", false},
			{"empty", "nexo_session=", false},
			{"valid", good, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var opts []nexotest.DialOption
				if tc.cookie != "" {
					opts = append(opts, nexotest.WithHeader("Cookie", tc.cookie))
				}
				c := required.Dial("/ws", opts...)
				if tc.ok {
					c.ExpectText("ada")
					c.CloseNormal()
				} else {
					expectUnauthorized(t, c, "no valid session")
				}
				c = optional.Dial("/ws", opts...)
				if tc.ok {
					c.ExpectText("ada")
				} else {
					c.ExpectText("<anonymous>")
				}
				c.CloseNormal()
			})
		}
	}
}

func TestCookieStoreLoad(t *testing.T) {
	store := middleware.NewCookieStore[member](authTestKey(1), nil, middleware.CookieOptions{Name: "sid", Insecure: true})
	w := httptest.NewRecorder()
	store.Save(w, member{7, "bob"})
	ck := w.Result().Cookies()[0]
	if ck.Secure {
		t.Fatal("Insecure store set a Secure cookie")
	}

	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if _, err := store.Load(r); !errors.Is(err, middleware.ErrNoSession) {
		t.Fatalf("no cookie: %v", err)
	}
	if middleware.Authenticate(store, r) != nil {
		t.Fatal("Authenticate without a cookie returned a user")
	}
	r.AddCookie(ck)
	if m, err := store.Load(r); err != nil || m.Name != "bob" {
		t.Fatalf("load: %+v, %v", m, err)
	}
	if u, ok := middleware.Authenticate(store, r).(member); !ok || u.ID != 7 {
		t.Fatalf("Authenticate: %+v", u)
	}

	r = httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", tamperCookie("sid="+ck.Value))
	if _, err := store.Load(r); !errors.Is(err, middleware.ErrInvalidSession) {
		t.Fatalf("tampered: %v", err)
	}

	w = httptest.NewRecorder()
	store.Clear(w)
	if ck := w.Result().Cookies()[0]; ck.MaxAge >= 0 || ck.Value != "" {
		t.Fatalf("clear: %+v", ck)
	}
}

func TestNewCookieStoreKeys(t *testing.T) {
	for name, keys := range map[string][2][]byte{
		"short hash": {make([]byte, 16), nil},
		"bad block":  {make([]byte, 32), make([]byte, 20)},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			middleware.NewCookieStore[member](keys[0], keys[1], middleware.CookieOptions{})
		})
	}
}
