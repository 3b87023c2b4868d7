package channels_test

import (
	"context"
	"strings"
	"testing"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// TestGroupSendCompress: on a route that compresses on request, a
// group's Send with and without Compress reach a member that negotiated
// permessage-deflate and one that did not, with the right bytes. (ws's
// TestPerMessageCompression checks what goes on the wire.)
func TestGroupSendCompress(t *testing.T) {
	g := channels.NewGroup("deflate")
	e, joined := groupServer(t, g, channels.Text, ws.WithCompressionOnRequest())
	deflate := e.dial(nexotest.WithCompression())
	recv(t, joined)
	plain := e.dial()
	recv(t, joined)
	big := strings.Repeat("a message worth compressing ", 100)
	if n, err := g.Send(big, channels.Compress()); n != 2 || err != nil {
		t.Fatalf("Send with Compress: %d, %v", n, err)
	}
	if n, err := g.Send("small"); n != 2 || err != nil {
		t.Fatalf("Send: %d, %v", n, err)
	}
	for _, c := range []*nexotest.Conn{deflate, plain} {
		c.ExpectText(big)
		c.ExpectText("small")
	}
}

// TestPublishCompress: a message published with Compress asks for
// compression, reaches subscribers with and without permessage-deflate
// with the right bytes, and keeps the request through a broker's wire
// form.
func TestPublishCompress(t *testing.T) {
	b := channels.NewMemoryBroker()
	joined := make(chan *channels.Subscription, 2)
	e := serve(t, func(c *ws.Conn) error {
		sub, err := channels.Join(c, "news", channels.WithBroker(b))
		if err != nil {
			return err
		}
		joined <- sub
		return readLoop(c)
	}, ws.WithCompressionOnRequest())
	deflate := e.dial(nexotest.WithCompression())
	sub := recv(t, joined)
	plain := e.dial()
	recv(t, joined)
	big := strings.Repeat("compress this for the readers ", 100)
	if err := sub.Publish(big, channels.Compress()); err != nil {
		t.Fatal(err)
	}
	if err := channels.Publish(context.Background(), b, "news", map[string]int{"n": 1}, channels.Compress()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*nexotest.Conn{deflate, plain} {
		c.ExpectText(big)
		c.ExpectText(`{"n":1}`)
	}

	m, err := channels.NewMessage("news", big)
	if err != nil {
		t.Fatal(err)
	}
	m.Compress = true
	if !m.Prepared().Compressed() {
		t.Fatal("a message set to Compress was framed uncompressed")
	}
	back, err := channels.DecodeMessage("news", channels.EncodeMessage(m))
	if err != nil || !back.Compress || !back.Prepared().Compressed() {
		t.Fatalf("through the wire form: %v, Compress %v", err, back != nil && back.Compress)
	}
	plainMsg, _ := channels.NewMessage("news", "x")
	if back, _ := channels.DecodeMessage("news", channels.EncodeMessage(plainMsg)); back.Compress || back.Prepared().Compressed() {
		t.Fatal("a message that did not ask came back compressed")
	}
}

// TestChannelClosed: Closed is false while the connection is open and
// true once it has closed.
func TestChannelClosed(t *testing.T) {
	chans := make(chan *channels.Channel, 1)
	e := serve(t, func(c *ws.Conn) error {
		ch := channels.NewChannel(c, channels.Text)
		chans <- ch
		return readLoop(c)
	})
	cl := e.dial()
	ch := recv(t, chans)
	if ch.Closed() {
		t.Fatal("closed while open")
	}
	cl.CloseNormal()
	waitDone(t, ch.Conn())
	if !ch.Closed() {
		t.Fatal("open after the close")
	}
}
