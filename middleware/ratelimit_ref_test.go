package middleware_test

import (
	"fmt"
	"testing"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/ws"
)

// In drop mode, in front of an EventRouter, every request dropped over the
// rate is answered with a rate_limited error frame carrying its ref, so
// that a client awaiting a reply never waits in vain.
func TestRateLimitDropAnswersEveryRef(t *testing.T) {
	r := channels.NewEventRouter()
	channels.On(r, "sum", func(c *ws.Conn, in struct{ A, B int }) (any, error) { return in.A + in.B, nil })
	srv := serveAuth(t, r.Handler(), middleware.RateLimitWithOpts(middleware.RateLimitOptions{
		MessageRate: slow, MessageBurst: 1, Policy: channels.RateDrop,
	}))
	c := srv.Dial("/ws")
	defer c.Close()
	for ref := 1; ref <= 4; ref++ {
		c.SendText(fmt.Sprintf(`{"event":"sum","data":{"A":1,"B":2},"ref":%d}`, ref))
	}
	c.ExpectText(`{"type":"reply","ref":1,"data":3}`)
	for ref := 2; ref <= 4; ref++ {
		var f ws.ErrorFrame
		c.ReadJSON(&f)
		if f.Type != "error" || f.Error != "rate_limited" || f.Ref != float64(ref) {
			t.Fatalf("request %d answered with %+v, want rate_limited with its ref", ref, f)
		}
	}
}
