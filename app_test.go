package nexo_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func echo(c *ws.Conn) error {
	for m, err := c.Receive(); ; m, err = c.Receive() {
		if err != nil {
			return err
		}
		if err := c.Send(m); err != nil {
			return err
		}
	}
}

func TestPathParamsAndPageOnSamePattern(t *testing.T) {
	app := nexo.New()
	app.Get("/chat/{room}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "page for "+r.PathValue("room"))
	})
	app.WebSocketRoute("/chat/{room}", func(c *ws.Conn) error {
		return c.SendText("room " + c.PathParam("room"))
	})
	s := nexotest.NewServer(t, app)

	resp, err := http.Get(s.URL + "/chat/lobby")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "page for lobby" {
		t.Fatalf("page: %q", body)
	}
	c := s.Dial("/chat/lobby")
	c.ExpectText("room lobby")
	c.ExpectClose(ws.CloseNormal)
}

func TestWSRouteWithoutPageAnswers426(t *testing.T) {
	app := nexo.New()
	app.WebSocketRoute("/ws", echo)
	s := nexotest.NewServer(t, app)
	resp, err := http.Get(s.URL + "/ws")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUpgradeRequired {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// order records the middleware that ran, in order.
type order struct {
	mu  sync.Mutex
	got []string
}

func (o *order) mw(name string) ws.Middleware {
	return func(next ws.HandlerFunc) ws.HandlerFunc {
		return func(c *ws.Conn) error {
			o.mu.Lock()
			o.got = append(o.got, name)
			o.mu.Unlock()
			return next(c)
		}
	}
}

func (o *order) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.got, ",")
}

func TestMiddlewareOrderAcrossMounts(t *testing.T) {
	var o order
	app := nexo.New()
	app.UseWS(o.mw("app"))

	api := nexo.NewRouter()
	api.UseWS(o.mw("api"))
	api.WebSocketRoute("/items/{id}", func(c *ws.Conn) error {
		return c.SendText("item " + c.PathParam("id"))
	}, o.mw("route"))
	api.Get("/ping", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "pong") })
	app.Mount("/api", api)

	wr := ws.NewRouter()
	wr.Use(o.mw("wsrouter"))
	wr.HandleFunc("/echo", echo, o.mw("wsroute"))
	app.MountWS("/rt", wr)

	s := nexotest.NewServer(t, app)
	c := s.Dial("/api/items/7")
	c.ExpectText("item 7")
	c.ExpectClose(ws.CloseNormal)
	if got := o.String(); got != "app,api,route" {
		t.Fatalf("order %s", got)
	}

	o.got = nil
	c = s.Dial("/rt/echo")
	c.SendText("x")
	c.ExpectText("x")
	c.CloseNormal()
	if got := o.String(); got != "app,wsrouter,wsroute" {
		t.Fatalf("order %s", got)
	}

	resp, err := http.Get(s.URL + "/api/ping")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestMiddlewareRefusals(t *testing.T) {
	app := nexo.New()
	deny := func(next ws.HandlerFunc) ws.HandlerFunc {
		return func(c *ws.Conn) error {
			switch c.Query().Get("as") {
			case "":
				return c.Close(ws.CloseUnauthorized, "token required")
			case "teapot":
				return c.Reject(http.StatusTeapot)
			}
			c.Set("user", c.Query().Get("as"))
			return next(c)
		}
	}
	app.WebSocketRoute("/ws", func(c *ws.Conn) error {
		u, _ := c.Get("user")
		return c.SendText("hello " + u.(string))
	}, deny)
	s := nexotest.NewServer(t, app)

	ce := s.Dial("/ws").ExpectClose(ws.CloseUnauthorized)
	if ce.Reason != "token required" {
		t.Fatalf("reason %q", ce.Reason)
	}
	if _, resp, err := s.TryDial("/ws?as=teapot"); err == nil || resp.StatusCode != http.StatusTeapot {
		t.Fatalf("want 418, got %v", err)
	}
	c := s.Dial("/ws?as=ada")
	c.ExpectText("hello ada")
	c.ExpectClose(ws.CloseNormal)
}

func TestUseWSAfterRoutePanics(t *testing.T) {
	app := nexo.New()
	defer app.Shutdown(context.Background())
	app.WebSocketRoute("/ws", echo)
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	app.UseWS(func(next ws.HandlerFunc) ws.HandlerFunc { return next })
}

func TestHandlerStyles(t *testing.T) {
	app := nexo.New()
	app.WebSocketRoute("/events", ws.Events{
		OnConnect: func(c *ws.Conn) error { return c.SendText("welcome") },
		OnMessage: func(c *ws.Conn, m ws.Message) error { return c.SendText("got " + m.Text()) },
	}.Handler())
	app.WebSocketRoute("/endpoint", ws.Serve(&upper{}))
	s := nexotest.NewServer(t, app)

	c := s.Dial("/events")
	c.ExpectText("welcome")
	c.SendText("a")
	c.ExpectText("got a")
	c.CloseNormal()

	c = s.Dial("/endpoint")
	c.SendText("abc")
	c.ExpectText("ABC")
	c.CloseNormal()
}

type upper struct{}

func (*upper) OnConnect(c *ws.Conn) error               { return nil }
func (*upper) OnReceive(c *ws.Conn, m ws.Message) error { return c.SendText(strings.ToUpper(m.Text())) }
func (*upper) OnDisconnect(c *ws.Conn, err error)       {}

type signup struct {
	Name string `json:"name" validate:"required,min=2"`
	Age  int    `json:"age" validate:"gte=18"`
}

func TestDecodeValidation(t *testing.T) {
	app := nexo.New()
	app.WebSocketRoute("/ws", func(c *ws.Conn) error {
		for {
			v, err := ws.Decode[signup](c)
			if errors.Is(err, ws.ErrClosed) {
				return err
			}
			if err != nil {
				c.SendError(err)
				continue
			}
			c.SendJSON(map[string]string{"ok": v.Name})
		}
	})
	s := nexotest.NewServer(t, app)
	c := s.Dial("/ws")
	c.SendText(`{"name":"a","age":3}`)
	var e ws.ErrorFrame
	c.ReadJSON(&e)
	if e.Type != "error" || e.Error != "validation" || e.Fields["name"] != "min=2" || e.Fields["age"] != "gte=18" {
		t.Fatalf("got %+v", e)
	}
	c.SendText(`{not json`)
	c.ReadJSON(&e)
	if e.Error != "invalid_json" {
		t.Fatalf("got %+v", e)
	}
	c.SendText(`{"name":"ada","age":36}`)
	c.ExpectText(`{"ok":"ada"}`)
	c.CloseNormal()
}

func TestAppShutdownDrains(t *testing.T) {
	app := nexo.New(nexo.WithShutdownWindow(0))
	app.WebSocketRoute("/ws", echo)
	s := nexotest.NewServer(t, app)
	c := s.Dial("/ws")
	c.SendText("x")
	c.ExpectText("x")
	done := make(chan error, 1)
	go func() { done <- app.Shutdown(context.Background()) }()
	c.ExpectClose(ws.CloseGoingAway)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if app.Context().Err() == nil {
		t.Fatal("app context not cancelled")
	}
}

func TestUpgradeThroughHTTPMiddleware(t *testing.T) {
	app := nexo.New()
	app.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(&wrapped{ResponseWriter: w}, r)
		})
	})
	app.WebSocketRoute("/ws", echo)
	s := nexotest.NewServer(t, app)
	c := s.Dial("/ws")
	c.SendText("through")
	c.ExpectText("through")
	c.CloseNormal()
}

// wrapped hides http.Hijacker, as logging middleware often does, but
// implements Unwrap.
type wrapped struct{ http.ResponseWriter }

func (w *wrapped) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestServesBrowserClient(t *testing.T) {
	s := nexotest.NewServer(t, nexo.New())
	for path, want := range map[string]string{
		"/nexo/client.js": "export function connect",
		"/nexo/react.js":  "export function useWebSocket",
	} {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") || !strings.Contains(string(body), want) {
			t.Fatalf("%s: status %d, type %q, %.80q", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
}
