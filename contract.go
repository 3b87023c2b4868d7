package nexo

import (
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/nexogo/nexo/contract"
	"github.com/nexogo/nexo/ws"
)

// WebSocketHandler serves WebSocket connections at pattern with h, as
// WebSocketRoute does with a function. When h describes its contract (a
// contract.Describer, such as *channels.EventRouter or a handler wrapped
// by contract.Describe), the route's events, replies and pushes are listed
// by WebSocketRoutes, and so in the App's AsyncAPI document.
//
//	r := channels.NewEventRouter()
//	channels.Handle(r, "sum", sum)
//	app.WebSocketHandler("/calc", r)
func (r *Router) WebSocketHandler(pattern string, h ws.Handler, mw ...ws.Middleware) {
	r.WebSocketRoute(pattern, h.ServeWS, mw...)
	if d, ok := h.(contract.Describer); ok {
		r.entry(pattern).desc.Store(&d)
	}
}

// WebSocketRoutes returns every WebSocket route of the router, including
// those of the routers mounted on it, with its full pattern, its path
// parameters and, for a handler registered with WebSocketHandler that
// describes itself, its contract. Routes are sorted by pattern.
func (r *Router) WebSocketRoutes() []contract.Route {
	var routes []contract.Route
	chi.Walk(r.mux, func(method, route string, h http.Handler, _ ...func(http.Handler) http.Handler) error {
		e, ok := h.(*entry)
		if !ok || method != http.MethodGet || !e.isWS.Load() {
			return nil
		}
		route = strings.ReplaceAll(route, "/*/", "/")
		rt := contract.Route{Pattern: route, Params: contract.Params(route)}
		if d := e.desc.Load(); d != nil {
			desc := (*d).Describe().Sorted()
			rt.Description = &desc
		}
		routes = append(routes, rt)
		return nil
	})
	slices.SortFunc(routes, func(a, b contract.Route) int { return strings.Compare(a.Pattern, b.Pattern) })
	return routes
}
