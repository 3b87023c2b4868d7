package nexo_test

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// requireToken is WS middleware that closes with 4401 unless the query
// carries token=ok.
func requireToken(next ws.HandlerFunc) ws.HandlerFunc {
	return func(c *ws.Conn) error {
		if c.Query().Get("token") != "ok" {
			return c.Close(ws.CloseUnauthorized, "token required")
		}
		return next(c)
	}
}

// requireHeader is HTTP middleware that answers 401 unless the request
// has an X-Key header.
func requireHeader(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Key") == "" {
			http.Error(w, "key required", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// expectText dials path, expects the text want, then a normal close.
func expectText(s *nexotest.Server, path, want string) {
	c := s.Dial(path)
	c.ExpectText(want)
	c.ExpectClose(ws.CloseNormal)
}

// hello greets with the route's pattern.
func hello(c *ws.Conn) error { return c.SendText("hello " + c.Request().Pattern) }

// get fetches url with method and returns the status and body.
func get(t *testing.T, method, url string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestGroupUseWSAppliesToTheGroupOnly(t *testing.T) {
	app := nexo.New()
	app.Group(func(g *nexo.Router) {
		g.UseWS(requireToken)
		g.WebSocketRoute("/private", hello)
	})
	app.WebSocketRoute("/public", hello)
	s := nexotest.NewServer(t, app)

	s.Dial("/private").ExpectClose(ws.CloseUnauthorized)
	expectText(s, "/private?token=ok", "hello /private")
	expectText(s, "/public", "hello /public")
}

func TestWithHTTPMiddlewareOnWSRoute(t *testing.T) {
	app := nexo.New()
	app.With(requireHeader).WebSocketRoute("/keyed", hello)
	app.WebSocketRoute("/open", hello)
	// A page and a socket on one pattern, in different groups: each runs
	// its own group's middleware.
	app.With(requireHeader).Get("/both", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "page") })
	app.WebSocketRoute("/both", hello)
	s := nexotest.NewServer(t, app)

	if _, resp, err := s.TryDial("/keyed"); err == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("want 401, got %v", err)
	}
	c := s.Dial("/keyed", nexotest.WithHeader("X-Key", "k"))
	c.ExpectText("hello /keyed")
	c.ExpectClose(ws.CloseNormal)
	expectText(s, "/open", "hello /open")

	if code, _ := get(t, http.MethodGet, s.URL+"/both", nil); code != http.StatusUnauthorized {
		t.Fatalf("page without key: %d", code)
	}
	if code, body := get(t, http.MethodGet, s.URL+"/both", http.Header{"X-Key": {"k"}}); code != 200 || body != "page" {
		t.Fatalf("page with key: %d %q", code, body)
	}
	expectText(s, "/both", "hello /both")
}

func TestRouteSubRouterWS(t *testing.T) {
	var o order
	app := nexo.New()
	app.UseWS(o.mw("app"))
	app.Route("/api", func(r *nexo.Router) {
		r.UseWS(o.mw("api"))
		r.Get("/live/{id}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "page "+r.PathValue("id")) })
		r.WebSocketRoute("/live/{id}", func(c *ws.Conn) error {
			return c.SendText(c.Request().Pattern + " " + c.PathParam("id"))
		})
		r.Group(func(g *nexo.Router) {
			g.UseWS(o.mw("admin"))
			g.WebSocketRoute("/admin", hello, o.mw("route"))
		})
		r.Route("/v2", func(r *nexo.Router) {
			r.WebSocketRoute("/live", hello)
		})
	})
	s := nexotest.NewServer(t, app)

	tests := []struct{ path, text, order string }{
		{"/api/live/7", "/api/live/{id} 7", "app,api"},
		{"/api/admin", "hello /api/admin", "app,api,admin,route"},
		{"/api/v2/live", "hello /api/v2/live", "app,api"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			o.mu.Lock()
			o.got = nil
			o.mu.Unlock()
			expectText(s, tt.path, tt.text)
			if got := o.String(); got != tt.order {
				t.Fatalf("order %s, want %s", got, tt.order)
			}
		})
	}
	if code, body := get(t, http.MethodGet, s.URL+"/api/live/7", nil); code != 200 || body != "page 7" {
		t.Fatalf("page: %d %q", code, body)
	}
}

// A Router set up with groups and sub-routers before it is mounted binds
// them all when it is.
func TestRouterGroupsBoundAtMount(t *testing.T) {
	var o order
	api := nexo.NewRouter()
	api.UseWS(o.mw("api"))
	api.Route("/v1", func(r *nexo.Router) {
		r.Group(func(g *nexo.Router) {
			g.UseWS(requireToken, o.mw("v1"))
			g.WebSocketRoute("/ws", hello)
		})
		r.WebSocketRoute("/open", hello)
	})
	app := nexo.New()
	app.UseWS(o.mw("app"))
	app.Mount("/api", api)
	s := nexotest.NewServer(t, app)

	s.Dial("/api/v1/ws").ExpectClose(ws.CloseUnauthorized)
	o.mu.Lock()
	o.got = nil
	o.mu.Unlock()
	expectText(s, "/api/v1/ws?token=ok", "hello /api/v1/ws")
	if got := o.String(); got != "app,api,v1" {
		t.Fatalf("order %s", got)
	}
	expectText(s, "/api/v1/open", "hello /api/v1/open")
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	app := nexo.New()
	app.NotFound(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nothing at "+r.URL.Path, http.StatusNotFound)
	})
	app.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no "+r.Method, http.StatusMethodNotAllowed)
	})
	app.WebSocketRoute("/ws", hello)
	app.Route("/api", func(r *nexo.Router) {
		r.Post("/items", func(w http.ResponseWriter, r *http.Request) {})
	})
	s := nexotest.NewServer(t, app)

	tests := []struct {
		method, path string
		code         int
		body         string
	}{
		{http.MethodGet, "/missing", 404, "nothing at /missing\n"},
		{http.MethodPost, "/ws", 405, "no POST\n"},
		{http.MethodGet, "/api/missing", 404, "nothing at /api/missing\n"},
		{http.MethodGet, "/api/items", 405, "no GET\n"},
	}
	for _, tt := range tests {
		if code, body := get(t, tt.method, s.URL+tt.path, nil); code != tt.code || body != tt.body {
			t.Errorf("%s %s: %d %q, want %d %q", tt.method, tt.path, code, body, tt.code, tt.body)
		}
	}
	expectText(s, "/ws", "hello /ws")
}

func TestChiMethods(t *testing.T) {
	app := nexo.New()
	say := func(s string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, s) }
	}
	app.Head("/h", func(w http.ResponseWriter, r *http.Request) { w.Header().Set("X-Head", "yes") })
	app.Options("/o", say("options"))
	app.Trace("/t", say("trace"))
	app.Query("/q", say("query"))
	app.HandleFunc("/any", say("any"))
	app.MethodFunc("get", "/m", say("method page")) // GET keeps the WebSocket route beside it
	app.Method(http.MethodPut, "/m", say("method put"))
	app.WebSocketRoute("/m", hello)
	s := nexotest.NewServer(t, app)

	tests := []struct{ method, path, body string }{
		{http.MethodOptions, "/o", "options"},
		{http.MethodTrace, "/t", "trace"},
		{"QUERY", "/q", "query"},
		{http.MethodDelete, "/any", "any"},
		{http.MethodGet, "/m", "method page"},
		{http.MethodPut, "/m", "method put"},
	}
	for _, tt := range tests {
		if code, body := get(t, tt.method, s.URL+tt.path, nil); code != 200 || body != tt.body {
			t.Errorf("%s %s: %d %q", tt.method, tt.path, code, body)
		}
	}
	resp, err := http.Head(s.URL + "/h")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Head") != "yes" {
		t.Errorf("HEAD: %v", resp.Header)
	}
	expectText(s, "/m", "hello /m")
}

func TestWalkListsWSRoutes(t *testing.T) {
	app := nexo.New()
	nexotest.NewServer(t, app) // shuts the app down at the end
	app.WebSocketRoute("/ws", hello)
	app.Route("/api", func(r *nexo.Router) {
		r.Group(func(g *nexo.Router) { g.WebSocketRoute("/live", hello) })
	})
	var got []string
	err := chi.Walk(app.Router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method == http.MethodGet {
			got = append(got, route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if strings.Join(got, " ") != "/api/live /ws" {
		t.Fatalf("routes %v", got)
	}
}

func TestGroupSetupMistakesPanic(t *testing.T) {
	noop := func(next ws.HandlerFunc) ws.HandlerFunc { return next }
	tests := map[string]func(app *nexo.App){
		"group Use after page": func(app *nexo.App) {
			g := app.With()
			g.Get("/p", func(http.ResponseWriter, *http.Request) {})
			g.Use(requireHeader)
		},
		"group Use after Post": func(app *nexo.App) {
			g := app.With()
			g.Post("/p", func(http.ResponseWriter, *http.Request) {})
			g.Use(requireHeader) // would not run on POST /p
		},
		"group Use after Handle": func(app *nexo.App) {
			g := app.Group(nil)
			g.Handle("/h", http.NotFoundHandler())
			g.Use(requireHeader)
		},
		"group Use after Method": func(app *nexo.App) {
			g := app.Group(nil)
			g.MethodFunc(http.MethodDelete, "/d", func(http.ResponseWriter, *http.Request) {})
			g.Use(requireHeader)
		},
		"group UseWS after WS route": func(app *nexo.App) {
			g := app.Group(nil)
			g.WebSocketRoute("/ws", hello)
			g.UseWS(noop)
		},
		"app UseWS after a group's WS route": func(app *nexo.App) {
			app.Group(func(g *nexo.Router) { g.WebSocketRoute("/ws", hello) })
			app.UseWS(noop)
		},
		"app UseWS after mounting a Router with a WS route": func(app *nexo.App) {
			r := nexo.NewRouter()
			r.WebSocketRoute("/ws", hello)
			app.Mount("/api", r)
			app.UseWS(noop) // would not run on /api/ws
		},
		"app UseWS after Route": func(app *nexo.App) {
			app.Route("/api", func(r *nexo.Router) { r.WebSocketRoute("/ws", hello) })
			app.UseWS(noop)
		},
		"app UseWS after a group's Route": func(app *nexo.App) {
			app.Group(func(g *nexo.Router) {
				g.Route("/api", func(r *nexo.Router) { r.WebSocketRoute("/ws", hello) })
			})
			app.UseWS(noop)
		},
		"mount a group": func(app *nexo.App) {
			r := nexo.NewRouter()
			app.Mount("/g", r.With())
		},
		"mount twice": func(app *nexo.App) {
			r := nexo.NewRouter()
			app.Mount("/a", r)
			app.Mount("/b", r)
		},
		"Route nil": func(app *nexo.App) { app.Route("/x", nil) },
	}
	for name, f := range tests {
		t.Run(name, func(t *testing.T) {
			app := nexo.New()
			nexotest.NewServer(t, app) // shuts the app down at the end
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f(app)
		})
	}
}
