package main

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// logout posts the logout form with cookie and returns the HTTP status.
func logout(t *testing.T, s *nexotest.Server, cookie string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/logout", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Cookie", cookie)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Logging out ends the session on the server: every socket of that session
// (two tabs here) is closed with 4401, the cookie, replayed, is anonymous,
// and other sessions, even of the same user, are untouched.
func TestLogoutClosesSessionSockets(t *testing.T) {
	s := newTestServer(t)
	cookie, _ := login(t, s, "ada", "lovelace")
	other, _ := login(t, s, "ada", "lovelace") // ada in another browser
	tab1 := s.Dial("/feed", nexotest.WithHeader("Cookie", cookie))
	tab1.ExpectText(`{"type":"welcome","you":"ada"}`)
	tab2 := s.Dial("/feed", nexotest.WithLocalIP("127.0.0.2"), nexotest.WithHeader("Cookie", cookie))
	tab2.ExpectText(`{"type":"welcome","you":"ada"}`)
	elsewhere := s.Dial("/feed", nexotest.WithLocalIP("127.0.0.3"), nexotest.WithHeader("Cookie", other))
	elsewhere.ExpectText(`{"type":"welcome","you":"ada"}`)

	if status := logout(t, s, cookie); status != http.StatusSeeOther {
		t.Fatalf("logout: HTTP %d", status)
	}
	for _, tab := range []*nexotest.Conn{tab1, tab2} {
		if ce := tab.ExpectClose(ws.CloseUnauthorized); ce.Reason != "logged out" {
			t.Fatalf("tab of the ended session: reason %q", ce.Reason)
		}
		tab.Close()
	}

	replay := s.Dial("/feed", nexotest.WithHeader("Cookie", cookie))
	replay.ExpectText(`{"type":"welcome","you":""}`) // revoked: anonymous
	replay.SendText(`{"text":"still me?"}`)
	replay.ExpectText(`{"type":"error","error":"unauthorized","message":"log in to post"}`)

	elsewhere.SendText(`{"text":"still here"}`)
	want := `{"type":"post","author":"ada","text":"still here"}`
	elsewhere.ExpectText(want)
	replay.ExpectText(want)
	replay.CloseNormal()
	elsewhere.CloseNormal()
}

// A logout on one instance ends the session's sockets on every instance
// that shares the broker (and the cookie key), and the cookie is refused
// there too.
func TestLogoutOnEveryInstance(t *testing.T) {
	shared := channels.NewMemoryBroker()
	t.Cleanup(func() { shared.Close() })
	instance := func() *nexotest.Server {
		store := middleware.NewCookieStore[user](bytes.Repeat([]byte{7}, 32), nil,
			middleware.CookieOptions{Insecure: true})
		app, err := newApp(store, nexo.WithoutClient(), nexo.WithBroker(shared))
		if err != nil {
			t.Fatal(err)
		}
		return nexotest.NewServer(t, app)
	}
	a, b := instance(), instance()
	cookie, _ := login(t, a, "ada", "lovelace")
	onA := a.Dial("/feed", nexotest.WithHeader("Cookie", cookie))
	onA.ExpectText(`{"type":"welcome","you":"ada"}`)
	onB := b.Dial("/feed", nexotest.WithHeader("Cookie", cookie))
	onB.ExpectText(`{"type":"welcome","you":"ada"}`)

	if status := logout(t, a, cookie); status != http.StatusSeeOther {
		t.Fatalf("logout: HTTP %d", status)
	}
	for _, c := range []*nexotest.Conn{onA, onB} {
		c.ExpectClose(ws.CloseUnauthorized)
		c.Close()
	}
	replay := b.Dial("/feed", nexotest.WithHeader("Cookie", cookie))
	replay.ExpectText(`{"type":"welcome","you":""}`)
	replay.CloseNormal()
}
