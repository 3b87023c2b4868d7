package tracing

import (
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/ws"
)

// ScopeName is the instrumentation scope of the spans.
const ScopeName = "github.com/nexogo/nexo/tracing"

// Tracer makes the spans of WebSocket handshakes, connections and events.
// It is safe for concurrent use; one Tracer may serve several Apps.
type Tracer struct {
	tracer        trace.Tracer
	prop          propagation.TextMapPropagator
	eventChildren bool

	conns sync.Map // *http.Request -> *connTrace, from the handshake to the end
}

// Option configures New.
type Option func(*Tracer)

// WithTracerProvider sets the provider of the spans; the default is the
// global one (otel.GetTracerProvider).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(t *Tracer) { t.tracer = tp.Tracer(ScopeName) }
}

// WithPropagator sets how the trace context is read from the upgrade
// request's headers; the default reads W3C traceparent, tracestate and
// baggage.
func WithPropagator(p propagation.TextMapPropagator) Option {
	return func(t *Tracer) { t.prop = p }
}

// WithEventsInConnectionTrace makes event spans children of their
// connection's span, in its trace, instead of roots of traces of their own
// linked to it.
func WithEventsInConnectionTrace() Option {
	return func(t *Tracer) { t.eventChildren = true }
}

// New returns a Tracer.
func New(opts ...Option) *Tracer {
	t := &Tracer{
		prop: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
	}
	for _, o := range opts {
		o(t)
	}
	if t.tracer == nil {
		t.tracer = otel.GetTracerProvider().Tracer(ScopeName)
	}
	return t
}

// Option returns the nexo.Option that traces an App: tr.Middleware first
// in every WebSocket route's chain, and tr.Observer in front of the
// ws.Observer set by the options before it. Give it after metrics.Expose.
func (t *Tracer) Option() nexo.Option {
	return nexo.Options(
		nexo.WithWS(func(cfg *ws.Config) { cfg.Observer = t.Observer(cfg.Observer) }),
		nexo.WithSetup(func(app *nexo.App) { app.UseWS(t.Middleware) }),
	)
}
