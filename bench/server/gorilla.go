package main

import (
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// The gorilla contenders follow gorilla/websocket's own examples: /echo
// reads and writes on the handler's goroutine (examples/echo), /fanout is the
// chat example's hub: one hub goroutine owning the client set, an
// unbuffered broadcast channel, a 256-message send channel per client, and a
// read pump and a write pump per client. Unlike the chat example, which
// joins queued messages with newlines into one frame, every message stays its
// own WebSocket message, as in every other contender. With prepared set, the
// hub frames each message once (websocket.PreparedMessage) for all clients.

const (
	gorillaSendBuffer = 256
	gorillaWriteWait  = 10 * time.Second
	gorillaPongWait   = 60 * time.Second
	gorillaPingPeriod = gorillaPongWait * 9 / 10
	gorillaMaxMessage = 1 << 20
)

func newGorilla(prepared bool) http.Handler {
	up := websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024}
	h := &gorillaHub{
		prepared:   prepared,
		broadcast:  make(chan gorillaMsg),
		register:   make(chan *gorillaClient),
		unregister: make(chan *gorillaClient),
		clients:    make(map[*gorillaClient]bool),
	}
	go h.run()
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		c.SetReadLimit(gorillaMaxMessage)
		for {
			typ, p, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(typ, p); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/fanout", func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		cl := &gorillaClient{hub: h, conn: c, send: make(chan gorillaMsg, gorillaSendBuffer)}
		h.register <- cl
		go cl.writePump()
		go cl.readPump()
	})
	return mux
}

// gorillaMsg is a message as the hub passes it: raw, or framed once.
type gorillaMsg struct {
	typ  int
	data []byte
	pm   *websocket.PreparedMessage
}

type gorillaHub struct {
	prepared   bool
	broadcast  chan gorillaMsg
	register   chan *gorillaClient
	unregister chan *gorillaClient
	clients    map[*gorillaClient]bool
}

func (h *gorillaHub) run() {
	for {
		select {
		case c := <-h.register:
			h.clients[c] = true
		case c := <-h.unregister:
			if h.clients[c] {
				delete(h.clients, c)
				close(c.send)
			}
		case m := <-h.broadcast:
			if h.prepared {
				pm, err := websocket.NewPreparedMessage(m.typ, m.data)
				if err != nil {
					continue
				}
				m = gorillaMsg{pm: pm}
			}
			for c := range h.clients {
				select {
				case c.send <- m:
				default: // too slow: dropped from the hub, as in the chat example
					close(c.send)
					delete(h.clients, c)
				}
			}
		}
	}
}

type gorillaClient struct {
	hub  *gorillaHub
	conn *websocket.Conn
	send chan gorillaMsg
}

func (c *gorillaClient) readPump() {
	defer func() {
		c.hub.unregister <- c
		c.conn.Close()
	}()
	c.conn.SetReadLimit(gorillaMaxMessage)
	c.conn.SetReadDeadline(time.Now().Add(gorillaPongWait))
	c.conn.SetPongHandler(func(string) error {
		c.conn.SetReadDeadline(time.Now().Add(gorillaPongWait))
		return nil
	})
	for {
		typ, p, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		c.conn.SetReadDeadline(time.Now().Add(gorillaPongWait))
		c.hub.broadcast <- gorillaMsg{typ: typ, data: p}
	}
}

func (c *gorillaClient) writePump() {
	ticker := time.NewTicker(gorillaPingPeriod)
	defer func() {
		ticker.Stop()
		c.conn.Close()
	}()
	for {
		select {
		case m, ok := <-c.send:
			c.conn.SetWriteDeadline(time.Now().Add(gorillaWriteWait))
			if !ok {
				c.conn.WriteMessage(websocket.CloseMessage, nil)
				return
			}
			var err error
			if m.pm != nil {
				err = c.conn.WritePreparedMessage(m.pm)
			} else {
				err = c.conn.WriteMessage(m.typ, m.data)
			}
			if err != nil {
				return
			}
		case <-ticker.C:
			c.conn.SetWriteDeadline(time.Now().Add(gorillaWriteWait))
			if err := c.conn.WriteMessage(websocket.PingMessage, nil); err != nil {
				return
			}
		}
	}
}
