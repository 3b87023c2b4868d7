package nexo

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// TestUpgradeRouteLetsGoOfNetHTTPContext checks that a connection keeps
// net/http's part of its request's context only when that part is not
// exactly net/http's own: served by the App directly, the chain ends in an
// httpEnded after the handshake (and describes itself as before);
// behind a handler that adds a value, in net/http's chain as it was.
func TestUpgradeRouteLetsGoOfNetHTTPContext(t *testing.T) {
	for _, wrapped := range []bool{false, true} {
		t.Run(fmt.Sprint("wrapped=", wrapped), func(t *testing.T) {
			app := New()
			var before string
			app.Use(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if u, _ := r.Context().Value(ownRouteKey{}).(*upgradeRoute); u != nil {
						before = contextName(u.ctx())
					}
					next.ServeHTTP(w, r)
				})
			})
			app.WebSocketRoute("/ws", func(c *ws.Conn) error {
				if err := c.Accept(); err != nil {
					return err
				}
				for range c.Texts() {
					u, _ := c.Request().Context().Value(ownRouteKey{}).(*upgradeRoute)
					if u == nil {
						return c.SendText("no upgradeRoute")
					}
					_, isEnded := u.ctx().(*httpEnded)
					if err := c.SendText(fmt.Sprint(isEnded, " ", contextName(u.ctx()) == before)); err != nil {
						return err
					}
				}
				return c.Err()
			})
			var h http.Handler = app
			if wrapped {
				h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					app.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ownRouteKey{}, nil)))
				})
			}
			s := nexotest.NewServer(t, h)
			c := s.Dial("/ws", nexotest.WithOrigin(s.URL))
			c.SendText("?")
			c.ExpectText(fmt.Sprint(!wrapped, " true"))
			c.CloseNormal()
		})
	}
}

// TestIsHTTPRequestContext checks that only net/http's own chain is
// recognised: not one with a BaseContext, a ConnContext, or a value a
// handler added.
func TestIsHTTPRequestContext(t *testing.T) {
	type key struct{}
	for _, tc := range []struct {
		name string
		set  func(*http.Server)
		wrap func(*http.Request) *http.Request
		want bool
	}{
		{"plain", nil, nil, true},
		{"base", func(s *http.Server) {
			s.BaseContext = func(net.Listener) context.Context { return context.WithValue(context.Background(), key{}, 1) }
		}, nil, false},
		{"conn", func(s *http.Server) {
			s.ConnContext = func(ctx context.Context, _ net.Conn) context.Context { return context.WithValue(ctx, key{}, 1) }
		}, nil, false},
		{"handler value", nil, func(r *http.Request) *http.Request {
			return r.WithContext(context.WithValue(r.Context(), key{}, 1))
		}, false},
		{"handler cancel", nil, func(r *http.Request) *http.Request {
			ctx, cancel := context.WithCancel(r.Context())
			t.Cleanup(cancel)
			return r.WithContext(ctx)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.wrap != nil {
					r = tc.wrap(r)
				}
				fmt.Fprint(w, isHTTPRequestContext(r.Context()))
			}))
			if tc.set != nil {
				tc.set(hs.Config)
			}
			hs.Start()
			defer hs.Close()
			_, body := nexotest.Get(t, hs.URL)
			if body != fmt.Sprint(tc.want) {
				t.Fatalf("isHTTPRequestContext = %s, want %v", body, tc.want)
			}
		})
	}
}
