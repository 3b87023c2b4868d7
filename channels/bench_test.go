package channels_test

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// benchPayload counts how often it is marshalled.
type benchPayload struct {
	marshals *atomic.Int64
	Seq      int    `json:"seq"`
	Room     string `json:"room"`
	Text     string `json:"text"`
}

func (p benchPayload) MarshalJSON() ([]byte, error) {
	p.marshals.Add(1)
	type plain benchPayload
	return json.Marshal(plain(p))
}

// delivered counts messages read by the clients and wakes a waiter.
type delivered struct {
	n      atomic.Int64
	target atomic.Int64
	wake   chan struct{}
}

func (d *delivered) add() {
	if d.n.Add(1) == d.target.Load() {
		select {
		case d.wake <- struct{}{}:
		default:
		}
	}
}

// wait blocks until target messages have been read.
func (d *delivered) wait(b *testing.B, target int64) {
	select {
	case <-d.wake:
	default:
	}
	d.target.Store(target)
	for d.n.Load() < target {
		select {
		case <-d.wake:
		case <-time.After(10 * time.Second):
			b.Fatalf("clients read %d of %d messages", d.n.Load(), target)
		}
	}
}

// fleet is conns real connections, each joined to one group as perConn
// channels, with a client goroutine per connection that reads and counts.
type fleet struct {
	g       *channels.Group
	members []*channels.Channel
	got     *delivered
}

func newFleet(b *testing.B, conns, perConn int) *fleet {
	f := &fleet{g: channels.NewGroup("bench"), got: &delivered{wake: make(chan struct{}, 1)}}
	joined := make(chan []*channels.Channel, conns)
	e := serve(b, func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		var chs []*channels.Channel
		for range perConn {
			ch := channels.NewChannel(c, channels.JSON)
			f.g.Add(ch)
			chs = append(chs, ch)
		}
		joined <- chs
		return readLoop(c)
	}, ws.WithSendQueue(1<<14, ws.SlowConsumerDrop), ws.WithHeartbeat(-1, 0))
	var readers sync.WaitGroup
	b.Cleanup(readers.Wait) // after the clients' sockets are closed (cleanups run last first)
	for range conns {
		c := e.dial()
		f.members = append(f.members, recv(b, joined)...)
		readers.Go(func() {
			for {
				_, r, err := c.NextReader()
				if err != nil {
					return
				}
				io.Copy(io.Discard, r)
				f.got.add()
			}
		})
	}
	return f
}

// BenchmarkGroupSend compares a group send (one marshal, one frame, queued
// on every member) with the naive loop that marshals for each member
// (c.SendJSON per member), over real sockets that a client goroutine per
// connection drains. 10,000 members are 1,000 connections with ten
// channels each (20,000 sockets would pass the file limit): the send path
// is the same per member. Every 64 sends the timer stops until the clients
// have read everything, so queues never fill.
func BenchmarkGroupSend(b *testing.B) {
	for _, size := range []struct{ conns, perConn int }{{1000, 1}, {1000, 10}} {
		members := size.conns * size.perConn
		f := newFleet(b, size.conns, size.perConn)
		var marshals atomic.Int64
		run := func(b *testing.B, send func(p benchPayload) int) {
			marshals.Store(0)
			base := f.got.n.Load()
			sent := int64(0)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				sent += int64(send(benchPayload{marshals: &marshals, Seq: i, Room: "bench", Text: "hello, everyone in this room"}))
				if i%64 == 63 {
					b.StopTimer()
					f.got.wait(b, base+sent)
					b.StartTimer()
				}
			}
			b.StopTimer()
			f.got.wait(b, base+sent)
			if want := int64(b.N) * int64(members); sent != want {
				b.Fatalf("queued %d of %d", sent, want)
			}
			b.ReportMetric(float64(marshals.Load())/float64(b.N), "marshals/op")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(members), "ns/member")
		}
		b.Run(fmt.Sprintf("members=%d/group", members), func(b *testing.B) {
			run(b, func(p benchPayload) int {
				n, err := f.g.Send(p)
				if err != nil {
					b.Fatal(err)
				}
				return n
			})
		})
		b.Run(fmt.Sprintf("members=%d/naive", members), func(b *testing.B) {
			run(b, func(p benchPayload) int {
				n := 0
				for _, ch := range f.members {
					if err := ch.Conn().SendJSON(p); err != nil {
						b.Fatal(err)
					}
					n++
				}
				return n
			})
		})
	}
}
