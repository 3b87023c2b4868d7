package middleware

// HTTP middleware
//
// This package writes no HTTP middleware of its own: chi's
// (github.com/go-chi/chi/v5/middleware) is used as it is, with app.Use or
// Router.Use, and WebSocket upgrades pass through it, since its response
// writer wrappers implement Unwrap and ws hijacks through them:
//
//	app.Use(chimw.RequestID, chimw.Recoverer, chimw.Logger)
//	api := nexo.NewRouter()
//	api.Use(chimw.Timeout(10 * time.Second)) // HTTP routes only
//	app.Mount("/api", api)
//
// What each one does to a WebSocket route:
//
//   - RequestID: the ID is in c.Request().Context(), read with
//     chimw.GetReqID; log it next to c.ID().
//   - Logger: one line when the upgrade request returns, that is when the
//     connection ends; the status it sees is not 101, since the handshake
//     response is written to the hijacked socket. Logger in this package
//     says more.
//   - Recoverer: HTTP handlers only; ws already turns a WebSocket handler's
//     panic into a 1011 close and a log line, for that connection alone.
//   - Timeout: keep it off WebSocket routes (mount the HTTP routes that
//     need it on their own Router). It bounds the upgrade request's
//     context, which a connection does not use, and once a connection
//     outlives it, calls WriteHeader(504) on the hijacked response, which
//     net/http logs as an error.
//   - RealIP: it believes True-Client-IP, X-Real-IP and X-Forwarded-For
//     from anyone and rewrites r.RemoteAddr, which the per-address limits
//     of RateLimit then key on: any client could pick its own address.
//     Use it only when a proxy in front overwrites those headers, and
//     prefer RateLimitOptions.TrustedProxies, which only believes the hops
//     added by the proxies you list.
//   - Throttle, ThrottleBacklog: they count in-flight requests, and an
//     upgrade stays in flight for the whole connection; use MaxConnsPerIP
//     and RateLimit for WebSockets.
