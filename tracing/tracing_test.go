package tracing_test

import (
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/tracing"
	"github.com/nexogo/nexo/ws"
)

const (
	clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	clientSpan  = "00f067aa0ba902b7"
	traceparent = "00-" + clientTrace + "-" + clientSpan + "-01"
)

type sendReq struct {
	Text string `json:"text" validate:"required"`
}

// countingObserver counts the calls passed on by the Tracer's observer.
type countingObserver struct {
	opened, refused, closed atomic.Int32
}

func (o *countingObserver) Opened(*ws.Conn)                 { o.opened.Add(1) }
func (o *countingObserver) Refused(*http.Request, string)   { o.refused.Add(1) }
func (o *countingObserver) Closed(*ws.Conn, *ws.CloseError) { o.closed.Add(1) }
func (o *countingObserver) Failed(*ws.Conn, error, bool)    {}
func (o *countingObserver) SlowConsumer(*ws.Conn)           {}

// tracedApp serves an EventRouter at /chat/{room} on an App traced by a
// Tracer that exports to memory, behind another observer.
func tracedApp(t *testing.T, opts ...tracing.Option) (*nexotest.Server, *tracetest.InMemoryExporter, *countingObserver) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	tr := tracing.New(append([]tracing.Option{tracing.WithTracerProvider(tp)}, opts...)...)
	next := &countingObserver{}
	app := nexo.New(nexo.WithoutClient(), nexo.WithLogger(slog.New(slog.DiscardHandler)), nexo.WithWS(ws.WithObserver(next)), tr.Option())

	events := channels.NewEventRouter()
	events.Logger = slog.New(slog.DiscardHandler)
	channels.On(events, "chat.send", func(c *ws.Conn, m sendReq) (any, error) { return "ok", nil })
	channels.On(events, "chat.fail", func(c *ws.Conn, m struct{}) (any, error) { return nil, errors.New("db down") })
	events.Observe(tr)
	app.WebSocketRoute("/chat/{room}", events.Handler())
	app.WebSocketRoute("/private", func(c *ws.Conn) error { return c.Reject(http.StatusForbidden) })
	app.WebSocketRoute("/boom", func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		return errors.New("db down")
	})
	return nexotest.NewServer(t, app), exp, next
}

// spans returns the ended spans by name; each name must be there once.
func spans(t *testing.T, exp *tracetest.InMemoryExporter) map[string]tracetest.SpanStub {
	t.Helper()
	out := map[string]tracetest.SpanStub{}
	for _, s := range exp.GetSpans() {
		if _, dup := out[s.Name]; dup {
			t.Fatalf("two spans named %q", s.Name)
		}
		out[s.Name] = s
	}
	return out
}

func attr(s tracetest.SpanStub, k attribute.Key) attribute.Value {
	for _, kv := range s.Attributes {
		if kv.Key == k {
			return kv.Value
		}
	}
	return attribute.Value{}
}

// TestConnectionSpans: the handshake span descends from the client's
// traceparent, the connection span from the handshake, and each event
// gets a span of its own with its outcome, linked to the connection.
func TestConnectionSpans(t *testing.T) {
	srv, exp, next := tracedApp(t)
	c := srv.Dial("/chat/lobby", nexotest.WithHeader("traceparent", traceparent))
	for _, f := range []string{
		`{"event":"chat.send","data":{"text":"hi"},"ref":1}`,
		`{"event":"chat.send","data":{},"ref":2}`,
		`{"event":"chat.fail","ref":3}`,
	} {
		c.SendText(f)
		c.ReadText()
	}
	c.CloseNormal()
	if err := srv.Shutdown(); err != nil { // waits for the connection's end
		t.Fatal(err)
	}
	if next.opened.Load() != 1 || next.closed.Load() != 1 {
		t.Errorf("the observer behind heard %d opens, %d closes, want 1, 1", next.opened.Load(), next.closed.Load())
	}

	got := exp.GetSpans()
	if len(got) != 5 {
		t.Fatalf("%d spans, want 5 (handshake, connection, 3 events): %v", len(got), got.Snapshots())
	}
	var hs, conn tracetest.SpanStub
	var evs []tracetest.SpanStub
	for _, s := range got {
		switch s.Name {
		case "WS handshake /chat/{room}":
			hs = s
		case "WS connection /chat/{room}":
			conn = s
		case "WS event chat.send", "WS event chat.fail":
			evs = append(evs, s)
		default:
			t.Errorf("unexpected span %q", s.Name)
		}
	}
	if hs.SpanContext.TraceID().String() != clientTrace || hs.Parent.SpanID().String() != clientSpan || !hs.Parent.IsRemote() {
		t.Errorf("handshake: trace %s, parent %s, want the client's %s, %s", hs.SpanContext.TraceID(), hs.Parent.SpanID(), clientTrace, clientSpan)
	}
	if hs.SpanKind != trace.SpanKindServer || attr(hs, tracing.AttrOutcome).AsString() != tracing.OutcomeAccepted ||
		attr(hs, tracing.AttrRoute).AsString() != "/chat/{room}" {
		t.Errorf("handshake: kind %v, attributes %v", hs.SpanKind, hs.Attributes)
	}
	if conn.Parent.SpanID() != hs.SpanContext.SpanID() || conn.SpanContext.TraceID() != hs.SpanContext.TraceID() {
		t.Errorf("connection span's parent %s, want the handshake %s", conn.Parent.SpanID(), hs.SpanContext.SpanID())
	}
	if attr(conn, tracing.AttrCloseCode).AsInt64() != ws.CloseNormal || !attr(conn, tracing.AttrCloseRemote).AsBool() ||
		attr(conn, tracing.AttrMessagesIn).AsInt64() != 3 {
		t.Errorf("connection: attributes %v", conn.Attributes)
	}
	wantOutcome := []string{"ok", "validation", "error"}
	for i, ev := range evs {
		if got := attr(ev, tracing.AttrEventOutcome).AsString(); got != wantOutcome[i] {
			t.Errorf("event %d (%s): outcome %q, want %q", i, ev.Name, got, wantOutcome[i])
		}
		if ev.Parent.IsValid() || len(ev.Links) != 1 || ev.Links[0].SpanContext.SpanID() != conn.SpanContext.SpanID() {
			t.Errorf("event %d: parent %v, links %v: want a root linked to the connection", i, ev.Parent, ev.Links)
		}
		if wantErr := wantOutcome[i] == "error"; (ev.Status.Code == codes.Error) != wantErr || (len(ev.Events) > 0) != (wantOutcome[i] != "ok") {
			t.Errorf("event %d: status %v, events %v", i, ev.Status, ev.Events)
		}
	}
}

// TestEventsInConnectionTrace: with the option, event spans are children
// of the connection span.
func TestEventsInConnectionTrace(t *testing.T) {
	srv, exp, _ := tracedApp(t, tracing.WithEventsInConnectionTrace())
	c := srv.Dial("/chat/lobby")
	c.SendText(`{"event":"chat.send","data":{"text":"hi"},"ref":1}`)
	c.ReadText()
	c.CloseNormal()
	srv.Shutdown()
	s := spans(t, exp)
	ev, conn := s["WS event chat.send"], s["WS connection /chat/{room}"]
	if ev.Parent.SpanID() != conn.SpanContext.SpanID() || len(ev.Links) != 0 {
		t.Errorf("event: parent %s, links %v, want the connection %s", ev.Parent.SpanID(), ev.Links, conn.SpanContext.SpanID())
	}
	if s["WS handshake /chat/{room}"].Parent.IsValid() {
		t.Error("handshake without traceparent has a parent")
	}
}

// TestRefusedHandshakeSpans: a handler that rejects, a plain GET and a
// cross-site origin each end their handshake span with the reason.
func TestRefusedHandshakeSpans(t *testing.T) {
	srv, exp, next := tracedApp(t)
	_, resp, err := srv.TryDial("/private", nexotest.WithHeader("traceparent", traceparent))
	if err == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("dial /private: %v", err)
	}
	status, _ := nexotest.Get(t, srv.URL+"/chat/lobby")
	if status != http.StatusUpgradeRequired {
		t.Fatalf("GET: %d", status)
	}
	srv.Dial("/chat/lobby", nexotest.WithOrigin("https://evil.example")).ExpectClose(ws.CloseForbidden)
	srv.Shutdown()
	if next.refused.Load() != 3 {
		t.Errorf("the observer behind heard %d refusals, want 3", next.refused.Load())
	}

	var reasons []string
	for _, s := range exp.GetSpans() {
		switch s.Name {
		case "WS handshake /private", "WS handshake /chat/{room}":
			if attr(s, tracing.AttrOutcome).AsString() == tracing.OutcomeRefused {
				reasons = append(reasons, attr(s, tracing.AttrRefusedReason).AsString())
			}
			if s.Name == "WS handshake /private" && s.SpanContext.TraceID().String() != clientTrace {
				t.Errorf("refused handshake: trace %s, want the client's", s.SpanContext.TraceID())
			}
		case "WS connection /chat/{room}":
			if attr(s, tracing.AttrRefusedReason).AsString() != ws.RefusedOrigin || attr(s, tracing.AttrCloseCode).AsInt64() != ws.CloseForbidden {
				t.Errorf("cross-site connection: attributes %v", s.Attributes)
			}
		}
	}
	want := map[string]bool{ws.RefusedRejected: true, ws.RefusedNotWebSocket: true}
	if len(reasons) != len(want) || !want[reasons[0]] || !want[reasons[1]] || reasons[0] == reasons[1] {
		t.Errorf("refusal reasons %q, want %v", reasons, want)
	}
}

// TestMiddlewareWithoutObserver: the middleware alone, on a server whose
// observer is not the Tracer's, starts no span (none would be ended).
func TestMiddlewareWithoutObserver(t *testing.T) {
	sr := tracetest.NewSpanRecorder()
	tr := tracing.New(tracing.WithTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))))
	app := nexo.New(nexo.WithoutClient())
	app.UseWS(tr.Middleware)
	app.WebSocketRoute("/ws", func(c *ws.Conn) error { return c.SendText("hi") })
	srv := nexotest.NewServer(t, app)
	c := srv.Dial("/ws")
	c.ExpectText("hi")
	c.ExpectClose(ws.CloseNormal)
	srv.Shutdown()
	if n := len(sr.Started()); n != 0 {
		t.Fatalf("%d spans started, want none", n)
	}
}

// TestHandlerErrorSpan: a handler's error is recorded on the connection
// span, which ends with 1011 and an error status.
func TestHandlerErrorSpan(t *testing.T) {
	srv, exp, _ := tracedApp(t)
	srv.Dial("/boom").ExpectClose(ws.CloseInternalError)
	srv.Shutdown()
	conn := spans(t, exp)["WS connection /boom"]
	if conn.Status.Code != codes.Error || attr(conn, tracing.AttrCloseCode).AsInt64() != ws.CloseInternalError ||
		len(conn.Events) != 1 || conn.Events[0].Name != "exception" {
		t.Fatalf("connection span: status %v, attributes %v, events %v", conn.Status, conn.Attributes, conn.Events)
	}
}
