package nexo_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

type greeter interface{ Greet(name string) string }

type english struct{}

func (english) Greet(name string) string { return "hello " + name }

type store struct{ name string }

// describe reports what the values of ctx's App are.
func describe(v1 *store, ok1 bool, v2 greeter, ok2 bool, _ int, ok3 bool) string {
	s := "no store"
	if ok1 {
		s = "store " + v1.name
	}
	if ok2 {
		s += ", " + v2.Greet("ada")
	}
	return s + fmt.Sprintf(", int %v", ok3)
}

// Every handler of an App reads its values (WebSocket, HTTP, a mounted
// router's); another App's values are its own.
func TestProvideValue(t *testing.T) {
	newApp := func(name string) *nexo.App {
		app := nexo.New()
		nexo.Provide(app, &store{name})
		nexo.Provide[greeter](app, english{})
		wsh := func(c *ws.Conn) error {
			ctx := c.Context()
			s, ok1 := nexo.Value[*store](ctx)
			g, ok2 := nexo.Value[greeter](ctx)
			n, ok3 := nexo.Value[int](ctx)
			return c.SendText(describe(s, ok1, g, ok2, n, ok3))
		}
		httph := func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			s, ok1 := nexo.Value[*store](ctx)
			g, ok2 := nexo.Value[greeter](ctx)
			n, ok3 := nexo.Value[int](ctx)
			fmt.Fprint(w, describe(s, ok1, g, ok2, n, ok3))
		}
		app.WebSocketRoute("/ws", wsh)
		app.Get("/page", httph)
		sub := nexo.NewRouter()
		sub.Get("/page", httph)
		sub.WebSocketRoute("/ws", wsh)
		app.Mount("/sub", sub)
		return app
	}
	for _, name := range []string{"a", "b"} {
		s := nexotest.NewServer(t, newApp(name))
		want := "store " + name + ", hello ada, int false"
		for _, path := range []string{"/ws", "/sub/ws"} {
			c := s.Dial(path)
			c.ExpectText(want)
			c.CloseNormal()
		}
		for _, path := range []string{"/page", "/sub/page"} {
			if _, body := nexotest.Get(t, s.URL+path); body != want {
				t.Fatalf("%s: %q, want %q", path, body, want)
			}
		}
	}
}

// A second Provide of a type replaces the first, and is seen by the
// connections that read it afterwards; an App with no value of a type,
// and a context of no App, read false.
func TestProvideReplaces(t *testing.T) {
	app := nexo.New()
	nexo.Provide(app, &store{"old"})
	app.WebSocketRoute("/ws", func(c *ws.Conn) error {
		s, _ := nexo.Value[*store](c.Context())
		return c.SendText(s.name)
	})
	srv := nexotest.NewServer(t, app)
	c := srv.Dial("/ws")
	c.ExpectText("old")
	c.CloseNormal()
	nexo.Provide(app, &store{"new"})
	c = srv.Dial("/ws")
	c.ExpectText("new")
	c.CloseNormal()
	if _, ok := nexo.Value[*store](t.Context()); ok {
		t.Fatal("a context of no App has a value")
	}
	if _, ok := nexo.Value[greeter](app.Context()); ok {
		t.Fatal("a type never provided has a value")
	}
	nexo.Provide[greeter](app, nil)
	if g, ok := nexo.Value[greeter](app.Context()); !ok || g != nil {
		t.Fatalf("nil interface: %v %v", g, ok)
	}
}
