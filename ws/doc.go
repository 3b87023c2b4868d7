// Package ws is nexo's WebSocket layer: one connection (Conn), its handler
// types (HandlerFunc, Events, Endpoint), a middleware chain that runs before
// the handshake, a Router of WebSocket routes, and the Server that upgrades
// requests and drains connections on shutdown. It is built on
// github.com/gorilla/websocket, whose connection never leaves this package.
//
// # Handshake
//
// A handler receives its *Conn before the handshake. Middleware can read
// the request, refuse it in plain HTTP with Reject, or Close it with a code
// the client will see (the handshake completes, then the close frame is
// sent). Accept performs the handshake; the first Send or Receive does it
// implicitly, on the caller's goroutine; SendPrepared, the fan-out path,
// never does (ErrNotAccepted). A handler that has not accepted within
// HandshakeTimeout (10 s) has its request refused with 503; a request
// whose client leaves first is dropped at once. Upgrade requests that no
// handshake could complete (bad method, version or key) are refused before
// any handler runs. Every refusal is counted, by reason, in
// ServerStats.RefusedBy and by the Observer, and never as a handler error.
//
// # Handler styles
//
// Three ways to write a handler, one vocabulary: a HandlerFunc with its own
// read loop; Events, callbacks in a struct; an Endpoint, the same callbacks
// as methods (Serve), or with messages decoded by type (ServeTyped, whose
// type argument declares the encoding: string is text, []byte binary,
// anything else JSON, validated). The message callback is OnMessage in all
// of them (an Endpoint's earlier OnReceive still works, deprecated), and
// every callback of this package receives the *Conn. The channels package
// follows the same rule: a callback gets a *channels.Channel only where its
// endpoint wraps every connection in one (channels.Events); elsewhere
// (channels.EventRouter included) it gets the *Conn. Every way of
// receiving JSON (Conn.ReceiveJSON, Decode, ServeTyped, the channels
// package's) validates `validate:` tags; Message.JSON alone does not.
//
// # Concurrency
//
// Sends are safe from any goroutine and never interleave: every frame goes
// through the connection's bounded send queue. A send that finds the queue
// empty writes on the caller's goroutine with one non-blocking system call;
// whatever the socket does not take is finished by a short-lived writer
// goroutine, which also writes everything queued behind it in one writev.
// No send ever waits for the network. The queue is bounded in messages
// (1,024) and in bytes (4 MiB); when it is full the SlowConsumerPolicy
// applies: by default the connection is closed with 1013; it can drop the
// message instead, or make a direct send wait for room (SlowConsumerBlock,
// bounded by the write timeout; fan-out sends never wait).
// Conn.BufferedAmount tells what is queued, and Config.OnDrain is called
// when the queue falls back under its low-water mark.
//
// Receives happen on the handler's goroutine. A handler that never reads (a
// server-push endpoint) still gets heartbeats and close detection: the
// heartbeat notices and starts a background reader.
//
// # Limits and security
//
// The zero Config is the safe one: the Origin must be the request's own host
// (or absent), messages are limited to 1 MiB after decompression (1009),
// text must be valid UTF-8 (1007), compressed data must inflate (1007),
// protocol errors close with 1002, pings go out every 25 s and a missing
// pong closes with 4000. Only the latest of the peer's pings is answered,
// and the pongs it leaves unread count against the send queue. After a
// close frame it sends on an error, a connection reads on until the peer's
// close frame (bounded in time and bytes), so that a peer still sending
// sees the code. Plain and TLS sockets are read through the same gate in
// front of gorilla's reader (gate.go). Accept checks the
// origin with the connection's settings as middleware left them, so a route
// may allow more or fewer origins than the App; a refused origin completes
// the handshake and closes with 4403.
//
// # Errors
//
// A connection that ended surfaces as a *CloseError carrying the code and
// reason; it matches ErrClosed with errors.Is. A handler that returns such
// an error, or ErrNotAccepted, is not logged as failing; any other error, or a panic, closes its
// connection with 1011 and is logged.
package ws
