package tracing_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"

	"github.com/gorilla/websocket"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/tracing"
	"github.com/nexogo/nexo/ws"
)

func ExampleTracer() {
	// In production: an OTLP exporter with a batcher, or the global
	// provider that tracing.New uses by default.
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))

	tr := tracing.New(tracing.WithTracerProvider(tp))
	app := nexo.New(nexo.WithoutClient(), tr.Option())
	events := channels.NewEventRouter()
	events.Observe(tr)
	channels.On(events, "greet", func(c *ws.Conn, name string) (any, error) { return "hello " + name, nil })
	app.WebSocketRoute("/events/{room}", events.Handler())
	srv := httptest.NewServer(app)
	defer srv.Close()

	// The client's trace context, as a traced HTTP client would send it.
	h := http.Header{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/events/lobby", h)
	if err != nil {
		panic(err)
	}
	c.WriteMessage(websocket.TextMessage, []byte(`{"event":"greet","data":"ada","ref":1}`))
	_, reply, _ := c.ReadMessage()
	fmt.Println(string(reply))
	c.Close()
	app.Shutdown(context.Background()) // ends the connection, and its span

	var names []string
	for _, s := range exp.GetSpans() {
		where := "in the client's trace " + s.SpanContext.TraceID().String()[:8]
		if len(s.Links) == 1 {
			where = "in a trace of its own, linked to the connection"
		}
		names = append(names, s.Name+": "+where)
	}
	slices.Sort(names)
	fmt.Println(strings.Join(names, "\n"))
	// Output:
	// {"type":"reply","ref":1,"data":"hello ada"}
	// WS connection /events/{room}: in the client's trace 4bf92f35
	// WS event greet: in a trace of its own, linked to the connection
	// WS handshake /events/{room}: in the client's trace 4bf92f35
}
