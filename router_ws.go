package nexo

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo/contract"
	"github.com/nexogo/nexo/ws"
)

// wsRoute is a WebSocket route registered on at, the router or group
// whose WS middleware it runs; inline is the group's HTTP middleware.
type wsRoute struct {
	at      *Router
	pattern string
	h       ws.HandlerFunc
	mw      []ws.Middleware
	inline  []func(http.Handler) http.Handler
}

// UseWS appends WebSocket middleware for every WebSocket route of the
// router, including those of its groups and of routers mounted on it
// later. On a group (With, Group) it applies to the group's routes only.
// It panics after a WS route or a mounted Router (Mount, Route) of the
// router or of its groups, which it would not reach.
func (r *Router) UseWS(mw ...ws.Middleware) {
	r.t.mu.Lock()
	defer r.t.mu.Unlock()
	if r.hasRoutes {
		panic("nexo: all WS middlewares must be defined before WS routes")
	}
	r.wsMW = append(r.wsMW, mw...)
}

// WebSocketRoute serves WebSocket connections at pattern with h, after the
// WS middleware of the app, of the routers it is mounted under, of the
// groups it was registered in, and mw. The upgrade request runs the HTTP
// middleware of those routers and groups first.
func (r *Router) WebSocketRoute(pattern string, h ws.HandlerFunc, mw ...ws.Middleware) {
	e := r.entry(pattern)
	e.isWS.Store(true)
	rt := wsRoute{r, pattern, h, mw, slices.Clip(r.inline)}
	r.t.mu.Lock()
	for g := r; g != nil; g = g.parent {
		g.hasRoutes = true
	}
	srv := r.t.srv
	var chain ws.Chain
	if srv == nil {
		r.t.pending = append(r.t.pending, rt)
	} else {
		chain = r.chainLocked()
	}
	r.t.mu.Unlock()
	if srv != nil {
		e.bind(srv, chain, rt)
	}
}

// MountWS registers every route of a ws.Router under prefix, which comes
// before the ws.Router's own prefix (ws.WithPrefix): with one, mount it at
// "/" without restating it.
func (r *Router) MountWS(prefix string, wr *ws.Router) {
	prefix = strings.TrimSuffix(prefix, "/")
	for _, rt := range wr.Routes() {
		r.WebSocketRoute(prefix+rt.Pattern, rt.Handler)
	}
}

// chainLocked is the WS middleware that applies to this router's or
// group's routes.
func (r *Router) chainLocked() ws.Chain {
	if r.parent == nil {
		return append(append(ws.Chain{}, r.t.inherited...), r.wsMW...)
	}
	return append(r.parent.chainLocked(), r.wsMW...)
}

// bind attaches the router to an App's WebSocket server.
func (r *Router) bind(srv *ws.Server, inherited ws.Chain) {
	type binding struct {
		e     *entry
		chain ws.Chain
		rt    wsRoute
	}
	type child struct {
		r     *Router
		chain ws.Chain
	}
	t := r.t
	t.mu.Lock()
	if t.srv != nil {
		t.mu.Unlock()
		panic("nexo: a Router can be mounted only once")
	}
	t.srv, t.inherited = srv, inherited
	routes := make([]binding, 0, len(t.pending))
	for _, rt := range t.pending {
		routes = append(routes, binding{t.entries[rt.pattern], rt.at.chainLocked(), rt})
	}
	children := make([]child, 0, len(t.children))
	for _, m := range t.children {
		children = append(children, child{m.child, m.at.chainLocked()})
	}
	t.pending, t.children = nil, nil
	t.mu.Unlock()
	for _, b := range routes {
		b.e.bind(srv, b.chain, b.rt)
	}
	for _, c := range children {
		c.r.bind(srv, c.chain)
	}
}

// entry returns the GET dispatcher of pattern, registering it on first use.
func (r *Router) entry(pattern string) *entry {
	t := r.t
	t.mu.Lock()
	defer t.mu.Unlock()
	r.routed = true
	e, ok := t.entries[pattern]
	if !ok {
		e = &entry{mux: t.root}
		t.root.Method(http.MethodGet, pattern, e) // e itself: WebSocketRoutes finds it
		t.entries[pattern] = e
	}
	return e
}

// entry dispatches GET requests at one pattern: upgrades to the WebSocket
// handler, the rest to the page. Both are wrapped by the HTTP middleware
// of the group they were registered in, so a page and a socket on one
// pattern may sit in different groups.
type entry struct {
	mux  *chi.Mux
	page atomic.Pointer[http.Handler]
	ws   atomic.Pointer[http.Handler]
	desc atomic.Pointer[contract.Describer] // the WS handler's contract, if it tells
	isWS atomic.Bool                        // a WS route, bound to a server or not yet
}

func (e *entry) bind(srv *ws.Server, chain ws.Chain, rt wsRoute) {
	h := wrap(rt.inline, srv.Handler(append(chain[:len(chain):len(chain)], rt.mw...).Then(rt.h)))
	e.ws.Store(&h)
}

func (e *entry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	wsh, page := e.ws.Load(), e.page.Load()
	switch {
	case wsh != nil && (page == nil || websocket.IsWebSocketUpgrade(r)):
		// The connection outlives this call, and chi reuses a routing
		// context from its pool once the call returns: hand the
		// connection a copy, unless the context is the request's own.
		if rc := chi.RouteContext(r.Context()); rc != nil && !ownRoute(r.Context(), rc) {
			r = r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, rc.Clone()))
		}
		(*wsh).ServeHTTP(w, r)
	case page != nil:
		(*page).ServeHTTP(w, r)
	default:
		e.mux.NotFoundHandler().ServeHTTP(w, r)
	}
}

// upgradeRoute holds chi's routing context of an upgrade request, made
// for the request by Router.ServeHTTP rather than taken from chi's pool
// (chi uses a routing context it finds in the request's context). The
// connection keeps the upgrade request, and with it this context, for its
// whole life: a pooled one would have to be copied into a second node
// (context.WithValue and a copy of the request), next to the one chi put
// in the chain, which stayed reachable too. Here one node of 24 bytes
// answers for chi, and tells entry.ServeHTTP that no copy is needed.
//
// It is also the point where the request's context leaves net/http's:
// once Router.ServeHTTP is done with the request (the handshake is over
// and net/http ends the request's context as soon as it returns), ended
// puts in place of net/http's part of the chain a context that answers
// what that part did (see httpEnded), so that a connection does not keep
// net/http's two cancelled contexts, their channels and its value node.
type upgradeRoute struct {
	parent atomic.Pointer[ctxRef] // the request's context, then an httpEnded
	rctx   *chi.Context
}

// ctxRef holds a context for an atomic.Pointer.
type ctxRef struct{ context.Context }

// ownRouteKey asks a context chain for its upgradeRoute.
type ownRouteKey struct{}

// ownRoute reports whether rc is the routing context of the request's
// upgradeRoute, which needs no copy.
func ownRoute(ctx context.Context, rc *chi.Context) bool {
	u, _ := ctx.Value(ownRouteKey{}).(*upgradeRoute)
	return u != nil && u.rctx == rc
}

func newUpgradeRoute(parent context.Context, routes chi.Routes) *upgradeRoute {
	rctx := chi.NewRouteContext()
	rctx.Routes = routes // as chi's Mux.ServeHTTP sets a pooled one
	u := &upgradeRoute{rctx: rctx}
	u.parent.Store(&ctxRef{parent})
	return u
}

func (c *upgradeRoute) ctx() context.Context { return c.parent.Load().Context }

// Deadline is the parent's.
func (c *upgradeRoute) Deadline() (time.Time, bool) { return c.ctx().Deadline() }

// Done is the parent's.
func (c *upgradeRoute) Done() <-chan struct{} { return c.ctx().Done() }

// Err is the parent's.
func (c *upgradeRoute) Err() error { return c.ctx().Err() }

// Value answers chi.RouteCtxKey as context.WithValue would, and asks the
// parent otherwise.
func (c *upgradeRoute) Value(key any) any {
	switch key {
	case chi.RouteCtxKey:
		return c.rctx
	case ownRouteKey{}:
		return c
	}
	return c.ctx().Value(key)
}

// String describes the context as context.WithValue's does.
func (c *upgradeRoute) String() string {
	return contextName(c.ctx()) + ".WithValue(" + stringify(chi.RouteCtxKey) + ", *chi.Context)"
}

// ended replaces the parent, when it is exactly the context net/http
// gives a request (http.Server without BaseContext or ConnContext, no
// handler in between that added to it), with an httpEnded holding its two
// values. It is called once the request has been served: net/http is
// about to cancel the replaced part, which then is no longer reachable
// from the connection. Any other parent is kept as it is.
func (c *upgradeRoute) ended() {
	parent := c.ctx()
	if !isHTTPRequestContext(parent) {
		return
	}
	e := &httpEnded{srv: parent.Value(http.ServerContextKey), local: parent.Value(http.LocalAddrContextKey)}
	e.ref.Context = e
	c.parent.Store(&e.ref)
}

// isHTTPRequestContext reports whether ctx is the chain net/http's Server
// builds for a request when neither BaseContext nor ConnContext is set:
// the request's cancelCtx, the connection's, a valueCtx with
// http.LocalAddrContextKey, a valueCtx with http.ServerContextKey, then
// context.Background. It reads package context's nodes with reflect,
// without allocating (comparing their descriptions, which name every node,
// key and value too, cost some 650 bytes of garbage per upgrade); any
// other chain, or nodes laid out otherwise by another Go release, gives
// false, and the chain is kept (TestUpgradeRouteLetsGoOfNetHTTPContext
// fails then).
func isHTTPRequestContext(ctx context.Context) bool {
	v := reflect.ValueOf(ctx)
	for _, key := range [...]any{nil, nil, http.LocalAddrContextKey, http.ServerContextKey} {
		want := "cancelCtx"
		if key != nil {
			want = "valueCtx"
		}
		if v.Kind() != reflect.Pointer || v.Type().Elem().PkgPath() != "context" || v.Type().Elem().Name() != want {
			return false
		}
		n := v.Elem()
		if n.Kind() != reflect.Struct || n.NumField() < 1 || n.Field(0).Type() != contextType {
			return false
		}
		if key != nil {
			if n.NumField() != 3 || n.Field(1).Kind() != reflect.Interface || n.Field(1).IsNil() {
				return false
			}
			k := n.Field(1).Elem()
			if k.Type() != reflect.TypeOf(key) || k.Pointer() != reflect.ValueOf(key).Pointer() {
				return false
			}
		}
		v = n.Field(0).Elem() // the parent: an embedded interface, exported by name
	}
	return v.IsValid() && v.CanInterface() && v.Interface() == context.Background()
}

// contextType is context.Context's.
var contextType = reflect.TypeFor[context.Context]()

// httpEnded stands for the context net/http gives a request after it has
// ended it: context.Background with http.ServerContextKey and
// http.LocalAddrContextKey, cancelled twice (the connection's context and
// the request's). It answers every method as that chain does once
// cancelled — no deadline, a closed Done channel, context.Canceled (which
// context.Cause reports too), the two values, the same description — in
// 48 bytes instead of the chain's 430.
type httpEnded struct {
	ref        ctxRef // itself, for upgradeRoute.parent
	srv, local any
}

// closedChan is the Done channel of every httpEnded.
var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// Deadline reports none.
func (*httpEnded) Deadline() (time.Time, bool) { return time.Time{}, false }

// Done returns a closed channel.
func (*httpEnded) Done() <-chan struct{} { return closedChan }

// Err returns context.Canceled.
func (*httpEnded) Err() error { return context.Canceled }

// Value returns net/http's two values.
func (e *httpEnded) Value(key any) any {
	switch key {
	case http.ServerContextKey:
		return e.srv
	case http.LocalAddrContextKey:
		return e.local
	}
	return nil
}

// String describes the context as net/http's chain describes itself.
func (e *httpEnded) String() string {
	return "context.Background.WithValue(" + stringify(http.ServerContextKey) + ", " + stringify(e.srv) +
		").WithValue(" + stringify(http.LocalAddrContextKey) + ", " + stringify(e.local) + ").WithCancel.WithCancel"
}

// contextName and stringify describe a context and a value as package
// context does in its String methods.
func contextName(c context.Context) string {
	if s, ok := c.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", c)
}

func stringify(v any) string {
	switch s := v.(type) {
	case fmt.Stringer:
		return s.String()
	case string:
		return s
	case nil:
		return "<nil>"
	}
	return fmt.Sprintf("%T", v)
}
