package ws_test

import (
	"testing"

	"github.com/nexogo/nexo/ws"
)

func TestRouterPrefix(t *testing.T) {
	h := func(c *ws.Conn) error { return nil }
	tests := []struct {
		name, prefix string
		want         []string
	}{
		{"none", "", []string{"/a", "/b/{id}", "/c"}},
		{"prefix", "/chat", []string{"/chat/a", "/chat/b/{id}", "/chat/c"}},
		{"trailing slash", "/chat/", []string{"/chat/a", "/chat/b/{id}", "/chat/c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ws.NewRouter(ws.WithPrefix(tt.prefix))
			r.HandleFunc("/a", h)
			r.Handle("/b/{id}", ws.HandlerFunc(h))
			r.Route("/c", h) // the deprecated name still registers
			var got []string
			for _, rt := range r.Routes() {
				got = append(got, rt.Pattern)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v", got)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
			if r.Prefix() != tt.want[0][:len(tt.want[0])-2] {
				t.Fatalf("Prefix() = %q", r.Prefix())
			}
		})
	}
}

func TestRouterPrefixWithoutSlashPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	ws.WithPrefix("chat")
}
