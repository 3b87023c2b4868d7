package metrics_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo/nexotest"
	dto "github.com/prometheus/client_model/go"
)

// TestScrapedDuringLoadMatchesClients runs many echo clients at once while
// /metrics is scraped over and over: every scrape is monotonic and never
// ahead of the traffic, and once the clients are done the counters equal
// what the clients counted, message for message and byte for byte.
func TestScrapedDuringLoadMatchesClients(t *testing.T) {
	const (
		clients = 16
		perConn = 2000
		route   = "/chat/{room}"
	)
	app, _ := newApp(t)
	app.WebSocketRoute(route, echo)
	s := nexotest.NewServer(t, app)
	murl := s.URL + "/metrics"

	conns := make([]*nexotest.Conn, clients)
	for i := range conns {
		conns[i] = s.Dial(fmt.Sprintf("/chat/%d", i%4))
	}
	// A client's dial returns once it has read the handshake response,
	// which the server writes just before it counts the connection.
	eventually(t, murl, "every client counted", func(f map[string]*dto.MetricFamily) bool {
		return value(f, "nexo_ws_connections", "route", route) == clients
	})
	type tally struct{ sentMsgs, sentBytes, gotMsgs, gotBytes int }
	tallies := make([]tally, clients)
	errs := make(chan error, 2*clients)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(2)
		go func() { // writer
			defer wg.Done()
			for j := range perConn {
				msg := strings.Repeat("m", 1+(i*perConn+j)%200)
				if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
					errs <- err
					return
				}
				tallies[i].sentMsgs++
				tallies[i].sentBytes += len(msg)
			}
		}()
		go func() { // reader: the echo of each message
			defer wg.Done()
			for range perConn {
				_, data, err := c.TryRead()
				if err != nil {
					errs <- err
					return
				}
				tallies[i].gotMsgs++
				tallies[i].gotBytes += len(data)
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	names := []string{
		"nexo_ws_messages_received_total", "nexo_ws_messages_sent_total",
		"nexo_ws_received_bytes_total", "nexo_ws_sent_bytes_total",
	}
	last := make(map[string]float64)
	scrapes := 0
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		fams := scrape(t, murl)
		scrapes++
		if got := value(fams, "nexo_ws_connections", "route", route); got != clients {
			t.Fatalf("connections during the run = %v, want %d", got, clients)
		}
		for _, n := range names {
			v := value(fams, n, "route", route)
			if v < last[n] {
				t.Fatalf("%s went back from %v to %v", n, last[n], v)
			}
			if v > clients*perConn*200 {
				t.Fatalf("%s = %v, more than the clients can have sent", n, v)
			}
			last[n] = v
		}
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	var total tally
	for _, tl := range tallies {
		total.sentMsgs += tl.sentMsgs
		total.sentBytes += tl.sentBytes
		total.gotMsgs += tl.gotMsgs
		total.gotBytes += tl.gotBytes
	}
	check := func(fams map[string]*dto.MetricFamily) {
		t.Helper()
		for _, tc := range []struct {
			name string
			want int
		}{
			{"nexo_ws_messages_received_total", total.sentMsgs},
			{"nexo_ws_received_bytes_total", total.sentBytes},
			{"nexo_ws_messages_sent_total", total.gotMsgs},
			{"nexo_ws_sent_bytes_total", total.gotBytes},
		} {
			if got := value(fams, tc.name, "route", route); got != float64(tc.want) {
				t.Errorf("%s = %v, the clients counted %d", tc.name, got, tc.want)
			}
		}
	}
	check(scrape(t, murl))
	t.Logf("%d clients, %d messages and %d bytes each way, %d scrapes during the run",
		clients, total.sentMsgs, total.sentBytes, scrapes)

	// Closing moves the figures from live to closed connections; the
	// counters stay, the gauge reaches zero.
	for _, c := range conns {
		c.CloseNormal()
	}
	fams := eventually(t, murl, "every connection closed", func(f map[string]*dto.MetricFamily) bool {
		return value(f, "nexo_ws_connections", "route", route) == 0
	})
	check(fams)
	if got := value(fams, "nexo_ws_closes_total", "code", "1000"); got != clients {
		t.Errorf("closes{code=1000} = %v, want %d", got, clients)
	}
	if got := value(fams, "nexo_ws_connections_opened_total", "route", route); got != clients {
		t.Errorf("opened = %v, want %d", got, clients)
	}
}
