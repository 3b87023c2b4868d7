package channels_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// benchPayload counts how often it is marshalled. Its Seq always has
// eight digits (seqBase + i), so every frame of a run has the same size
// and the clients can count messages by counting bytes.
type benchPayload struct {
	marshals *atomic.Int64
	Seq      int    `json:"seq"`
	Room     string `json:"room"`
	Text     string `json:"text"`
}

const seqBase = 10_000_000

func (p benchPayload) MarshalJSON() ([]byte, error) {
	p.marshals.Add(1)
	type plain benchPayload
	return json.Marshal(plain(p))
}

// newBenchPayload returns the i-th payload of a run.
func newBenchPayload(marshals *atomic.Int64, i int) benchPayload {
	return benchPayload{marshals: marshals, Seq: seqBase + i, Room: "bench", Text: "hello, everyone in this room"}
}

// benchFrameLen is the size on the wire of one server frame of a
// benchPayload: a 2-byte header (payloads under 126 bytes, unmasked) and
// the JSON.
func benchFrameLen() int64 {
	b, err := json.Marshal(newBenchPayload(new(atomic.Int64), 0))
	if err != nil || len(b) >= 126 {
		panic(fmt.Sprintf("bench payload of %d bytes, %v", len(b), err))
	}
	return int64(2 + len(b))
}

// delivered counts bytes read by the clients and wakes a waiter.
type delivered struct {
	n      atomic.Int64
	target atomic.Int64
	wake   chan struct{}
}

func (d *delivered) add(k int) {
	if d.n.Add(int64(k)) >= d.target.Load() {
		select {
		case d.wake <- struct{}{}:
		default:
		}
	}
}

// wait blocks until target bytes have been read.
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
			b.Fatalf("clients read %d of %d bytes", d.n.Load(), target)
		}
	}
}

// fleet is conns real connections, each joined to one group as perConn
// channels, with a client goroutine per connection that reads and counts.
// The clients read the raw socket into a buffer of their own, without
// parsing frames, so that they allocate nothing per message: the B/op and
// allocs/op of the benchmark are then the server's (the test process
// counts every goroutine's allocations, the clients' included).
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
		// The server sends nothing before the first group send, so no
		// byte of a frame is left in the handshake's buffer.
		nc := c.NetConn()
		readers.Go(func() {
			buf := make([]byte, 32<<10)
			for {
				n, err := nc.Read(buf)
				f.got.add(n)
				if err != nil {
					return
				}
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
// have read everything, so queues never fill. marshals/op is the number of
// JSON encodings per send; ns/member is ns/op divided by the members.
// group+history is the group send with SaveHistory (kept in a history of
// DefaultHistoryCount messages).
func BenchmarkGroupSend(b *testing.B) {
	frameLen := benchFrameLen()
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
				sent += int64(send(newBenchPayload(&marshals, i)))
				if i%64 == 63 {
					b.StopTimer()
					f.got.wait(b, base+sent*frameLen)
					b.StartTimer()
				}
			}
			b.StopTimer()
			f.got.wait(b, base+sent*frameLen)
			if want := int64(b.N) * int64(members); sent != want {
				b.Fatalf("queued %d of %d", sent, want)
			}
			if got := f.got.n.Load() - base; got != sent*frameLen {
				b.Fatalf("clients read %d bytes, want %d", got, sent*frameLen)
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
		b.Run(fmt.Sprintf("members=%d/group+history", members), func(b *testing.B) {
			run(b, func(p benchPayload) int {
				n, err := f.g.Send(p, channels.SaveHistory())
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
