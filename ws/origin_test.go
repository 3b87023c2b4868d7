package ws_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// Accept checks the origin with the connection's settings: Configure and
// Accept's options may widen the server's same-host default.
func TestOriginCheckedAtAccept(t *testing.T) {
	acceptErr := make(chan error, 1)
	h := func(c *ws.Conn) error {
		switch c.Query().Get("via") {
		case "configure":
			if err := c.Configure(ws.WithOrigins("https://partner.org")); err != nil {
				return err
			}
		case "accept":
			err := c.Accept(ws.WithOrigins("https://*.partner.org"))
			if err != nil {
				acceptErr <- err
				return err
			}
		}
		return echo(c)
	}
	s, srv := serve(t, h)

	for path, origin := range map[string]string{
		"/ws?via=configure": "https://partner.org",
		"/ws?via=accept":    "https://www.partner.org",
	} {
		ok := s.Dial(path, nexotest.WithOrigin(origin))
		ok.SendText("hi")
		ok.ExpectText("hi")
		ok.CloseNormal()
	}

	// Without the handler's widening the same origin is refused.
	s.Dial("/ws", nexotest.WithOrigin("https://partner.org")).ExpectClose(ws.CloseForbidden)

	// A refused Accept reports the 4403 close to the handler.
	bad := s.Dial("/ws?via=accept", nexotest.WithOrigin("https://evil.example"))
	if ce := bad.ExpectClose(ws.CloseForbidden); ce.Reason != "origin not allowed" {
		t.Fatalf("reason %q", ce.Reason)
	}
	err := <-acceptErr
	if !errors.Is(err, ws.ErrClosed) || ws.CloseStatus(err) != ws.CloseForbidden {
		t.Fatalf("Accept returned %v, want a 4403 close", err)
	}
	if st := srv.Stats(); st.HandlerErrors != 0 {
		t.Fatalf("a refused origin was logged as a handler error: %+v", st)
	}
}

// A request without Origin (not a browser) is never refused for it.
func TestOriginAbsentAllowed(t *testing.T) {
	s, _ := serve(t, echo)
	c := s.Dial("/ws")
	c.SendText("hi")
	c.ExpectText("hi")
	c.CloseNormal()
}

// FuzzOriginAllowed: any Origin header and Host never panic, and an
// allowed browser origin is always the request's own host or a match for a
// pattern: an exact host, or a strict sub-domain of a wildcard's, over
// https.
func FuzzOriginAllowed(f *testing.F) {
	for _, s := range [][2]string{
		{"https://app.example.com", "app.example.com"},
		{"https://a.b.example.com", "x"},
		{"https://example.com", "x"},
		{"https://evilexample.com", "x"},
		{"http://partner.org", "x"},
		{"null", "x"},
		{"https://PARTNER.org:443", "x"},
		{"https://user@partner.org", "x"},
		{"https://.example.com", "x"},
		{"%zz", "x"},
		{"", "x"},
	} {
		f.Add(s[0], s[1])
	}
	patterns := []string{"https://partner.org", "https://*.example.com"}
	f.Fuzz(func(t *testing.T, origin, host string) {
		r := &http.Request{Header: http.Header{}, Host: host}
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		if !ws.OriginAllowed(r, patterns) {
			if origin == "" {
				t.Fatal("a request without Origin was refused")
			}
			return
		}
		if origin == "" {
			return
		}
		u, err := url.Parse(origin)
		if err != nil || u.Host == "" {
			t.Fatalf("unparsable origin %q allowed", origin)
		}
		h := strings.ToLower(u.Host)
		switch {
		case strings.EqualFold(u.Host, host):
		case !strings.EqualFold(u.Scheme, "https"):
			t.Fatalf("origin %q allowed over %q", origin, u.Scheme)
		case h == "partner.org":
		case strings.HasSuffix(h, ".example.com") && len(h) > len(".example.com"):
		default:
			t.Fatalf("origin %q allowed for host %q", origin, host)
		}
	})
}
