package ws

import "sync"

// Router groups WebSocket routes that share middleware, to be mounted under
// a prefix (nexo's App.MountWS). Patterns follow chi: /rooms/{id}.
//
// Use must come before Route, and both before the router is mounted. A
// Router is safe for concurrent use.
type Router struct {
	mu      sync.Mutex
	mw      Chain
	routes  []Route
	mounted bool
}

// Route is one registered route: its pattern and its handler with the
// router's and the route's middleware applied.
type Route struct {
	Pattern string
	Handler HandlerFunc
}

// NewRouter returns an empty Router.
func NewRouter() *Router { return &Router{} }

// Use appends middleware that runs for every route of the router.
func (r *Router) Use(mw ...Middleware) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.routes) > 0 {
		panic("ws: all middlewares must be defined before routes on a router")
	}
	r.mw = append(r.mw, mw...)
}

// Route registers h at pattern, wrapped by the router's middleware and then
// by mw.
func (r *Router) Route(pattern string, h HandlerFunc, mw ...Middleware) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.mounted {
		panic("ws: routes must be registered before the router is mounted")
	}
	chain := append(append(Chain{}, r.mw...), mw...)
	r.routes = append(r.routes, Route{Pattern: pattern, Handler: chain.Then(h)})
}

// Routes returns the registered routes and marks the router as mounted.
func (r *Router) Routes() []Route {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mounted = true
	return append([]Route(nil), r.routes...)
}
