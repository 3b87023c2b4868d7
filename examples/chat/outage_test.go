package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/internal/servicetest"
	"github.com/nexogo/nexo/nexotest"
)

// TestRedisOutage runs the chat on a redis-server of the test's own and
// stops it mid-conversation: the pages stay connected, each message that
// cannot go out is answered with a not_delivered error carrying its ref,
// a new page is told to try again later (1013) rather than refused with
// HTTP 500, /readyz turns 503 while /healthz stays 200, and once Redis is
// back messages go out and new pages join again.
func TestRedisOutage(t *testing.T) {
	rs := servicetest.Redis(t)
	t.Setenv("NEXO_BROKER", "redis")
	t.Setenv("NEXO_REDIS_URL", rs.URL())
	t.Setenv("NEXO_CHANNEL_PREFIX", fmt.Sprintf("chat-outage-%d:", time.Now().UnixNano()))
	s := nexotest.NewServer(t, newApp(nexo.WithLogger(slog.New(slog.DiscardHandler))))
	for _, path := range []string{"/healthz", "/readyz"} {
		if status, body := nexotest.Get(t, s.URL+path); status != 200 {
			t.Errorf("%s with Redis up: %d %q", path, status, body)
		}
	}
	ada := s.Dial("/chat/lobby?name=ada")
	next(t, ada, "welcome")
	bob := s.Dial("/chat/lobby?name=bob")
	next(t, bob, "welcome")

	rs.Stop()
	ada.SendJSON(map[string]any{"type": "message", "text": "during the outage", "ref": 1})
	if f := answerTo(t, ada, 1); f.Type != "error" || f.Error != "not_delivered" {
		t.Errorf("message during the outage answered %+v, want a not_delivered error", f)
	}
	ada.SendJSON(map[string]any{"type": "private", "to": "bob", "text": "psst", "ref": 2})
	if f := answerTo(t, ada, 2); f.Type != "error" || f.Error != "not_delivered" {
		t.Errorf("private message during the outage answered %+v, want a not_delivered error", f)
	}
	nexotest.WaitStatus(t, s.URL+"/readyz", http.StatusServiceUnavailable)
	if status, _ := nexotest.Get(t, s.URL+"/healthz"); status != 200 {
		t.Errorf("healthz during the outage: %d", status)
	}
	cat, resp, err := s.TryDial("/chat/lobby?name=cat")
	if err != nil {
		t.Fatalf("join during the outage: %v (HTTP %v), want a close with 1013", err, resp.Status)
	}
	if ce := cat.ExpectClose(websocket.CloseTryAgainLater); !strings.Contains(ce.Reason, "try again") {
		t.Errorf("join during the outage closed with %q", ce.Reason)
	}

	rs.Start()
	nexotest.WaitStatus(t, s.URL+"/readyz", http.StatusOK)
	for ref := 3; ; ref++ {
		ada.SendJSON(map[string]any{"type": "message", "text": "back", "ref": ref})
		if f := answerTo(t, ada, ref); f.Type == "reply" {
			break
		} else if ref == 8 {
			t.Fatalf("after Redis came back: %+v", f)
		}
	}
	// Delivery to the pages that stayed through the restart is the
	// broker's part (issue 20; TestClusterBrokerRestarted); the chat's is
	// that the room takes messages and new pages again.
	dan := s.Dial("/chat/lobby?name=dan")
	next(t, dan, "welcome")
	dan.CloseNormal()
	ada.CloseNormal()
	bob.CloseNormal()
}
