package nexo

import (
	"net/http"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo/ws"
)

// Router holds HTTP and WebSocket routes that can be mounted under a prefix
// of an App or of another Router. Patterns follow chi: /users/{id}. It has
// chi's routing methods (Route, Group, With, Method, NotFound...), with the
// same meaning, and WebSocket routes on the same patterns: WebSocketRoute,
// UseWS, MountWS.
//
// Middleware (Use, UseWS) must be added before the routes it applies to,
// as in chi; misuse panics at setup time. A Router is meant to be set up
// from one goroutine before it serves.
type Router struct {
	mux    chi.Router // the tree's root mux, or the inline mux of a group
	t      *tree      // shared by a router and the groups made from it
	parent *Router    // the router With or Group made this group from; nil for NewRouter's
	inline []func(http.Handler) http.Handler

	// Guarded by t.mu.
	wsMW      ws.Chain
	hasRoutes bool // a WS route was registered here or in a group made from here
	routed    bool // a page or WS route was registered here (a group's Use then panics)
}

// tree is what a Router shares with its groups: one chi tree, one table
// of GET dispatchers and one binding to an App's WebSocket server.
type tree struct {
	root *chi.Mux

	mu        sync.Mutex
	srv       *ws.Server // set once the router belongs to an App
	inherited ws.Chain   // WS middleware of the routers above
	mounted   bool
	pending   []wsRoute
	children  []mounted
	entries   map[string]*entry
}

// mounted is a Router mounted on at before at's tree was bound.
type mounted struct{ at, child *Router }

var _ chi.Routes = (*Router)(nil)

// NewRouter returns an empty Router.
func NewRouter() *Router {
	root := chi.NewMux()
	return &Router{mux: root, t: &tree{root: root, entries: make(map[string]*entry)}}
}

// ServeHTTP routes the request. On a group made by With or Group it routes
// with the whole router the group belongs to.
func (r *Router) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if websocket.IsWebSocketUpgrade(req) && chi.RouteContext(req.Context()) == nil {
		u := newUpgradeRoute(req.Context(), r.t.root)
		r.t.root.ServeHTTP(w, req.WithContext(u))
		u.ended()
		return
	}
	r.t.root.ServeHTTP(w, req)
}

// Use appends HTTP middleware, such as chi's middleware package provides.
// On a router it wraps every request, upgrades included; on a group it
// wraps the group's routes only, as chi's inline middleware does.
func (r *Router) Use(mw ...func(http.Handler) http.Handler) {
	if r.parent == nil {
		r.mux.Use(mw...)
		return
	}
	r.t.mu.Lock()
	routed := r.routed
	r.t.mu.Unlock()
	if routed {
		panic("nexo: all middlewares must be defined before routes on a group")
	}
	r.mux.Use(mw...)
	r.inline = append(r.inline, mw...)
}

// Handle registers h for every method at pattern.
func (r *Router) Handle(pattern string, h http.Handler) { r.mux.Handle(pattern, h) }

// HandleFunc registers h for every method at pattern.
func (r *Router) HandleFunc(pattern string, h http.HandlerFunc) { r.mux.HandleFunc(pattern, h) }

// Method registers h for method at pattern. GET goes where Get goes, so
// that the pattern may also be a WebSocket route.
func (r *Router) Method(method, pattern string, h http.Handler) {
	if strings.EqualFold(method, http.MethodGet) {
		r.page(pattern, h)
		return
	}
	r.mux.Method(method, pattern, h)
}

// MethodFunc registers h for method at pattern, as Method does.
func (r *Router) MethodFunc(method, pattern string, h http.HandlerFunc) { r.Method(method, pattern, h) }

// Get registers h for GET at pattern. The same pattern may also be a
// WebSocket route: upgrade requests go to the WebSocket handler, others to h.
func (r *Router) Get(pattern string, h http.HandlerFunc) { r.page(pattern, h) }

// Head registers h for HEAD at pattern.
func (r *Router) Head(pattern string, h http.HandlerFunc) { r.mux.Head(pattern, h) }

// Post registers h for POST at pattern.
func (r *Router) Post(pattern string, h http.HandlerFunc) { r.mux.Post(pattern, h) }

// Put registers h for PUT at pattern.
func (r *Router) Put(pattern string, h http.HandlerFunc) { r.mux.Put(pattern, h) }

// Patch registers h for PATCH at pattern.
func (r *Router) Patch(pattern string, h http.HandlerFunc) { r.mux.Patch(pattern, h) }

// Delete registers h for DELETE at pattern.
func (r *Router) Delete(pattern string, h http.HandlerFunc) { r.mux.Delete(pattern, h) }

// Options registers h for OPTIONS at pattern.
func (r *Router) Options(pattern string, h http.HandlerFunc) { r.mux.Options(pattern, h) }

// Connect registers h for CONNECT at pattern.
func (r *Router) Connect(pattern string, h http.HandlerFunc) { r.mux.Connect(pattern, h) }

// Trace registers h for TRACE at pattern.
func (r *Router) Trace(pattern string, h http.HandlerFunc) { r.mux.Trace(pattern, h) }

// Query registers h for the HTTP QUERY method at pattern.
func (r *Router) Query(pattern string, h http.HandlerFunc) { r.mux.Query(pattern, h) }

// NotFound sets the handler for requests that match no route, here and in
// the routers mounted here that have none of their own (chi's NotFound).
func (r *Router) NotFound(h http.HandlerFunc) { r.mux.NotFound(h) }

// MethodNotAllowed sets the handler for requests whose path matches a
// route but not its method (chi's MethodNotAllowed), for instance a POST to
// a path that only has a WebSocket route.
func (r *Router) MethodNotAllowed(h http.HandlerFunc) { r.mux.MethodNotAllowed(h) }

// Routes returns the routing tree, for chi.Walk and chi's docgen.
func (r *Router) Routes() []chi.Route { return r.mux.Routes() }

// Middlewares returns the HTTP middleware that Use added.
func (r *Router) Middlewares() chi.Middlewares { return r.mux.Middlewares() }

// Match reports whether a route matches method and path (chi's Match).
func (r *Router) Match(rctx *chi.Context, method, path string) bool {
	return r.mux.Match(rctx, method, path)
}

// Find returns the pattern of the route that matches method and path
// (chi's Find).
func (r *Router) Find(rctx *chi.Context, method, path string) string {
	return r.mux.Find(rctx, method, path)
}

// page registers h as the GET page of pattern, wrapped by the group's
// middleware.
func (r *Router) page(pattern string, h http.Handler) {
	h = wrap(r.inline, h)
	r.entry(pattern).page.Store(&h)
}

// wrap returns h wrapped by mw, the first one outermost, as chi does.
func wrap(mw []func(http.Handler) http.Handler, h http.Handler) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}
