package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newTestServer(t *testing.T) *nexotest.Server {
	store := middleware.NewCookieStore[user](bytes.Repeat([]byte{7}, 32), nil,
		middleware.CookieOptions{Insecure: true})
	app, err := newApp(store, nexo.WithoutClient())
	if err != nil {
		t.Fatal(err)
	}
	return nexotest.NewServer(t, app)
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

// A page of another site that rides on ada's cookie is refused with 4403
// before her session is read; her own site's page gets in.
func TestFeedCrossSite(t *testing.T) {
	s := newTestServer(t)
	cookie, _ := login(t, s, "ada", "lovelace")
	evil := s.Dial("/feed", nexotest.WithOrigin("https://evil.example"), nexotest.WithHeader("Cookie", cookie))
	if ce := evil.ExpectClose(ws.CloseForbidden); ce.Reason != "origin not allowed" {
		t.Fatalf("cross-site page: reason %q", ce.Reason)
	}
	evil.Close()
	ada := s.Dial("/feed", nexotest.WithOrigin(s.URL), nexotest.WithHeader("Cookie", cookie))
	ada.ExpectText(`{"type":"welcome","you":"ada"}`)
	ada.CloseNormal()
}

// readUntil reads posts on c until one by author, and returns how many
// posts by others came before it.
func readUntil(t *testing.T, c *nexotest.Conn, author string) int {
	t.Helper()
	for n := 0; ; n++ {
		var p post
		c.ReadJSON(&p)
		if p.Type == "post" && p.Author == author {
			return n
		}
	}
}

// A logged-in user who floods the feed is closed with 4429 after the
// burst; a reader and another poster see nothing but the posts that were
// let through.
func TestFeedFlood(t *testing.T) {
	s := newTestServer(t)
	adaCookie, _ := login(t, s, "ada", "lovelace")
	alanCookie, _ := login(t, s, "alan", "turing")
	reader := s.Dial("/feed", nexotest.WithLocalIP("127.0.0.2"))
	reader.ExpectText(`{"type":"welcome","you":""}`)
	alan := s.Dial("/feed", nexotest.WithLocalIP("127.0.0.3"), nexotest.WithHeader("Cookie", alanCookie))
	alan.ExpectText(`{"type":"welcome","you":"alan"}`)
	ada := s.Dial("/feed", nexotest.WithHeader("Cookie", adaCookie))
	ada.ExpectText(`{"type":"welcome","you":"ada"}`)

	const flood = 50
	for range flood {
		if ada.WriteMessage(websocket.TextMessage, []byte(`{"text":"spam"}`)) != nil {
			break // the server may already have closed
		}
	}
	if ce := ada.ExpectClose(ws.CloseRateLimited); ce.Reason != "rate limit exceeded" {
		t.Fatalf("flooder: reason %q", ce.Reason)
	}
	ada.Close()

	alan.SendText(`{"text":"still here"}`)
	for _, c := range []*nexotest.Conn{reader, alan} {
		if n := readUntil(t, c, "alan"); n < 10 || n >= flood {
			t.Fatalf("%d of ada's %d posts went out, want the burst of 10 and not all", n, flood)
		}
	}
	reader.CloseNormal()
	alan.CloseNormal()
}

// An address over 20 open connections is refused with 1013; a client at
// another address still connects, and the connections already open keep
// working.
func TestFeedConnCap(t *testing.T) {
	s := newTestServer(t)
	var open []*nexotest.Conn
	for range 20 {
		c := s.Dial("/feed", nexotest.WithLocalIP("127.0.0.1"))
		c.ExpectText(`{"type":"welcome","you":""}`)
		open = append(open, c)
	}
	over := s.Dial("/feed", nexotest.WithLocalIP("127.0.0.1"))
	if ce := over.ExpectClose(ws.CloseTryAgainLater); ce.Reason != "too many connections from this address" {
		t.Fatalf("over the cap: reason %q", ce.Reason)
	}
	over.Close()

	cookie, _ := login(t, s, "alan", "turing")
	alan := s.Dial("/feed", nexotest.WithLocalIP("127.0.0.2"), nexotest.WithHeader("Cookie", cookie))
	alan.ExpectText(`{"type":"welcome","you":"alan"}`)
	alan.SendText(`{"text":"hello"}`)
	for _, c := range append(open, alan) {
		c.ExpectText(`{"type":"post","author":"alan","text":"hello"}`)
		c.CloseNormal()
	}
}

// A message over 4 KiB closes its sender with 1009 and reaches nobody.
func TestFeedOversize(t *testing.T) {
	s := newTestServer(t)
	cookie, _ := login(t, s, "ada", "lovelace")
	reader := s.Dial("/feed", nexotest.WithLocalIP("127.0.0.2"))
	reader.ExpectText(`{"type":"welcome","you":""}`)
	ada := s.Dial("/feed", nexotest.WithHeader("Cookie", cookie))
	ada.ExpectText(`{"type":"welcome","you":"ada"}`)
	ada.SendText(`{"text":"` + strings.Repeat("x", 5000) + `"}`)
	ada.ExpectClose(ws.CloseMessageTooBig)
	ada.Close()

	ada = s.Dial("/feed", nexotest.WithHeader("Cookie", cookie))
	ada.ExpectText(`{"type":"welcome","you":"ada"}`)
	ada.SendText(`{"text":"short"}`)
	want := `{"type":"post","author":"ada","text":"short"}`
	reader.ExpectText(want) // the first post it sees: the big one went nowhere
	ada.ExpectText(want)
	reader.CloseNormal()
	ada.CloseNormal()
}

// The page checks a post against the server's limits before it sends it:
// its figures are the server's.
func TestPageKnowsTheLimits(t *testing.T) {
	want := fmt.Sprintf("const maxChars = %d, maxBytes = %d;", maxPostChars, maxPostBytes)
	if !bytes.Contains(page, []byte(want)) {
		t.Errorf("index.html lacks %q", want)
	}
	if f, ok := reflect.TypeFor[inbound]().FieldByName("Text"); !ok || !strings.Contains(f.Tag.Get("validate"), fmt.Sprintf("max=%d", maxPostChars)) {
		t.Errorf("inbound.Text validates %q, want max=%d", f.Tag.Get("validate"), maxPostChars)
	}
}
