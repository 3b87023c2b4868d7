package tracing

import (
	"context"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// ObserveEvent implements channels.EventObserver: it starts the span of
// one event and returns the function that ends it with the outcome. Give
// the Tracer to EventRouter.Observe.
func (t *Tracer) ObserveEvent(c *ws.Conn, event string) func(channels.EventOutcome, error) {
	opts := []trace.SpanStartOption{
		trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(AttrEvent.String(event), AttrConnID.String(c.ID())),
	}
	parent := context.Background()
	if conn := t.span(c, false); conn != nil {
		if t.eventChildren {
			parent = trace.ContextWithSpan(parent, conn)
		} else {
			opts = append(opts, trace.WithNewRoot(), trace.WithLinks(trace.Link{SpanContext: conn.SpanContext()}))
		}
	}
	_, span := t.tracer.Start(parent, "WS event "+event, opts...)
	return func(o channels.EventOutcome, err error) {
		span.SetAttributes(AttrEventOutcome.String(string(o)))
		switch o {
		case channels.EventFailed:
			span.RecordError(err)
			span.SetStatus(codes.Error, "handler error")
		case channels.EventInvalid:
			span.AddEvent("invalid data")
		}
		span.End()
	}
}

var _ channels.EventObserver = (*Tracer)(nil)
