package metrics_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/metrics"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
	dto "github.com/prometheus/client_model/go"
)

// TestExposeOneLine checks that the one-line form observes connections,
// times publishes through the broker the App opened, and keeps that
// broker's history usable: a newcomer recovers what was published before
// it joined, through the decorator.
func TestExposeOneLine(t *testing.T) {
	app := nexo.New(
		metrics.Expose("/metrics", metrics.WithoutRuntimeMetrics()),
		nexo.WithHistory(channels.HistoryPolicy{Pattern: "room:*", MaxCount: 10}),
		nexo.WithLogger(quietLogger()),
	)
	if err := app.Err(); err != nil {
		t.Fatal(err)
	}
	app.WebSocketRoute("/ws", func(c *ws.Conn) error {
		sub, err := channels.Join(c, "room:a", channels.RecoverLast(10))
		if err != nil {
			return c.SendText("join: " + err.Error())
		}
		defer sub.Leave()
		<-c.Context().Done()
		return nil
	})
	s := nexotest.NewServer(t, app)
	for _, m := range []string{"one", "two", "three"} {
		if err := app.Publish(context.Background(), "room:a", m); err != nil {
			t.Fatal(err)
		}
	}
	c := s.Dial("/ws")
	var got []string
	for {
		text := c.ReadText()
		if strings.HasPrefix(text, "join: ") {
			t.Fatal(text)
		}
		var f struct {
			Type string `json:"type"`
			Data string `json:"data"`
		}
		if err := json.Unmarshal([]byte(text), &f); err != nil {
			t.Fatalf("frame %q: %v", text, err)
		}
		if f.Type == "joined" {
			break
		}
		got = append(got, f.Data)
	}
	if strings.Join(got, " ") != "one two three" {
		t.Fatalf("recovered %q", got)
	}
	fams := eventually(t, s.URL+"/metrics", "the connection counted", func(f map[string]*dto.MetricFamily) bool {
		return value(f, "nexo_ws_connections", "route", "/ws") == 1
	})
	if n := value(fams, "nexo_broker_publish_duration_seconds"); n < 3 {
		t.Errorf("publishes timed = %v, want at least 3", n)
	}
	c.CloseNormal()
}
