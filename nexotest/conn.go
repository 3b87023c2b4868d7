package nexotest

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo/ws"
)

// DefaultTimeout bounds every read and dial of the helpers.
const DefaultTimeout = 5 * time.Second

// DialOption changes how Dial connects.
type DialOption func(*dialConfig)

type dialConfig struct {
	header  http.Header
	dialer  websocket.Dialer
	timeout time.Duration
	netDial *net.Dialer
	localIP string
	rcvBuf  int
	noPongs bool
}

// WithHeader adds a request header.
func WithHeader(key, value string) DialOption {
	return func(c *dialConfig) { c.header.Add(key, value) }
}

// WithOrigin sets the Origin header, as a browser would.
func WithOrigin(origin string) DialOption { return WithHeader("Origin", origin) }

// WithSubprotocols offers subprotocols.
func WithSubprotocols(p ...string) DialOption {
	return func(c *dialConfig) { c.dialer.Subprotocols = p }
}

// WithCompression offers permessage-deflate.
func WithCompression() DialOption {
	return func(c *dialConfig) { c.dialer.EnableCompression = true }
}

// WithTimeout changes the dial and read timeout (default 5 s).
func WithTimeout(d time.Duration) DialOption { return func(c *dialConfig) { c.timeout = d } }

// WithLocalIP dials from another loopback address, such as 127.0.0.2, to
// look like a second client machine.
func WithLocalIP(ip string) DialOption { return func(c *dialConfig) { c.localIP = ip } }

// WithReceiveBuffer shrinks the socket's receive buffer, to make a client
// that stops reading stall the server quickly.
func WithReceiveBuffer(bytes int) DialOption { return func(c *dialConfig) { c.rcvBuf = bytes } }

// Conn is a client connection with reads that time out.
//
// Close closes the socket at once, without a closing handshake; CloseNormal
// closes with one. A Conn still open when the test ends is closed then.
type Conn struct {
	*websocket.Conn
	Response *http.Response
	t        testing.TB
	timeout  time.Duration
	srv      *Server
	closing  atomic.Bool // the client sent its close frame first
}

// Dial connects to path and fails the test if the handshake fails.
func (s *Server) Dial(path string, opts ...DialOption) *Conn {
	s.t.Helper()
	c, resp, err := s.TryDial(path, opts...)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		s.t.Fatalf("nexotest: dial %s: %v (HTTP %d)", path, err, status)
	}
	return c
}

// TryDial connects to path and returns the handshake error, with the HTTP
// response when the server refused in plain HTTP.
func (s *Server) TryDial(path string, opts ...DialOption) (*Conn, *http.Response, error) {
	cfg := dialConfig{header: http.Header{}, timeout: DefaultTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	nd := &net.Dialer{Timeout: cfg.timeout}
	if cfg.localIP != "" {
		nd.LocalAddr = &net.TCPAddr{IP: net.ParseIP(cfg.localIP)}
	}
	if rcv := cfg.rcvBuf; rcv > 0 {
		// Set before connecting, so that the advertised window is small.
		nd.Control = func(network, address string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) { serr = setRcvBuf(fd, rcv) })
			return errors.Join(err, serr)
		}
	}
	cfg.dialer.NetDialContext = nd.DialContext
	if s.TLS != nil && cfg.dialer.TLSClientConfig == nil {
		// Served with WithTLS: trust httptest's certificate, as Client does.
		cfg.dialer.TLSClientConfig = s.Client().Transport.(*http.Transport).TLSClientConfig
	}
	cfg.dialer.HandshakeTimeout = cfg.timeout
	if cfg.rcvBuf > 0 {
		cfg.dialer.ReadBufferSize = 256
	}
	wc, resp, err := cfg.dialer.Dial(s.WSURL(path), cfg.header)
	if err != nil {
		return nil, resp, err
	}
	c := &Conn{Conn: wc, Response: resp, t: s.t, timeout: cfg.timeout, srv: s}
	s.track(c)
	return c, resp, nil
}

// SendText sends a text message.
func (c *Conn) SendText(s string) {
	c.t.Helper()
	if err := c.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		c.t.Fatalf("nexotest: send text: %v", err)
	}
}

// SendBytes sends a binary message.
func (c *Conn) SendBytes(b []byte) {
	c.t.Helper()
	if err := c.WriteMessage(websocket.BinaryMessage, b); err != nil {
		c.t.Fatalf("nexotest: send bytes: %v", err)
	}
}

// SendJSON sends v as JSON in a text message.
func (c *Conn) SendJSON(v any) {
	c.t.Helper()
	if err := c.WriteJSON(v); err != nil {
		c.t.Fatalf("nexotest: send JSON: %v", err)
	}
}

// TryRead reads one message within the timeout.
func (c *Conn) TryRead() (int, []byte, error) {
	c.SetReadDeadline(time.Now().Add(c.timeout))
	return c.ReadMessage()
}

// Read reads one message and fails the test on error.
func (c *Conn) Read() (int, []byte) {
	c.t.Helper()
	typ, data, err := c.TryRead()
	if err != nil {
		c.t.Fatalf("nexotest: read: %v", err)
	}
	return typ, data
}

// ReadText reads one message, which must be text.
func (c *Conn) ReadText() string {
	c.t.Helper()
	typ, data := c.Read()
	if typ != websocket.TextMessage {
		c.t.Fatalf("nexotest: got a binary message %q, want text", data)
	}
	return string(data)
}

// ReadBytes reads one message, which must be binary.
func (c *Conn) ReadBytes() []byte {
	c.t.Helper()
	typ, data := c.Read()
	if typ != websocket.BinaryMessage {
		c.t.Fatalf("nexotest: got a text message %q, want binary", data)
	}
	return data
}

// ReadJSON reads one message and decodes it into v.
func (c *Conn) ReadJSON(v any) {
	c.t.Helper()
	_, data := c.Read()
	if err := json.Unmarshal(data, v); err != nil {
		c.t.Fatalf("nexotest: decode %q: %v", data, err)
	}
}

// ExpectText reads one message and fails unless it is the text want.
func (c *Conn) ExpectText(want string) {
	c.t.Helper()
	if got := c.ReadText(); got != want {
		c.t.Fatalf("nexotest: got %q, want %q", got, want)
	}
}

// TryClose reads until the server's close frame and returns it as nexo's
// *ws.CloseError (Code, Reason, and Remote true when the server closed
// first). Data messages before it are discarded. Any other end of the
// connection (a broken socket, the timeout) is returned as err.
func (c *Conn) TryClose() (*ws.CloseError, error) {
	for {
		_, _, err := c.TryRead()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return &ws.CloseError{Code: ce.Code, Reason: ce.Text, Remote: !c.closing.Load()}, nil
		}
		return nil, err
	}
}

// ExpectClose reads until the close frame and fails unless it carries
// code. It returns the close, whose Reason is the reason the server gave.
func (c *Conn) ExpectClose(code int) *ws.CloseError {
	c.t.Helper()
	ce, err := c.TryClose()
	if err != nil {
		c.t.Fatalf("nexotest: want close %d, got %v", code, err)
	}
	if ce.Code != code {
		c.t.Fatalf("nexotest: got close %d (%q), want %d", ce.Code, ce.Reason, code)
	}
	return ce
}

// CloseNormal sends a 1000 close frame and waits for the server's answer.
func (c *Conn) CloseNormal() {
	c.t.Helper()
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	c.closing.Store(true)
	if err := c.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.timeout)); err != nil {
		c.t.Fatalf("nexotest: send close: %v", err)
	}
	c.ExpectClose(websocket.CloseNormalClosure)
	c.Close()
}

// Close closes the socket at once, without a closing handshake.
func (c *Conn) Close() error {
	if c.srv != nil {
		c.srv.untrack(c)
	}
	return c.Conn.Close()
}

// abandonGrace bounds the write of the close frame of a client still open
// at the end of the test.
const abandonGrace = 100 * time.Millisecond

// abandon sends a going-away close frame and closes the socket without
// waiting for the answer.
func (c *Conn) abandon() {
	msg := websocket.FormatCloseMessage(websocket.CloseGoingAway, "test ended")
	_ = c.WriteControl(websocket.CloseMessage, msg, time.Now().Add(abandonGrace))
	c.Conn.Close()
}
