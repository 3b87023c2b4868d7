package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nexogo/nexo/nexotest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// frame is a frame of the metrics socket: every sample comes in a "pub"
// frame with its position in the topic's history, and the replay of the
// recent samples ends with a "joined" frame.
type frame struct {
	Type      string          `json:"type"`
	Topic     string          `json:"topic"`
	Offset    uint64          `json:"offset"`
	Recovered bool            `json:"recovered"`
	Data      json.RawMessage `json:"data"`
}

// readFrame reads one frame; a "pub" frame's sample goes into s.
func readFrame(t *testing.T, c *nexotest.Conn, s *sample) frame {
	t.Helper()
	var f frame
	c.ReadJSON(&f)
	if f.Type == "pub" {
		if f.Topic != topic {
			t.Fatalf("pub frame of topic %q", f.Topic)
		}
		if err := json.Unmarshal(f.Data, s); err != nil {
			t.Fatalf("sample %s: %v", f.Data, err)
		}
	}
	return f
}

// readSample reads frames until the next sample.
func readSample(t *testing.T, c *nexotest.Conn, s *sample) {
	t.Helper()
	for readFrame(t, c, s).Type != "pub" {
	}
}

// newTestServer serves the example with a sample every interval, until
// the test ends.
func newTestServer(t *testing.T, interval time.Duration) *nexotest.Server {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return nexotest.NewServer(t, newApp(ctx, interval))
}

func TestSamplesArrive(t *testing.T) {
	s := newTestServer(t, 50*time.Millisecond)
	c := s.Dial("/ws")
	// A sample read from the metrics just before the connection opened
	// may still say 0 connections; the next one says 1.
	var got sample
	for got.Connections != 1 {
		readSample(t, c, &got)
		if got.Goroutines == 0 || got.HeapBytes == 0 || got.Connections > 1 {
			t.Fatalf("sample %+v", got)
		}
	}
	c.CloseNormal()
}

// TestSamplesComeFromMetrics checks the page's figures against what the
// metrics say: the connection count follows the clients.
func TestSamplesComeFromMetrics(t *testing.T) {
	s := newTestServer(t, 50*time.Millisecond)
	a := s.Dial("/ws")
	b := s.Dial("/ws")
	// Every sample after both joined says 2 connections.
	var got sample
	for got.Connections != 2 {
		readSample(t, a, &got)
	}
	readSample(t, b, &sample{})
	if got.SlowConsumers != 0 {
		t.Errorf("slow consumers %d, want 0", got.SlowConsumers)
	}
	b.CloseNormal()
	for got.Connections != 1 {
		readSample(t, a, &got)
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

// TestNewcomerGetsRecentSamples checks that a page opened on a running
// server gets the samples already published, oldest first, then the
// "joined" frame, then live ones: its chart is drawn at once.
func TestNewcomerGetsRecentSamples(t *testing.T) {
	s := newTestServer(t, 20*time.Millisecond)
	a := s.Dial("/ws")
	var got sample
	var last uint64
	for last < 5 {
		if f := readFrame(t, a, &got); f.Type == "pub" {
			last = f.Offset
		}
	}
	b := s.Dial("/ws")
	var offsets []uint64
	var prev time.Time
	for {
		f := readFrame(t, b, &got)
		if f.Type == "joined" {
			if !f.Recovered || f.Offset != offsets[len(offsets)-1] {
				t.Fatalf("joined %+v after offsets %v", f, offsets)
			}
			break
		}
		if f.Type != "pub" {
			t.Fatalf("frame %+v before joined", f)
		}
		if !got.At.After(prev) {
			t.Fatalf("sample at %v after one at %v", got.At, prev)
		}
		prev = got.At
		offsets = append(offsets, f.Offset)
	}
	if len(offsets) < 5 || offsets[0] != 1 {
		t.Fatalf("replayed offsets %v, want 1..n with n >= 5", offsets)
	}
	for i, o := range offsets {
		if o != uint64(i+1) {
			t.Fatalf("replayed offsets %v, want 1..n", offsets)
		}
	}
	readSample(t, b, &got) // then live samples
	b.CloseNormal()
	a.CloseNormal()
}

// TestRateLeavesOutOwnSamples checks that "messages/s" is the app's
// traffic, not the samples the dashboard sends: with only a dashboard
// connected it stays 0, and ten echoes on /echo (ten messages received,
// ten sent) add up to twenty messages over the samples that follow.
func TestRateLeavesOutOwnSamples(t *testing.T) {
	s := newTestServer(t, 50*time.Millisecond)
	a := s.Dial("/ws")
	var got sample
	for got.Connections != 1 {
		readSample(t, a, &got)
	}
	for range 3 {
		readSample(t, a, &got)
		if got.MessagesPerS != 0 {
			t.Fatalf("%.1f messages/s with only the dashboard connected, want 0", got.MessagesPerS)
		}
	}

	e := s.Dial("/echo")
	for range 10 {
		e.SendText("hi")
		e.ExpectText("hi")
	}
	var total float64
	for prev, n := got.At, 0; total < 19.95; n++ {
		if n == 200 {
			t.Fatalf("%.2f messages counted over 200 samples, want 20", total)
		}
		readSample(t, a, &got)
		total += got.MessagesPerS * got.At.Sub(prev).Seconds()
		prev = got.At
	}
	if total > 20.05 {
		t.Fatalf("%.2f messages counted, want 20", total)
	}
	e.CloseNormal()
	a.CloseNormal()
}
