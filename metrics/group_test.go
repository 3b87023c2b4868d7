package metrics_test

import (
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// TestGroupSendsAreCounted: a registry observed by the metrics counts each
// group send, the members reached and those skipped.
func TestGroupSendsAreCounted(t *testing.T) {
	app, m := newApp(t)
	reg := channels.NewRegistry(channels.WithGroupObserver(m))
	app.WebSocketRoute("/room", func(c *ws.Conn) error {
		typ := channels.Text
		if c.Query().Has("json") {
			typ = channels.JSON
		}
		ch := channels.NewChannel(c, typ)
		reg.Group("room").Add(ch)
		if err := c.SendText("joined"); err != nil {
			return err
		}
		for msg := range c.Texts() {
			reg.Group("room").SendText(msg) // the JSON member is skipped
		}
		return c.Err()
	})
	s := nexotest.NewServer(t, app)
	a, b := s.Dial("/room"), s.Dial("/room")
	j := s.Dial("/room?json=1")
	for _, c := range []*nexotest.Conn{a, b, j} {
		c.ExpectText("joined")
	}
	a.SendText("hi")
	a.ExpectText("hi")
	b.ExpectText("hi")
	eventually(t, s.URL+"/metrics", "a group send counted", func(f map[string]*dto.MetricFamily) bool {
		return value(f, "nexo_group_sends_total") == 1 &&
			value(f, "nexo_group_deliveries_total") == 2 &&
			value(f, "nexo_group_send_failures_total") == 1
	})
	for _, c := range []*nexotest.Conn{a, b, j} {
		c.CloseNormal()
	}
}
