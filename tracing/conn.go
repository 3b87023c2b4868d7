package tracing

import (
	"context"
	"net/http"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/nexogo/nexo/ws"
)

// Attribute keys of the spans.
const (
	AttrRoute         = attribute.Key("http.route")
	AttrConnID        = attribute.Key("nexo.ws.conn_id")
	AttrOutcome       = attribute.Key("nexo.ws.outcome")
	AttrRefusedReason = attribute.Key("nexo.ws.refused_reason")
	AttrCloseCode     = attribute.Key("nexo.ws.close_code")
	AttrCloseRemote   = attribute.Key("nexo.ws.close_remote")
	AttrMessagesIn    = attribute.Key("nexo.ws.messages_in")
	AttrMessagesOut   = attribute.Key("nexo.ws.messages_out")
	AttrEvent         = attribute.Key("nexo.event.name")
	AttrEventOutcome  = attribute.Key("nexo.event.outcome")
)

// Handshake outcomes (AttrOutcome).
const (
	OutcomeAccepted = "accepted"
	OutcomeRefused  = "refused"
)

// connTrace holds the spans of one upgrade request.
type connTrace struct {
	mu        sync.Mutex
	handshake trace.Span // until the handshake ends
	conn      trace.Span // from the handshake to the close
}

// Middleware is the ws.Middleware that starts the handshake span; put it
// first, so that the span covers the middleware after it (tr.Option does).
// It does nothing on a server whose ws.Observer is not one of t's
// (Observer), which ends the spans it starts.
func (t *Tracer) Middleware(next ws.HandlerFunc) ws.HandlerFunc {
	return func(c *ws.Conn) error {
		if o, ok := c.Config().Observer.(*observer); !ok || o.t != t {
			return next(c)
		}
		r := c.Request()
		_, span := t.tracer.Start(t.parent(r), spanName("WS handshake", r.Pattern),
			trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(routeAttr(r)...))
		t.conns.Store(r, &connTrace{handshake: span})
		return next(c)
	}
}

// parent is the context the spans of r descend from: r's own span when an
// HTTP middleware started one, else the trace context of r's headers.
func (t *Tracer) parent(r *http.Request) context.Context {
	ctx := r.Context()
	if trace.SpanContextFromContext(ctx).IsValid() {
		return ctx
	}
	return t.prop.Extract(ctx, propagation.HeaderCarrier(r.Header))
}

// opened ends c's handshake span as accepted and starts its connection
// span.
func (t *Tracer) opened(c *ws.Conn) {
	r := c.Request()
	v, _ := t.conns.LoadOrStore(r, &connTrace{})
	ct := v.(*connTrace)
	ct.mu.Lock()
	defer ct.mu.Unlock()
	parent := t.parent(r)
	if ct.handshake != nil {
		ct.handshake.SetAttributes(AttrOutcome.String(OutcomeAccepted), AttrConnID.String(c.ID()))
		ct.handshake.End()
		parent = trace.ContextWithSpan(parent, ct.handshake)
		ct.handshake = nil
	}
	_, ct.conn = t.tracer.Start(parent, spanName("WS connection", r.Pattern),
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(append(routeAttr(r), AttrConnID.String(c.ID()))...))
}

// refused ends r's handshake span as refused for reason; a request
// refused before the middleware ran gets a span of no duration.
func (t *Tracer) refused(r *http.Request, reason string) {
	attrs := []attribute.KeyValue{AttrOutcome.String(OutcomeRefused), AttrRefusedReason.String(reason)}
	v, ok := t.conns.Load(r)
	if !ok {
		_, span := t.tracer.Start(t.parent(r), spanName("WS handshake", r.Pattern),
			trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(append(routeAttr(r), attrs...)...))
		endRefused(span, reason)
		return
	}
	ct := v.(*connTrace)
	ct.mu.Lock()
	defer ct.mu.Unlock()
	if ct.handshake != nil {
		ct.handshake.SetAttributes(attrs...)
		endRefused(ct.handshake, reason)
		ct.handshake = nil
	}
	if ct.conn != nil {
		// Refused after the handshake (its origin): the close follows.
		ct.conn.SetAttributes(AttrRefusedReason.String(reason))
		return
	}
	t.conns.Delete(r)
}

// endRefused ends a refused handshake's span; only a failed upgrade is an
// error of the server.
func endRefused(span trace.Span, reason string) {
	if reason == ws.RefusedHandshake {
		span.SetStatus(codes.Error, "handshake failed")
	}
	span.End()
}

// closed ends c's connection span.
func (t *Tracer) closed(c *ws.Conn, how *ws.CloseError) {
	v, ok := t.conns.LoadAndDelete(c.Request())
	if !ok {
		return
	}
	ct := v.(*connTrace)
	ct.mu.Lock()
	defer ct.mu.Unlock()
	if ct.conn == nil {
		return
	}
	st := c.Stats()
	ct.conn.SetAttributes(
		AttrMessagesIn.Int64(int64(st.MessagesIn)),
		AttrMessagesOut.Int64(int64(st.MessagesOut)),
	)
	if how != nil {
		ct.conn.SetAttributes(AttrCloseCode.Int(how.Code), AttrCloseRemote.Bool(how.Remote))
		if how.Code == ws.CloseInternalError {
			ct.conn.SetStatus(codes.Error, "closed with 1011")
		}
	}
	ct.conn.End()
	ct.conn = nil
}

// failed records a handler's error or panic on c's current span.
func (t *Tracer) failed(c *ws.Conn, err error, panicked bool) {
	span := t.span(c, true)
	if span == nil {
		return
	}
	msg := "handler error"
	if panicked {
		msg = "handler panic"
	}
	span.RecordError(err)
	span.SetStatus(codes.Error, msg)
}

// slowConsumer marks c's connection span.
func (t *Tracer) slowConsumer(c *ws.Conn) {
	if span := t.span(c, false); span != nil {
		span.AddEvent("slow consumer")
	}
}

// span returns c's connection span or, with handshake and before it, c's
// handshake span; nil when there is none. Spans are safe for concurrent
// use, and calls on an ended span do nothing.
func (t *Tracer) span(c *ws.Conn, handshake bool) trace.Span {
	v, ok := t.conns.Load(c.Request())
	if !ok {
		return nil
	}
	ct := v.(*connTrace)
	ct.mu.Lock()
	defer ct.mu.Unlock()
	if ct.conn == nil && handshake {
		return ct.handshake
	}
	return ct.conn
}

// spanName is prefix and the route pattern, when there is one.
func spanName(prefix, pattern string) string {
	if pattern == "" {
		return prefix
	}
	return prefix + " " + pattern
}

func routeAttr(r *http.Request) []attribute.KeyValue {
	if r.Pattern == "" {
		return nil
	}
	return []attribute.KeyValue{AttrRoute.String(r.Pattern)}
}
