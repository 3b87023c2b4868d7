// Package channels is nexo's layer above ws.Conn: channels, groups and
// registries with one-encode fan-out (Nexios's Channel, ChannelGroup and
// ChannelRegistry, typed), channel events, typed event routing, and
// pub/sub topics through a pluggable Broker (Join, Subscription).
//
// # Channels, groups and registries
//
// NewChannel wraps a connection with a payload type (JSON, Text or Bytes),
// a UUID and an optional time to live (WithTTL). Send encodes by the
// payload type and refuses a value that does not fit (ErrPayloadType);
// Receive refuses frames that do not fit, and the connection stays open
// (or closes with 1003 under WithCloseOnMismatch).
//
// A Group fans a payload out to its members: it is encoded and framed once
// (one ws.PreparedMessage per payload type present) and queued on every
// member with ws.Conn.SendPrepared, which never writes on the sender's
// goroutine, so a stalled member never delays the others. A member whose
// send queue fills is handled by its connection's slow-consumer policy
// (by default closed with 1013) and dropped from the group; nothing sent
// after that reaches it. Send returns how many members it reached and
// every error it met, joined. Each member counted receives the message
// once, and all members receive a group's messages in one order, even
// when several goroutines send at once.
//
// A channel made WithTTL expires on a timer of its own: its connection is
// closed with 1001 and ExpiredReason, it leaves every group and registry,
// and a Receive blocked at that moment returns. Every error of an expired
// channel matches both ErrExpired and ws.ErrClosed, so a receive loop that
// returns on ws.ErrClosed ends, and a handler returning one is not logged
// as a failure.
//
// A Registry finds channels by UUID and holds named groups; its janitor
// (Run or Start) sweeps expired and ended channels in bulk. It administers
// its groups as Nexios's ChannelBox does: ListGroups, History,
// FlushHistory and CloseGroup. A group send keeps its message in the
// group's history with SaveHistory (Nexios's save_history=True), or by
// the registry's WithGroupHistory policy unless NoHistory, and
// Group.AddWithHistory replays it to a newcomer.
//
// How members leave, without a goroutine per member: a channel in a group
// or registry has one ws.Conn.OnClosing hook on its connection (a few
// dozen bytes where context.AfterFunc costs about 500), which removes it
// from every group and registry that holds it as soon as the connection
// starts to close (when c.Context() ends), without waiting
// for the closing handshake, which may take CloseTimeout with a peer that
// does not answer; a ws.Conn.AfterClose hook makes sure of it at teardown.
// Group sends also drop members found ended or expired (lazy pruning),
// and the expiry timer and the janitor take expired channels out. Each
// channel records its memberships, so leaving costs one map deletion per
// group.
//
// # Event routing
//
// An EventRouter dispatches JSON frames by event name to handlers
// registered with On, each decoding and validating its own payload type
// (validator v10 through c.Validate, with the validator that
// nexo.WithValidator or ws.WithValidator gives, custom tags included). The
// frame format is the one nexo's TypeScript client speaks:
//
//	client → server   {"event":"chat.send","data":{...},"ref":7}     ref optional: any JSON, usually a number
//	server → client   {"type":"reply","ref":7,"data":{...}}          the handler's result (null for nil), sent when the frame had a ref
//	server → client   {"type":"error","error":"validation","message":"validation failed","fields":{"text":"required"},"ref":7}
//	server → client   {"event":"chat.message","data":{...}}          a push: Emit, Group.Emit, Push
//
// The "error" codes are invalid_json (not JSON, not an object, or data that
// does not decode into the handler's type), validation, unknown_event,
// bad_request (a frame without "event", or a message filter's error),
// handler (the handler failed; the message is shown only for a
// *UserError, otherwise "internal error" and the error is logged),
// rate_limited (RateDrop) and message_type (a frame of the wrong kind for a
// channel). The ref of the request is echoed whenever it is known. None of
// them closes the connection.
//
// Events declares a channel-based endpoint by its callbacks (OnConnect,
// OnMessage, OnError, OnDisconnect), with messages decoded by the payload
// type into a typed value: the type argument (or PayloadType) declares the
// encoding once, as Nexios's consumer `encoding` does. A frame of the
// wrong kind is answered with a message_type error frame, or closed with
// 1003 under WithCloseOnMismatch. Its callbacks receive the *Channel: a
// callback gets a *Channel where its endpoint wraps every connection in
// one (Events), and the *ws.Conn elsewhere (EventRouter, and the ws
// package's handlers); ch.Conn() reaches the connection. A channel held by
// a Registry joins, leaves and sends to the registry's groups by name
// (Nexios's join_group, leave_group and broadcast): JoinGroup, LeaveGroup,
// SendGroup.
//
// # Rate limits, heartbeats and authentication
//
// WithRateLimit (per channel) and RateLimit (a ws.MessageFilter for a
// route or a server) apply a token bucket per connection; over the limit a
// message closes the connection with 4429 (RateClose) or is dropped and
// answered with a rate_limited error frame (RateDrop).
//
// Heartbeats are the ws layer's: pings every 25 s and a close with 4000
// when no pong comes back (ws.WithHeartbeat), even for a handler that
// never reads, so the channel of a vanished client ends, and leaves its
// groups, without any code here.
//
// WithAuthRequired makes a channel refuse to send or receive
// (ErrUnauthenticated) until a user is stored on its connection under
// UserKey ("nexo.user"), the key nexo's auth middleware uses; Events
// closes such a connection with 4401.
//
// # Concurrency
//
// Channels, Groups, Registries and EventRouters are safe for concurrent
// use; the Receive methods of a Channel, like those of ws.Conn, are for one
// goroutine at a time. No lock is held while sending or while a user
// callback runs. A group send reads an immutable snapshot of the members
// (rebuilt on the first send after a membership change), so membership
// changes cost O(1) and never wait for a send. Concurrent sends to one
// group encode in parallel, then queue one after the other (and keep
// their history) under the group's send lock, re-reading the membership
// under it, so every member receives the group's messages in the same
// order, and AddWithHistory, which joins under that lock, meets the live
// sends with no gap and no duplicate. Lock order: a group's send lock
// before the Registry's and the Group's own; a Group's or Registry's lock
// may be held while a Channel's is taken, never the reverse. The only goroutine of this part of the package is the
// janitor, owned by the caller of Run or by Start's stop function.
//
// # Security
//
// Input never brings a connection down by itself: malformed frames,
// failed validations and unknown events are answered with error frames.
// Handler errors reach the client only through *UserError; anything else
// is reported as "internal error" and logged, so internals do not leak.
// Unknown event names are echoed truncated to 64 bytes. Decoding is
// bounded by the connection's read limit (ws.WithReadLimit, 1 MiB by
// default). Rate limits are per connection; limit connections per IP with
// nexo's middleware. UserKey is only as trustworthy as the middleware that
// sets it: never store a user taken from the client's own claims without
// verification.
package channels
