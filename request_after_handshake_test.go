package nexo_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

type mwKey struct{}

// requestView is what a handler sees of its upgrade request, through every
// accessor, after the handshake.
func requestView(c *ws.Conn) string {
	r := c.Request()
	ctx := r.Context()
	ck, err := c.Cookie("session")
	cookie := "none"
	if err == nil {
		cookie = ck.Value
	}
	rc := chi.RouteContext(ctx)
	pattern := ""
	if rc != nil {
		pattern = rc.RoutePattern()
	}
	local, _ := ctx.Value(http.LocalAddrContextKey).(net.Addr)
	_, hasServer := ctx.Value(http.ServerContextKey).(*http.Server)
	fields := []string{
		fmt.Sprint("mw=", ctx.Value(mwKey{})),
		"outer=" + fmt.Sprint(ctx.Value(outerKey{})),
		"room=" + c.PathParam("room") + "/" + chi.URLParam(r, "room") + "/" + r.PathValue("room"),
		"q=" + c.Query().Get("q") + "/" + r.URL.Query().Get("q"),
		"h=" + c.Header().Get("X-Pin") + "/" + r.Header.Get("X-Pin"),
		"cookie=" + cookie,
		"pattern=" + pattern + "/" + r.Pattern,
		"method=" + r.Method + " " + r.Proto + " " + r.RequestURI,
		fmt.Sprint("remote=", c.RemoteAddr() == r.RemoteAddr && r.RemoteAddr != ""),
		fmt.Sprint("local=", local != nil),
		fmt.Sprint("server=", hasServer),
		fmt.Sprint("tls=", r.TLS != nil),
		fmt.Sprint("ended=", ended(ctx)),
		fmt.Sprint("same=", c.Request() == r && c.Header() != nil && sameMap(c.Header(), r.Header)),
	}
	return strings.Join(fields, " ")
}

// ended waits for ctx to end (net/http ends it once the handshake's
// ServeHTTP has returned, which a client may outrun) and reports whether
// it has ended as a context net/http cancelled does: Err and Cause are
// context.Canceled, there is no deadline, and a context derived from it
// is done at once.
func ended(ctx context.Context) bool {
	<-ctx.Done()
	child, cancel := context.WithCancel(ctx)
	defer cancel()
	_, hasDeadline := ctx.Deadline()
	return ctx.Err() == context.Canceled && context.Cause(ctx) == context.Canceled && !hasDeadline &&
		child.Err() == context.Canceled && context.Cause(child) == context.Canceled
}

func sameMap(a, b http.Header) bool {
	a["X-Probe"] = []string{"1"}
	defer delete(a, "X-Probe")
	return b.Get("X-Probe") == "1"
}

type outerKey struct{}

// TestRequestAfterHandshake pins what a handler sees of its upgrade
// request once the handshake is done and chi has routed other requests
// with its pooled state: values set by HTTP middleware (the App's and one
// wrapping the App), headers, cookies, path parameters (chi's and
// net/http's), the query, the remote address, net/http's context values,
// TLS state, and a context that has ended.
func TestRequestAfterHandshake(t *testing.T) {
	for _, tc := range []struct{ secure, wrapped bool }{{false, false}, {false, true}, {true, false}, {true, true}} {
		secure := tc.secure
		t.Run(fmt.Sprintf("tls=%v,wrapped=%v", tc.secure, tc.wrapped), func(t *testing.T) {
			app := nexo.New()
			app.Use(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), mwKey{}, "from-mw")))
				})
			})
			app.Get("/other/{thing}", func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, chi.URLParam(r, "thing"))
			})
			app.WebSocketRoute("/rooms/{room}", func(c *ws.Conn) error {
				if err := c.Accept(); err != nil {
					return err
				}
				for range c.Texts() {
					if err := c.SendText(requestView(c)); err != nil {
						return err
					}
				}
				return c.Err()
			})
			// The App as the server's handler, or inside a handler that
			// adds to the request's context.
			var outer http.Handler = app
			wantOuter := "<nil>"
			if tc.wrapped {
				outer = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					app.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), outerKey{}, "from-outer")))
				})
				wantOuter = "from-outer"
			}
			var opts []nexotest.ServerOption
			if secure {
				opts = append(opts, nexotest.WithTLS())
			}
			s := nexotest.NewServer(t, outer, opts...)
			h := http.Header{}
			h.Set("X-Pin", "pinned")
			h.Set("Cookie", "session=abc; other=x")
			h.Set("Origin", s.URL)
			var c *nexotest.Conn
			if secure {
				d := websocket.Dialer{TLSClientConfig: s.Client().Transport.(*http.Transport).TLSClientConfig}
				wc, _, err := d.Dial(s.WSURL("/rooms/lobby?q=x%20y"), h)
				if err != nil {
					t.Fatal(err)
				}
				defer wc.Close()
				c = &nexotest.Conn{Conn: wc}
			} else {
				c = s.Dial("/rooms/lobby?q=x%20y", nexotest.WithHeader("X-Pin", "pinned"),
					nexotest.WithHeader("Cookie", "session=abc; other=x"), nexotest.WithOrigin(s.URL))
			}
			want := "mw=from-mw outer=" + wantOuter + " room=lobby/lobby/lobby q=x y/x y h=pinned/pinned cookie=abc " +
				"pattern=/rooms/{room}//rooms/{room} method=GET HTTP/1.1 /rooms/lobby?q=x%20y remote=true local=true server=true " +
				fmt.Sprintf("tls=%v ended=true same=true", secure)
			ask := func() {
				t.Helper()
				if err := c.WriteMessage(websocket.TextMessage, []byte("?")); err != nil {
					t.Fatal(err)
				}
				_, got, err := c.ReadMessage()
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != want {
					t.Fatalf("handler sees\n%s\nwant\n%s", got, want)
				}
			}
			ask()
			getMany(t, s.Client(), s.URL+"/other/x", 20)
			ask()
		})
	}
}
