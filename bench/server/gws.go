package main

import (
	"net/http"
	"sync"
	"time"

	"github.com/lxzan/gws"
)

// The gws contender follows gws's README: one ReadLoop goroutine per
// connection, a read deadline set on open and renewed by pings, /echo writing
// the reply on the reading goroutine, and /fanout framing each message once
// with a gws.Broadcaster that queues it on every connection's write queue.

const gwsDeadline = 60 * time.Second

func newGWS() http.Handler {
	echo := gws.NewUpgrader(gwsEcho{}, &gws.ServerOption{ReadMaxPayloadSize: 1 << 20})
	fan := &gwsFanout{conns: make(map[*gws.Conn]struct{})}
	fanUp := gws.NewUpgrader(fan, &gws.ServerOption{ReadMaxPayloadSize: 1 << 20})
	serve := func(up *gws.Upgrader) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			c, err := up.Upgrade(w, r)
			if err != nil {
				return
			}
			go c.ReadLoop()
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", serve(echo))
	mux.HandleFunc("/fanout", serve(fanUp))
	return mux
}

type gwsEcho struct{ gws.BuiltinEventHandler }

func (gwsEcho) OnOpen(c *gws.Conn) { c.SetDeadline(time.Now().Add(gwsDeadline)) }

func (gwsEcho) OnPing(c *gws.Conn, payload []byte) {
	c.SetDeadline(time.Now().Add(gwsDeadline))
	c.WritePong(payload)
}

func (gwsEcho) OnMessage(c *gws.Conn, m *gws.Message) {
	defer m.Close()
	c.WriteMessage(m.Opcode, m.Bytes())
}

type gwsFanout struct {
	gws.BuiltinEventHandler
	mu    sync.RWMutex
	conns map[*gws.Conn]struct{}
}

func (f *gwsFanout) OnOpen(c *gws.Conn) {
	c.SetDeadline(time.Now().Add(gwsDeadline))
	f.mu.Lock()
	f.conns[c] = struct{}{}
	f.mu.Unlock()
}

func (f *gwsFanout) OnClose(c *gws.Conn, err error) {
	f.mu.Lock()
	delete(f.conns, c)
	f.mu.Unlock()
}

func (f *gwsFanout) OnPing(c *gws.Conn, payload []byte) {
	c.SetDeadline(time.Now().Add(gwsDeadline))
	c.WritePong(payload)
}

func (f *gwsFanout) OnMessage(c *gws.Conn, m *gws.Message) {
	payload := append([]byte(nil), m.Bytes()...)
	op := m.Opcode
	m.Close()
	b := gws.NewBroadcaster(op, payload)
	f.mu.RLock()
	for conn := range f.conns {
		b.Broadcast(conn)
	}
	f.mu.RUnlock()
	b.Close()
}
