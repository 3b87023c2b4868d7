package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/nexogo/nexo/middleware"
)

func mustTrusted(t testing.TB, cidrs ...string) []netip.Prefix {
	t.Helper()
	p, err := middleware.ParseTrusted(cidrs...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestClientIP(t *testing.T) {
	trusted := mustTrusted(t, "10.0.0.0/8", "192.0.2.7", "2001:db8:1::/48")
	tests := []struct {
		name    string
		remote  string
		header  middleware.ProxyHeader
		values  []string // header lines
		trusted []netip.Prefix
		want    string
	}{
		{"no proxies: socket", "203.0.113.9:5555", middleware.XForwardedFor, []string{"1.1.1.1"}, nil, "203.0.113.9"},
		{"untrusted peer: header ignored", "203.0.113.9:5555", middleware.XForwardedFor, []string{"1.1.1.1"}, trusted, "203.0.113.9"},
		{"trusted peer, one hop", "10.0.0.1:80", middleware.XForwardedFor, []string{"198.51.100.4"}, trusted, "198.51.100.4"},
		{"spoofed left entries ignored", "10.0.0.1:80", middleware.XForwardedFor, []string{"6.6.6.6, 198.51.100.4"}, trusted, "198.51.100.4"},
		{"chain of trusted proxies", "10.0.0.1:80", middleware.XForwardedFor, []string{"6.6.6.6, 198.51.100.4, 10.1.1.1, 192.0.2.7"}, trusted, "198.51.100.4"},
		{"several header lines", "10.0.0.1:80", middleware.XForwardedFor, []string{"6.6.6.6", "198.51.100.4, 10.2.2.2"}, trusted, "198.51.100.4"},
		{"all trusted: leftmost", "10.0.0.1:80", middleware.XForwardedFor, []string{"10.9.9.9, 10.8.8.8"}, trusted, "10.9.9.9"},
		{"no header: the proxy", "10.0.0.1:80", middleware.XForwardedFor, nil, trusted, "10.0.0.1"},
		{"garbage after trusted hop", "10.0.0.1:80", middleware.XForwardedFor, []string{"bogus, 10.3.3.3"}, trusted, "10.3.3.3"},
		{"garbage from the proxy", "10.0.0.1:80", middleware.XForwardedFor, []string{"198.51.100.4, bogus"}, trusted, "10.0.0.1"},
		{"empty entry", "10.0.0.1:80", middleware.XForwardedFor, []string{"198.51.100.4,"}, trusted, "10.0.0.1"},
		{"hop with port", "10.0.0.1:80", middleware.XForwardedFor, []string{"198.51.100.4:1234"}, trusted, "198.51.100.4"},
		{"IPv6 hop", "10.0.0.1:80", middleware.XForwardedFor, []string{"2001:db8:2::5"}, trusted, "2001:db8:2::5"},
		{"bracketed IPv6 hop with port", "10.0.0.1:80", middleware.XForwardedFor, []string{"[2001:db8:2::5]:443"}, trusted, "2001:db8:2::5"},
		{"IPv4-mapped hop", "10.0.0.1:80", middleware.XForwardedFor, []string{"::ffff:198.51.100.4"}, trusted, "198.51.100.4"},
		{"IPv6 trusted peer", "[2001:db8:1::1]:443", middleware.XForwardedFor, []string{"198.51.100.4"}, trusted, "198.51.100.4"},
		{"IPv4-mapped trusted peer", "[::ffff:10.0.0.1]:80", middleware.XForwardedFor, []string{"198.51.100.4"}, trusted, "198.51.100.4"},
		{"XFF ignored for Forwarded", "10.0.0.1:80", middleware.Forwarded, nil, trusted, "10.0.0.1"},
		{"forwarded", "10.0.0.1:80", middleware.Forwarded, []string{`for=198.51.100.4;proto=https`}, trusted, "198.51.100.4"},
		{"forwarded chain", "10.0.0.1:80", middleware.Forwarded, []string{`for=6.6.6.6, for=198.51.100.4;by=10.0.0.1, for=10.4.4.4`}, trusted, "198.51.100.4"},
		{"forwarded quoted IPv6", "10.0.0.1:80", middleware.Forwarded, []string{`for="[2001:db8:cafe::17]:4711"`}, trusted, "2001:db8:cafe::17"},
		{"forwarded case", "10.0.0.1:80", middleware.Forwarded, []string{`For=198.51.100.4`}, trusted, "198.51.100.4"},
		{"forwarded quoted comma", "10.0.0.1:80", middleware.Forwarded, []string{`for=6.6.6.6;x="a,b", for=198.51.100.4`}, trusted, "198.51.100.4"},
		{"forwarded unknown", "10.0.0.1:80", middleware.Forwarded, []string{`for=unknown`}, trusted, "10.0.0.1"},
		{"forwarded obfuscated", "10.0.0.1:80", middleware.Forwarded, []string{`for=_hidden, for=10.5.5.5`}, trusted, "10.5.5.5"},
		{"forwarded without for", "10.0.0.1:80", middleware.Forwarded, []string{`proto=https`}, trusted, "10.0.0.1"},
		{"not an address", "pipe", middleware.XForwardedFor, []string{"198.51.100.4"}, trusted, "invalid IP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remote
			name := "X-Forwarded-For"
			if tt.header == middleware.Forwarded {
				name = "Forwarded"
				r.Header.Set("X-Forwarded-For", "6.6.6.6")
			}
			for _, v := range tt.values {
				r.Header.Add(name, v)
			}
			if got := middleware.ClientIPFrom(r, tt.trusted, tt.header).String(); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParseTrusted(t *testing.T) {
	got := mustTrusted(t, "10.0.0.0/8", " 192.0.2.7 ", "10.1.2.3/16", "::ffff:10.0.0.0/104", "2001:db8::/32")
	want := []string{"10.0.0.0/8", "192.0.2.7/32", "10.1.0.0/16", "10.0.0.0/8", "2001:db8::/32"}
	for i, p := range got {
		if p.String() != want[i] {
			t.Errorf("%d: got %s, want %s", i, p, want[i])
		}
	}
	for _, bad := range []string{"", "10.0.0.0/33", "example.com", "::ffff:0.0.0.0/8"} {
		if _, err := middleware.ParseTrusted(bad); err == nil {
			t.Errorf("ParseTrusted(%q): no error", bad)
		}
	}
}

// FuzzClientIP checks that ClientIP never panics, that an untrusted peer
// is never overridden by headers, and that the address a trusted proxy
// appends wins over anything the client wrote before it.
func FuzzClientIP(f *testing.F) {
	f.Add("10.0.0.1:80", "6.6.6.6, 198.51.100.4", "for=1.2.3.4;proto=http, for=\"[::1]:80\"")
	f.Add("203.0.113.9:1", "", "")
	f.Add("[::ffff:10.0.0.1]:80", "unknown,,[2001:db8::1]:5", `for="\"`)
	f.Add("10.0.0.1:80", "10.0.0.2,10.0.0.3", `for=_x;by=y, ;;, "a,b`)
	trusted, _ := middleware.ParseTrusted("10.0.0.0/8", "2001:db8:1::/48")
	client := netip.MustParseAddr("198.51.100.77")
	f.Fuzz(func(t *testing.T, remote, xff, fwd string) {
		r := &http.Request{RemoteAddr: remote, Header: http.Header{}}
		r.Header.Set("X-Forwarded-For", xff)
		r.Header.Set("Forwarded", fwd)
		peer := middleware.ClientIP(&http.Request{RemoteAddr: remote}, nil)
		for _, h := range []middleware.ProxyHeader{middleware.XForwardedFor, middleware.Forwarded} {
			got := middleware.ClientIPFrom(r, trusted, h)
			if got.IsValid() != peer.IsValid() {
				t.Fatalf("peer %v, client %v", peer, got)
			}
			if peer.IsValid() && !trustedAddr(peer, trusted) && got != peer {
				t.Fatalf("untrusted peer %v overridden by headers: %v", peer, got)
			}
			if got.Zone() != "" || got.Is4In6() {
				t.Fatalf("not normalized: %v", got)
			}
		}
		if !peer.IsValid() || !trustedAddr(peer, trusted) {
			return
		}
		// The trusted proxy appends the client it saw.
		r.Header.Set("X-Forwarded-For", xff+","+client.String())
		if got := middleware.ClientIP(r, trusted); got != client {
			t.Fatalf("XFF %q: got %v, want %v", r.Header.Get("X-Forwarded-For"), got, client)
		}
		r.Header.Set("Forwarded", fwd+", for="+client.String())
		if got := middleware.ClientIPFrom(r, trusted, middleware.Forwarded); got != client {
			t.Fatalf("Forwarded %q: got %v, want %v", r.Header.Get("Forwarded"), got, client)
		}
	})
}

func trustedAddr(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
