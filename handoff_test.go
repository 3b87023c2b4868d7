package nexo_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// TestRouteContextOutlivesHandshake checks that chi's routing context seen
// by a connection stays its own after the handshake, when chi has put the
// original back in its pool and routed other requests with it.
func TestRouteContextOutlivesHandshake(t *testing.T) {
	app := nexo.New()
	app.Get("/other/{thing}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, chi.URLParam(r, "thing"))
	})
	app.WebSocketRoute("/rooms/{room}", func(c *ws.Conn) error {
		for range c.Texts() {
			r := c.Request()
			if err := c.SendText(chi.URLParam(r, "room") + " " + chi.RouteContext(r.Context()).RoutePattern()); err != nil {
				return err
			}
		}
		return c.Err()
	})
	s := nexotest.NewServer(t, app)
	c := s.Dial("/rooms/lobby")
	c.SendText("?")
	c.ExpectText("lobby /rooms/{room}")
	getMany(t, http.DefaultClient, s.URL+"/other/x", 20)
	c.SendText("?")
	c.ExpectText("lobby /rooms/{room}")
	c.CloseNormal()
}

// getMany gets url n times, so that chi routes other requests with the
// routing contexts of its pool.
func getMany(t *testing.T, client *http.Client, url string, n int) {
	t.Helper()
	for range n {
		resp, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
