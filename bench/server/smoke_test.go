package main

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestContenders starts every contender in-process and checks one echo and
// one fan-out to two clients.
func TestContenders(t *testing.T) {
	for _, name := range names() {
		t.Run(name, func(t *testing.T) {
			h, closeImpl, err := contenders()[name]()
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			defer closeImpl()
			url := "ws" + strings.TrimPrefix(srv.URL, "http")
			cf := name == "centrifuge"

			echo := smokeDial(t, url+"/echo", cf, false)
			msg := `{"t":"1","p":"hello"}`
			if cf {
				smokeSend(t, echo, `{"id":5,"rpc":{"data":`+msg+`}}`)
			} else {
				smokeSend(t, echo, msg)
			}
			smokeExpect(t, echo, msg)

			a := smokeDial(t, url+"/fanout", cf, true)
			b := smokeDial(t, url+"/fanout", cf, true)
			time.Sleep(200 * time.Millisecond) // some contenders register asynchronously
			msg = `{"t":"2","p":"fan"}`
			if cf {
				smokeSend(t, a, `{"id":5,"publish":{"channel":"fanout","data":`+msg+`}}`)
			} else {
				smokeSend(t, a, msg)
			}
			smokeExpect(t, a, msg)
			smokeExpect(t, b, msg)
		})
	}
}

func smokeDial(t *testing.T, url string, centrifuge, subscribe bool) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if centrifuge {
		smokeSend(t, c, `{"id":1,"connect":{}}`)
		smokeExpect(t, c, `{"id":1,`)
		if subscribe {
			smokeSend(t, c, `{"id":2,"subscribe":{"channel":"fanout"}}`)
			smokeExpect(t, c, `{"id":2,`)
		}
	}
	return c
}

func smokeSend(t *testing.T, c *websocket.Conn, s string) {
	t.Helper()
	if err := c.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		t.Fatal(err)
	}
}

// smokeExpect reads until a message containing want arrives.
func smokeExpect(t *testing.T, c *websocket.Conn, want string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, p, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for %s: %v", want, err)
		}
		if strings.Contains(string(p), want) {
			return
		}
	}
}
