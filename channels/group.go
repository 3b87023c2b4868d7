package channels

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/nexogo/nexo/ws"
)

// Group is a named set of channels that receive the same messages (Nexios's
// ChannelGroup). A group send encodes and frames its payload once per
// payload type present (once in a group of one type) and queues the same
// ws.PreparedMessage on every member with SendPrepared, which never writes
// on the sender's goroutine: a stalled member costs one queue insertion and
// its slow-consumer policy, never a wait.
//
// Members leave by Remove, when their connection starts to close (at once,
// when its context ends), and when a send finds them ended or expired.
//
// Every member receives the group's sends in one order, the same for all
// members: sends to one group queue their message one after the other
// (the payload is encoded before, outside that lock), so two goroutines
// sending at once never reach two members in different orders. A send
// counted for a member reaches it once.
//
// A Group is safe for concurrent use. Sends read an immutable snapshot of
// the members, rebuilt on the first send after a membership change, so
// membership changes cost O(1), never wait for a send, and sends cost
// O(members). The zero Group is an empty group with no name.
type Group struct {
	name string

	mu    sync.Mutex
	index map[*Channel]int // position in slots
	slots []*Channel       // insertion order; nil where a member left
	holes int

	snap atomic.Pointer[snapshot] // nil when membership changed since the last build
	obs  atomic.Pointer[groupObserver]

	reg     *Registry     // the registry that made the group, or nil
	retired atomic.Bool   // emptied and dropped by reg; set and cleared with mu held
	hist    *groupHistory // kept sends of a group outside a registry; guarded by mu

	// sendMu orders the queueing of concurrent sends; it is held over
	// queue insertions only, never over encoding, I/O or a callback.
	sendMu sync.Mutex
}

// snapshot is the membership a send reads: the members in insertion
// order, and which payload types they have.
type snapshot struct {
	members []*Channel
	refs    []memberRef // refs[i] describes members[i]
	types   [Bytes + 1]bool
}

// memberRef is what a group send reads of a member, copied from its
// Channel (where it never changes) into the snapshot: the send walks one
// array and touches of each member only its connection, one cache line
// fewer per delivery than reading the Channel too.
type memberRef struct {
	c     *ws.Conn
	typ   PayloadType
	ttl   bool // the channel expires (Channel.Expired must be asked)
	authz bool // the channel requires a user (Channel.authorised must be asked)
}

// NewGroup returns an empty group called name.
func NewGroup(name string) *Group { return &Group{name: name} }

// Name returns the group's name.
func (g *Group) Name() string { return g.name }

// Add puts ch in the group and reports whether it is a member afterwards.
// Adding a member twice has no effect. A channel whose connection has
// ended, or that has expired, is not added.
//
// Add channels after the handshake (c.Accept) when they must not miss a
// group send: a send skips members not yet accepted, since it would have
// to complete their handshake on the sender's goroutine.
func (g *Group) Add(ch *Channel) bool {
	for {
		added, retired := g.add(ch)
		if !retired {
			return added
		}
		g = g.reg.revive(g)
	}
}

// add is Add on g itself; it reports retired, and adds nothing, when g
// has left its registry.
func (g *Group) add(ch *Channel) (added, retired bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.retired.Load() {
		return false, true
	}
	if _, ok := g.index[ch]; ok {
		return true, false
	}
	if ch.ended() || ch.Expired() || !ch.joined(g) {
		return false, false
	}
	if g.index == nil {
		g.index = make(map[*Channel]int)
	}
	g.index[ch] = len(g.slots)
	g.slots = append(g.slots, ch)
	g.snap.Store(nil)
	return true, false
}

// Remove takes ch out of the group and reports whether it was a member.
// No send that starts after Remove returns reaches ch; one already under
// way may still reach it.
func (g *Group) Remove(ch *Channel) bool {
	if l := g.successor(); l != g {
		return l.Remove(ch)
	}
	return g.remove(ch)
}

// remove takes chs out of g itself. A registry's group that it empties
// leaves the registry.
func (g *Group) remove(chs ...*Channel) bool {
	removed, empty := g.take(chs)
	if empty && g.reg != nil {
		g.reg.retire(g)
	}
	return removed
}

// take removes chs under g.mu and reports whether g is empty afterwards.
func (g *Group) take(chs []*Channel) (removed, empty bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, ch := range chs {
		i, ok := g.index[ch]
		if !ok {
			continue
		}
		delete(g.index, ch)
		g.slots[i] = nil
		g.holes++
		ch.left(g)
		removed = true
	}
	if !removed {
		return false, false
	}
	switch {
	case len(g.index) == 0:
		g.slots, g.holes = nil, 0
	case g.holes > 32 && g.holes > len(g.slots)/2:
		g.compact()
	}
	g.snap.Store(nil)
	return true, len(g.index) == 0
}

// compact drops the holes of g.slots. Called with g.mu held.
func (g *Group) compact() {
	slots := make([]*Channel, 0, len(g.index))
	for _, ch := range g.slots {
		if ch != nil {
			g.index[ch] = len(slots)
			slots = append(slots, ch)
		}
	}
	g.slots, g.holes = slots, 0
}

// Has reports whether ch is a member.
func (g *Group) Has(ch *Channel) bool {
	if l := g.successor(); l != g {
		return l.Has(ch)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	_, ok := g.index[ch]
	return ok
}

// Len returns the number of members.
func (g *Group) Len() int {
	if l := g.successor(); l != g {
		return l.Len()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.index)
}

// Members returns the members in the order they were added.
func (g *Group) Members() []*Channel {
	if l := g.successor(); l != g {
		return l.Members()
	}
	return append([]*Channel(nil), g.snapshot().members...)
}

// snapshot returns the current snapshot, building it when stale. It is
// shared and must not be modified.
func (g *Group) snapshot() *snapshot {
	if p := g.snap.Load(); p != nil {
		return p
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if p := g.snap.Load(); p != nil {
		return p
	}
	s := &snapshot{members: make([]*Channel, 0, len(g.index)), refs: make([]memberRef, 0, len(g.index))}
	for _, ch := range g.slots {
		if ch != nil {
			s.members = append(s.members, ch)
			s.refs = append(s.refs, memberRef{c: ch.c, typ: ch.typ, ttl: ch.cfg.ttl > 0, authz: ch.cfg.authRequired})
			s.types[ch.typ] = true
		}
	}
	g.snap.Store(s)
	return s
}

// Send sends v to every member as each member's Send would: JSON members
// get v marshalled once, Text members need a string, Bytes members a
// []byte. It returns how many members the message was queued for and every
// error met, joined: a payload that does not fit a payload type present
// (reported once per type), and a *MemberError for each member whose send
// failed (a full send queue, for example). Members whose connection has
// ended or whose channel has expired are removed and not counted. Send
// never waits for a member's socket. Concurrent sends to g reach every
// member in the same order (see Group).
//
// Compress compresses the message once for the members whose connection
// negotiated permessage-deflate. SaveHistory keeps the message in the
// group's history, NoHistory keeps it out of a history that the Registry's
// WithGroupHistory turns on (see AddWithHistory). ExcludeSender has no
// effect on a group send.
func (g *Group) Send(v any, opts ...PublishOption) (int, error) { return g.fanout(v, 0, opts) }

// SendJSON sends v as JSON to every member; it is Send restricted to JSON
// members, and members of another payload type are reported with
// ErrPayloadType.
func (g *Group) SendJSON(v any, opts ...PublishOption) (int, error) { return g.fanout(v, JSON, opts) }

// SendText sends s as a text frame to every Text member; members of
// another payload type are reported with ErrPayloadType.
func (g *Group) SendText(s string, opts ...PublishOption) (int, error) {
	return g.fanout(s, Text, opts)
}

// SendBytes sends b as a binary frame to every Bytes member; members of
// another payload type are reported with ErrPayloadType. b is copied once,
// so the caller may reuse it when SendBytes returns.
func (g *Group) SendBytes(b []byte, opts ...PublishOption) (int, error) {
	return g.fanout(b, Bytes, opts)
}

// fanout queues v on every member; only, when set, is the one payload type
// v may go to. v is encoded once per payload type present before g.sendMu
// is taken, so a user's MarshalJSON never runs under the lock.
func (g *Group) fanout(v any, only PayloadType, opts []PublishOption) (int, error) {
	if l := g.successor(); l != g {
		return l.fanout(v, only, opts)
	}
	var (
		enc  encoder
		errs []error
		dead []*Channel
		n    int
	)
	enc.compress = compressed(opts)
	snap := g.snapshot()
	keep := g.keeper(v, only, opts)
	enc.prepareFor(snap, v, only, keep)
	g.sendMu.Lock()
	// The membership is read again under sendMu: members added meanwhile
	// (AddWithHistory adds under it) get this send, those removed do not.
	// A payload type new since is encoded with sendMu released, at most
	// once per type.
	for snap = g.snapshot(); enc.lacks(snap); snap = g.snapshot() {
		g.sendMu.Unlock()
		enc.prepareFor(snap, v, only, keep)
		g.sendMu.Lock()
	}
	if keep != nil {
		keep.h.add(keep.e)
	}
	// The loop touches as little of each member as it can: at 5,000
	// members a slower loop lets every flusher write its frame alone
	// instead of several at once. An ended member is found by its failed
	// send rather than checked for first.
	for i := range snap.refs {
		m := &snap.refs[i]
		if m.ttl && snap.members[i].Expired() {
			dead = append(dead, snap.members[i])
			continue
		}
		pm := enc.pm[m.typ]
		if pm == nil {
			enc.skipped[m.typ]++
			continue
		}
		err := ws.ErrNotAccepted
		if m.c.Accepted() {
			err = nil
			if m.authz {
				err = snap.members[i].authorised()
			}
			if err == nil {
				err = m.c.SendPrepared(pm)
			}
		}
		if err == nil {
			n++
			continue
		}
		ch := snap.members[i]
		if ch.ended() {
			dead = append(dead, ch)
			if !errors.Is(err, ws.ErrSendQueueFull) {
				continue // it ended before this send: not a failure of it
			}
		}
		errs = append(errs, &MemberError{Channel: ch, Err: err})
	}
	g.sendMu.Unlock()
	if len(dead) > 0 {
		g.remove(dead...)
		for _, ch := range dead {
			if ch.Expired() {
				ch.expire() // leaves its other groups, closes with 1001
			}
		}
	}
	failed := len(errs)
	for _, k := range enc.skipped {
		failed += k
	}
	g.observed(n, failed)
	return n, errors.Join(append(enc.errors(g.name), errs...)...)
}

// encoder holds one group send's payload, encoded at most once per payload
// type.
type encoder struct {
	pm       [Bytes + 1]*ws.PreparedMessage
	err      [Bytes + 1]error
	skipped  [Bytes + 1]int
	compress bool // the Compress option (compress.go)
}

// prepareFor encodes v for the payload types of snap's members not done
// yet, only for only when it is set; keep, when set, has v encoded
// already.
func (e *encoder) prepareFor(snap *snapshot, v any, only PayloadType, keep *kept) {
	for t := JSON; t <= Bytes; t++ {
		switch {
		case !snap.types[t] || e.pm[t] != nil || e.err[t] != nil:
		case only != 0 && t != only:
			e.err[t] = payloadError(t, v)
		case keep != nil && keep.e.pm[t] != nil:
			e.pm[t] = keep.e.pm[t]
		default:
			e.prepare(t, v)
		}
	}
}

// lacks reports whether snap has members of a payload type that e has
// neither encoded nor found v unfit for.
func (e *encoder) lacks(snap *snapshot) bool {
	for t := JSON; t <= Bytes; t++ {
		if snap.types[t] && e.pm[t] == nil && e.err[t] == nil {
			return true
		}
	}
	return false
}

// prepare encodes and frames v for payload type t, or records why v does
// not fit t.
func (e *encoder) prepare(t PayloadType, v any) {
	typ, data, err := encode(t, v)
	switch {
	case err != nil:
		e.err[t] = err
	case t == Bytes:
		// The prepared message keeps its data; the caller's slice may be
		// reused once the send returns.
		e.pm[t] = prepare(typ, bytes.Clone(data), e.compress)
	default:
		e.pm[t] = prepare(typ, data, e.compress)
	}
}

// errors returns one error per payload type whose members were skipped.
func (e *encoder) errors(group string) []error {
	var errs []error
	for t, err := range e.err {
		if err != nil && e.skipped[t] > 0 {
			errs = append(errs, fmt.Errorf("channels: group %q: %d %s members skipped: %w",
				group, e.skipped[t], PayloadType(t), err))
		}
	}
	return errs
}

// MemberError reports a group send that failed for one member; Err is the
// connection's error (ws.ErrSendQueueFull, a *ws.CloseError, ...).
type MemberError struct {
	Channel *Channel
	Err     error
}

// Error implements error.
func (e *MemberError) Error() string {
	return "channels: " + e.Channel.String() + ": " + e.Err.Error()
}

// Unwrap returns the send error.
func (e *MemberError) Unwrap() error { return e.Err }
