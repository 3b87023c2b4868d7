package middleware_test

import (
	"strings"
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

func TestMaxMessageSize(t *testing.T) {
	app := nexo.New(nexo.WithoutClient())
	app.WebSocketRoute("/default", echo)
	app.WebSocketRoute("/small", echo, middleware.MaxMessageSize(16))
	app.WebSocketRoute("/big", echo, middleware.MaxMessageSize(2<<20))
	srv := nexotest.NewServer(t, app)
	large := strings.Repeat("x", ws.DefaultReadLimit+1)

	tests := []struct {
		path, msg string
		ok        bool
	}{
		{"/small", strings.Repeat("s", 16), true},
		{"/small", strings.Repeat("s", 17), false},
		{"/default", strings.Repeat("d", 17), true},
		{"/default", large, false},
		{"/big", large, true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			c := srv.Dial(tt.path)
			defer c.Close()
			c.SendText(tt.msg)
			if tt.ok {
				c.ExpectText(tt.msg)
				c.CloseNormal()
				return
			}
			c.ExpectClose(ws.CloseMessageTooBig)
		})
	}
}

func TestMaxMessageSizeAfterAccept(t *testing.T) {
	accept := func(next ws.HandlerFunc) ws.HandlerFunc {
		return func(c *ws.Conn) error { c.Accept(); return next(c) }
	}
	app := nexo.New(nexo.WithoutClient(), nexo.WithLogger(discard()))
	app.WebSocketRoute("/ws", echo, accept, middleware.MaxMessageSize(16))
	srv := nexotest.NewServer(t, app)
	c := srv.Dial("/ws")
	defer c.Close()
	c.ExpectClose(ws.CloseInternalError)
}

func TestMaxMessageSizePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	middleware.MaxMessageSize(0)
}
