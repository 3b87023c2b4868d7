// Package tracing traces a nexo App with OpenTelemetry
// (go.opentelemetry.io/otel): a span per WebSocket handshake, a span per
// connection and a span per event an EventRouter dispatches. It is a
// package of its own so that the core module's packages never import
// OpenTelemetry.
//
//	tr := tracing.New() // the global TracerProvider; or tracing.WithTracerProvider(tp)
//	app := nexo.New(metrics.Expose("/metrics"), tr.Option())
//	events := channels.NewEventRouter()
//	events.Observe(tr)
//
// tr.Option() installs tr.Middleware as the App's first WebSocket
// middleware and tr.Observer as its ws.Observer, in front of the observer
// set by the options before it (give it after metrics.Expose, or after
// ws.WithObserver, whose observer then still hears every call). By hand,
// on a ws.Server: ws.WithObserver(tr.Observer(next)) and tr.Middleware
// first in every route's chain.
//
// # Spans
//
// "WS handshake <route>" (kind server) runs from the moment the upgrade
// request reaches the first WebSocket middleware to the end of the
// handshake: through the authentication middleware, so its duration is
// what a client waits for. Its parent is the trace context of the upgrade
// request: the span of an HTTP middleware such as otelhttp when there is
// one, else the W3C traceparent header (the propagator given with
// WithPropagator). It ends with nexo.ws.outcome "accepted" or "refused",
// and nexo.ws.refused_reason, one of the ws.Observer refusal reasons. A
// request refused before any middleware runs (not an upgrade, bad
// request, draining, connection limit) gets a handshake span of no
// duration.
//
// "WS connection <route>" (kind internal) is a child of the handshake
// span; it runs from the handshake to the end of the connection and ends
// with nexo.ws.close_code, nexo.ws.close_remote (true when the client
// closed first) and the counts of messages in and out. A handler error or
// panic is recorded on it and sets its status to error, as does close code
// 1011. A connection refused for its origin after the handshake (4403)
// carries nexo.ws.refused_reason "origin".
//
// "WS event <name>" (kind server) covers the decoding, validation and
// handler of one event (channels.EventObserver), and ends with
// nexo.event.outcome "ok", "validation" or "error" (status error, with the
// handler's error recorded). By default each event span starts a trace of
// its own, linked to its connection's span: a connection can last for
// hours and carry thousands of events, which one trace would not hold
// well. WithEventsInConnectionTrace makes them children of the connection
// span instead.
//
// Span names carry the route pattern ("/chat/{room}", never the requested
// path) and the registered event name, so they are bounded.
package tracing
