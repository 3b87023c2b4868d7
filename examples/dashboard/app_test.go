package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nexogo/nexo/nexotest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestSamplesArrive(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := nexotest.NewServer(t, newApp(ctx, 50*time.Millisecond))
	c := s.Dial("/ws")
	// A sample read from the metrics just before the connection opened
	// may still say 0 connections; the next one says 1.
	var got sample
	for got.Connections != 1 {
		c.ReadJSON(&got)
		if got.Goroutines == 0 || got.HeapBytes == 0 || got.Connections > 1 {
			t.Fatalf("sample %+v", got)
		}
	}
	c.CloseNormal()
}

// TestSamplesComeFromMetrics checks the page's figures against what the
// metrics say: the connection count follows the clients, and the message
// rate counts the samples the server itself sends them.
func TestSamplesComeFromMetrics(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := nexotest.NewServer(t, newApp(ctx, 50*time.Millisecond))
	a := s.Dial("/ws")
	b := s.Dial("/ws")
	// Every sample after both joined says 2 connections, and from the
	// second one on, a non-zero rate: each sample is two messages sent.
	var got sample
	for got.Connections != 2 || got.MessagesPerS == 0 {
		a.ReadJSON(&got)
	}
	b.ReadJSON(&sample{})
	if got.SlowConsumers != 0 {
		t.Errorf("slow consumers %d, want 0", got.SlowConsumers)
	}
	b.CloseNormal()
	for got.Connections != 1 {
		a.ReadJSON(&got)
	}

	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range []string{
		`nexo_ws_connections{route="/ws"} 1`,
		`nexo_ws_connections_opened_total{route="/ws"} 2`,
	} {
		if !strings.Contains(string(body), line+"\n") {
			t.Errorf("/metrics lacks %q", line)
		}
	}
	a.CloseNormal()
}
