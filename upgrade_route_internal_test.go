package nexo

import (
	"context"
	"fmt"
	"net/http"
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
