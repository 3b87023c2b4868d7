package nexo

import (
	"fmt"
	"net/http"
	"slices"
)

// With returns a group of r whose routes, HTTP and WebSocket, run the
// given HTTP middleware after r's (chi's With). WebSocket routes of the
// group run the WS middleware of r and then that of the group's UseWS.
// The group shares r's routes: register on it, do not mount it.
func (r *Router) With(mw ...func(http.Handler) http.Handler) *Router {
	return &Router{
		mux:    r.mux.With(mw...),
		t:      r.t,
		parent: r,
		inline: append(slices.Clip(r.inline), mw...),
	}
}

// Group calls fn with a new group of r, as With does without middleware,
// and returns the group (chi's Group). Middleware that fn adds with Use or
// UseWS applies to the group's routes only.
func (r *Router) Group(fn func(r *Router)) *Router {
	g := r.With()
	if fn != nil {
		fn(g)
	}
	return g
}

// Route calls fn with a new Router and mounts it at pattern (chi's Route).
// Its WebSocket routes run the WS middleware of r first, then their own.
func (r *Router) Route(pattern string, fn func(r *Router)) *Router {
	if fn == nil {
		panic(fmt.Sprintf("nexo: attempting to Route() a nil subrouter on '%s'", pattern))
	}
	sub := NewRouter()
	fn(sub)
	r.Mount(pattern, sub)
	return sub
}

// Mount attaches sub under prefix. A *Router keeps its WebSocket routes,
// which then run the WS middleware of every router above them first, and
// gets the NotFound and MethodNotAllowed handlers of r unless it has its
// own. A group (With, Group) cannot be mounted: mount its router. WS
// middleware of r and the routers above must be added (UseWS) before.
func (r *Router) Mount(prefix string, sub http.Handler) {
	child, ok := sub.(*Router)
	if !ok {
		r.mux.Mount(prefix, sub)
		return
	}
	if child.parent != nil {
		panic("nexo: a group cannot be mounted; mount the router it was made from")
	}
	child.t.mu.Lock()
	again := child.t.mounted
	child.t.mounted = true
	child.t.mu.Unlock()
	if again {
		panic("nexo: a Router can be mounted only once")
	}
	r.mux.Mount(prefix, child.t.root)
	r.t.mu.Lock()
	// The child's WS routes take the chain as it is now: WS middleware
	// added above afterwards would silently skip them, so UseWS panics.
	for g := r; g != nil; g = g.parent {
		g.hasRoutes = true
	}
	srv, chain := r.t.srv, r.chainLocked()
	if srv == nil {
		r.t.children = append(r.t.children, mounted{r, child})
	}
	r.t.mu.Unlock()
	if srv != nil {
		child.bind(srv, chain)
	}
}
