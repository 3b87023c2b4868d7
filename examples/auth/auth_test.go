package main

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/nexotest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newTestServer(t *testing.T) *nexotest.Server {
	store := middleware.NewCookieStore[user](bytes.Repeat([]byte{7}, 32), nil,
		middleware.CookieOptions{Insecure: true})
	return nexotest.NewServer(t, newApp(store, nexo.WithoutClient()))
}

// login posts the form and returns the Cookie header to send, or "" with
// the status when refused.
func login(t *testing.T, s *nexotest.Server, name, pass string) (string, int) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(s.URL+"/login", url.Values{"name": {name}, "password": {pass}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == middleware.DefaultCookieName {
			return ck.Name + "=" + ck.Value, resp.StatusCode
		}
	}
	return "", resp.StatusCode
}

func TestLogin(t *testing.T) {
	s := newTestServer(t)
	if ck, status := login(t, s, "ada", "wrong"); ck != "" || status != http.StatusUnauthorized {
		t.Fatalf("wrong password: cookie %q, HTTP %d", ck, status)
	}
	if ck, status := login(t, s, "mallory", ""); ck != "" || status != http.StatusUnauthorized {
		t.Fatalf("unknown user: cookie %q, HTTP %d", ck, status)
	}
	if ck, status := login(t, s, "ada", "lovelace"); ck == "" || status != http.StatusSeeOther {
		t.Fatalf("login: cookie %q, HTTP %d", ck, status)
	}
}

func TestFeedAuthorFromSession(t *testing.T) {
	s := newTestServer(t)
	cookie, _ := login(t, s, "ada", "lovelace")

	reader := s.Dial("/feed")
	reader.ExpectText(`{"type":"welcome","you":""}`)
	ada := s.Dial("/feed", nexotest.WithHeader("Cookie", cookie))
	ada.ExpectText(`{"type":"welcome","you":"ada"}`)
	forged := s.Dial("/feed", nexotest.WithHeader("Cookie", strings.Replace(cookie, "=", "=x", 1)))
	forged.ExpectText(`{"type":"welcome","you":""}`) // a tampered cookie is anonymous

	// Anonymous posts, even claiming an author, are refused to the sender
	// and reach nobody.
	reader.SendText(`{"text":"hi","author":"ada"}`)
	reader.ExpectText(`{"type":"error","error":"unauthorized","message":"log in to post"}`)
	forged.SendText(`{"text":"hi"}`)
	forged.ExpectText(`{"type":"error","error":"unauthorized","message":"log in to post"}`)

	// ada's post claims another author: the session wins, for everyone.
	ada.SendText(`{"text":"hello","author":"mallory"}`)
	want := `{"type":"post","author":"ada","text":"hello"}`
	for _, c := range []*nexotest.Conn{ada, reader, forged} {
		c.ExpectText(want) // also proves no anonymous post came first
	}

	// Invalid input is answered, and the connection stays.
	ada.SendText(`{"text":""}`)
	var frame struct{ Type, Error string }
	ada.ReadJSON(&frame)
	if frame.Type != "error" || frame.Error != "validation" {
		t.Fatalf("got %+v", frame)
	}
	for _, c := range []*nexotest.Conn{ada, reader, forged} {
		c.CloseNormal()
	}
}
