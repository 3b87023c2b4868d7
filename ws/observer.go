package ws

import "net/http"

// Observer is told about the life of connections, for metrics and logs.
// Its methods are called synchronously on the connection's goroutines and
// must return quickly; they may be called concurrently.
type Observer interface {
	// Opened is called once the handshake has completed.
	Opened(c *Conn)
	// Refused is called for an upgrade request that was not served; reason
	// is one of the Refused constants: "not_websocket", "bad_request"
	// (method, version or key), "draining", "limit" (MaxConnections),
	// "origin", "rejected" (Reject or a handler that returned before
	// accepting), "handshake", "timeout" (no Accept within
	// HandshakeTimeout) or "abandoned" (the client left before Accept).
	Refused(r *http.Request, reason string)
	// Closed is called after an accepted connection has been torn down;
	// c.Stats() holds its final counts.
	Closed(c *Conn, how *CloseError)
	// Failed is called when a handler returned an error other than the
	// connection ending, or panicked.
	Failed(c *Conn, err error, panicked bool)
	// SlowConsumer is called when a connection is closed because its send
	// queue was full. It runs on the goroutine of the send that found the
	// queue full, which may be a group send holding its group's send
	// lock: it must not send to the connection's groups.
	SlowConsumer(c *Conn)
}

// WithObserver sets the Observer of every connection.
func WithObserver(o Observer) Option { return func(c *Config) { c.Observer = o } }

// nopObserver is the default Observer.
type nopObserver struct{}

func (nopObserver) Opened(*Conn)                  {}
func (nopObserver) Refused(*http.Request, string) {}
func (nopObserver) Closed(*Conn, *CloseError)     {}
func (nopObserver) Failed(*Conn, error, bool)     {}
func (nopObserver) SlowConsumer(*Conn)            {}
