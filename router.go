package nexo

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo/contract"
	"github.com/nexogo/nexo/ws"
)

// Router holds HTTP and WebSocket routes that can be mounted under a prefix
// of an App or of another Router. Patterns follow chi: /users/{id}.
//
// Middleware (Use, UseWS) must be added before the routes it applies to,
// as in chi; misuse panics at setup time. A Router is meant to be set up
// from one goroutine before it serves.
type Router struct {
	mux chi.Router

	mu        sync.Mutex
	srv       *ws.Server // set once the router belongs to an App
	inherited ws.Chain   // WS middleware of the routers above
	wsMW      ws.Chain
	pending   []wsRoute
	children  []*Router
	entries   map[string]*entry
	hasRoutes bool
}

type wsRoute struct {
	pattern string
	h       ws.HandlerFunc
	mw      []ws.Middleware
}

// NewRouter returns an empty Router.
func NewRouter() *Router {
	return &Router{mux: chi.NewRouter(), entries: make(map[string]*entry)}
}

// ServeHTTP routes the request.
func (r *Router) ServeHTTP(w http.ResponseWriter, req *http.Request) { r.mux.ServeHTTP(w, req) }

// Use appends HTTP middleware, such as chi's middleware package provides.
func (r *Router) Use(mw ...func(http.Handler) http.Handler) { r.mux.Use(mw...) }

// Handle registers h for every method at pattern.
func (r *Router) Handle(pattern string, h http.Handler) { r.mux.Handle(pattern, h) }

// Get registers h for GET at pattern. The same pattern may also be a
// WebSocket route: upgrade requests go to the WebSocket handler, others to h.
func (r *Router) Get(pattern string, h http.HandlerFunc) { r.entry(pattern).page.Store(&h) }

// Post registers h for POST at pattern.
func (r *Router) Post(pattern string, h http.HandlerFunc) { r.mux.Post(pattern, h) }

// Put registers h for PUT at pattern.
func (r *Router) Put(pattern string, h http.HandlerFunc) { r.mux.Put(pattern, h) }

// Patch registers h for PATCH at pattern.
func (r *Router) Patch(pattern string, h http.HandlerFunc) { r.mux.Patch(pattern, h) }

// Delete registers h for DELETE at pattern.
func (r *Router) Delete(pattern string, h http.HandlerFunc) { r.mux.Delete(pattern, h) }

// Mount attaches sub under prefix. A *Router keeps its WebSocket routes,
// which then run the WS middleware of every router above them first.
func (r *Router) Mount(prefix string, sub http.Handler) {
	if child, ok := sub.(*Router); ok {
		r.mu.Lock()
		srv, chain := r.srv, r.chainLocked()
		if srv == nil {
			r.children = append(r.children, child)
		}
		r.mu.Unlock()
		if srv != nil {
			child.bind(srv, chain)
		}
		r.mux.Mount(prefix, child.mux)
		return
	}
	r.mux.Mount(prefix, sub)
}

// UseWS appends WebSocket middleware for every WebSocket route of the
// router, including those of routers mounted on it later.
func (r *Router) UseWS(mw ...ws.Middleware) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hasRoutes {
		panic("nexo: all WS middlewares must be defined before WS routes")
	}
	r.wsMW = append(r.wsMW, mw...)
}

// WebSocketRoute serves WebSocket connections at pattern with h, after the
// WS middleware of the app, of the routers it is mounted under, and mw.
func (r *Router) WebSocketRoute(pattern string, h ws.HandlerFunc, mw ...ws.Middleware) {
	r.mu.Lock()
	r.hasRoutes = true
	rt := wsRoute{pattern, h, mw}
	srv, chain := r.srv, r.chainLocked()
	if srv == nil {
		r.pending = append(r.pending, rt)
	}
	r.mu.Unlock()
	e := r.entry(pattern)
	e.isWS.Store(true)
	if srv != nil {
		e.bind(srv, chain, rt)
	}
}

// MountWS registers every route of a ws.Router under prefix.
func (r *Router) MountWS(prefix string, wr *ws.Router) {
	prefix = strings.TrimSuffix(prefix, "/")
	for _, rt := range wr.Routes() {
		r.WebSocketRoute(prefix+rt.Pattern, rt.Handler)
	}
}

// chainLocked is the WS middleware that applies to this router's routes.
func (r *Router) chainLocked() ws.Chain {
	return append(append(ws.Chain{}, r.inherited...), r.wsMW...)
}

// bind attaches the router to an App's WebSocket server.
func (r *Router) bind(srv *ws.Server, inherited ws.Chain) {
	r.mu.Lock()
	if r.srv != nil {
		r.mu.Unlock()
		panic("nexo: a Router can be mounted only once")
	}
	r.srv, r.inherited = srv, inherited
	pending, children, chain := r.pending, r.children, r.chainLocked()
	r.pending, r.children = nil, nil
	r.mu.Unlock()
	for _, rt := range pending {
		r.entry(rt.pattern).bind(srv, chain, rt)
	}
	for _, child := range children {
		child.bind(srv, chain)
	}
}

// entry returns the GET dispatcher of pattern, registering it on first use.
func (r *Router) entry(pattern string) *entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.entries[pattern]
	if !ok {
		e = &entry{}
		r.entries[pattern] = e
		r.mux.Method(http.MethodGet, pattern, e) // e itself: WebSocketRoutes finds it

	}
	return e
}

// entry dispatches GET requests at one pattern: upgrades to the WebSocket
// handler, the rest to the page.
type entry struct {
	page atomic.Pointer[http.HandlerFunc]
	ws   atomic.Pointer[http.Handler]
	desc atomic.Pointer[contract.Describer] // the WS handler's contract, if it tells
	isWS atomic.Bool                        // a WS route, bound to a server or not yet
}

func (e *entry) bind(srv *ws.Server, chain ws.Chain, rt wsRoute) {
	h := srv.Handler(append(chain[:len(chain):len(chain)], rt.mw...).Then(rt.h))
	e.ws.Store(&h)
}

func (e *entry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	wsh, page := e.ws.Load(), e.page.Load()
	switch {
	case wsh != nil && (page == nil || websocket.IsWebSocketUpgrade(r)):
		// The connection outlives this call, and chi reuses its routing
		// context once the call returns: hand the connection a copy.
		if rc := chi.RouteContext(r.Context()); rc != nil {
			r = r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, rc.Clone()))
		}
		(*wsh).ServeHTTP(w, r)
	case page != nil:
		(*page)(w, r)
	default:
		http.NotFound(w, r)
	}
}
