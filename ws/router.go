package ws

import (
	"strings"
	"sync"
)

// Router groups WebSocket routes that share middleware and, optionally, a
// prefix, to be mounted on an App (nexo's App.MountWS), like Nexios's
// WSRouter. Patterns follow chi: /rooms/{id}.
//
// Use must come before HandleFunc, and both before the router is mounted.
// A Router is safe for concurrent use.
type Router struct {
	mu      sync.Mutex
	prefix  string
	mw      Chain
	routes  []Route
	mounted bool
}

// Route is one registered route: its pattern, prefix included, and its
// handler with the router's and the route's middleware applied.
type Route struct {
	Pattern string
	Handler HandlerFunc
}

// RouterOption configures a Router made by NewRouter.
type RouterOption func(*Router)

// WithPrefix makes every pattern of the router start with prefix, such as
// "/chat" (Nexios's WSRouter prefix), so that the router is mounted without
// restating it: app.MountWS("/", r). A trailing slash is dropped; a prefix
// that does not begin with '/' panics.
func WithPrefix(prefix string) RouterOption {
	prefix = strings.TrimSuffix(prefix, "/")
	if prefix != "" && prefix[0] != '/' {
		panic("ws: router prefix must begin with '/': " + prefix)
	}
	return func(r *Router) { r.prefix = prefix }
}

// NewRouter returns an empty Router.
func NewRouter(opts ...RouterOption) *Router {
	r := &Router{}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Prefix returns the prefix that WithPrefix gave, or "".
func (r *Router) Prefix() string { return r.prefix }

// Use appends middleware that runs for every route of the router.
func (r *Router) Use(mw ...Middleware) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.routes) > 0 {
		panic("ws: all middlewares must be defined before routes on a router")
	}
	r.mw = append(r.mw, mw...)
}

// HandleFunc registers h at the router's prefix followed by pattern,
// wrapped by the router's middleware and then by mw.
func (r *Router) HandleFunc(pattern string, h HandlerFunc, mw ...Middleware) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.mounted {
		panic("ws: routes must be registered before the router is mounted")
	}
	chain := append(append(Chain{}, r.mw...), mw...)
	r.routes = append(r.routes, Route{Pattern: r.prefix + pattern, Handler: chain.Then(h)})
}

// Handle registers h as HandleFunc does.
func (r *Router) Handle(pattern string, h Handler, mw ...Middleware) {
	r.HandleFunc(pattern, h.ServeWS, mw...)
}

// Route registers h at pattern, as HandleFunc does.
//
// Deprecated: use HandleFunc. Route is the name of chi's and nexo's
// sub-router method (nexo.Router.Route); a ws.Router registers endpoints.
func (r *Router) Route(pattern string, h HandlerFunc, mw ...Middleware) {
	r.HandleFunc(pattern, h, mw...)
}

// Routes returns the registered routes and marks the router as mounted.
func (r *Router) Routes() []Route {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mounted = true
	return append([]Route(nil), r.routes...)
}
