package channels

import (
	"sync"
	"time"

	"github.com/nexogo/nexo/ws"
)

// A group's history (Nexios's group_send(save_history=True)) is the
// sends to the group that asked to be kept: by a send option
// (SaveHistory), or by a policy of the group's Registry
// (WithGroupHistory) that NoHistory overrides. A Registry keeps each
// name's history apart from the *Group, so that it outlives the group:
// a room that empties and fills again still has its history, until
// FlushHistory or its bounds drop it. A Group made by NewGroup keeps its
// own. AddWithHistory replays it to a newcomer.

// GroupMessage is one message of a group's history, as the send that
// kept it encoded it for a member of its Go type's natural payload type:
// a []byte as a binary frame, a string as a text frame, anything else as
// JSON text. A GroupMessage is a plain value; Data must not be modified.
type GroupMessage struct {
	Sent time.Time      `json:"sent"`
	Type ws.MessageType `json:"type"`
	Data []byte         `json:"data"`
}

// groupEntry is a kept send: its payload framed for every payload type it
// fits, so that a newcomer of any type gets it as a send would have sent
// it.
type groupEntry struct {
	pm      [Bytes + 1]*ws.PreparedMessage
	natural PayloadType
	size    int
	at      time.Time
}

// groupHistory is the bounded history of one group name.
type groupHistory struct {
	policy HistoryPolicy

	mu      sync.Mutex
	entries []groupEntry // oldest first
	bytes   int
}

// newGroupEntry encodes v for every payload type it fits, restricted to
// only when it is set, compressed when compress is set (see Compress). It
// returns false when v fits none.
func newGroupEntry(v any, only PayloadType, now time.Time, compress bool) (groupEntry, bool) {
	e := groupEntry{at: now}
	for t := JSON; t <= Bytes; t++ {
		if only != 0 && t != only {
			continue
		}
		typ, data, err := encode(t, v)
		if err != nil {
			continue
		}
		if t == Bytes {
			data = append([]byte(nil), data...) // the caller may reuse its slice
		}
		e.pm[t] = prepare(typ, data, compress)
		if e.natural == 0 || t == naturalType(v) {
			e.natural, e.size = t, len(data)
		}
	}
	return e, e.natural != 0
}

// naturalType is the payload type ws.Prepare would encode v as.
func naturalType(v any) PayloadType {
	switch v.(type) {
	case string:
		return Text
	case []byte:
		return Bytes
	}
	return JSON
}

// add keeps e, dropping the oldest entries past the policy's bounds.
func (h *groupHistory) add(e groupEntry) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.expire(e.at)
	h.entries = append(h.entries, e)
	h.bytes += e.size
	drop := 0
	for len(h.entries)-drop > h.policy.Count() ||
		(len(h.entries)-drop > 1 && h.policy.MaxBytes > 0 && h.bytes > h.policy.MaxBytes) {
		h.bytes -= h.entries[drop].size
		drop++
	}
	h.dropFirst(drop)
}

// expire drops the entries older than the policy's MaxAge. Called with
// h.mu held.
func (h *groupHistory) expire(now time.Time) {
	if h.policy.MaxAge <= 0 {
		return
	}
	drop := 0
	for drop < len(h.entries) && now.Sub(h.entries[drop].at) > h.policy.MaxAge {
		h.bytes -= h.entries[drop].size
		drop++
	}
	h.dropFirst(drop)
}

// dropFirst removes the n oldest entries, reusing the slice's memory
// once half of it is dropped. Called with h.mu held.
func (h *groupHistory) dropFirst(n int) {
	if n == 0 {
		return
	}
	clear(h.entries[:n])
	h.entries = h.entries[n:]
	if len(h.entries) < cap(h.entries)/2 {
		h.entries = append(make([]groupEntry, 0, 2*len(h.entries)+1), h.entries...)
	}
}

// snapshot returns the entries within the bounds, oldest first.
func (h *groupHistory) snapshot(now time.Time) []groupEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.expire(now)
	return append([]groupEntry(nil), h.entries...)
}

// flush drops every entry and returns how many there were.
func (h *groupHistory) flush() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := len(h.entries)
	h.entries, h.bytes = nil, 0
	return n
}

// len returns the number of entries within the bounds.
func (h *groupHistory) len(now time.Time) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.expire(now)
	return len(h.entries)
}

// messages converts entries to GroupMessages.
func messages(entries []groupEntry) []GroupMessage {
	ms := make([]GroupMessage, len(entries))
	for i, e := range entries {
		pm := e.pm[e.natural]
		ms[i] = GroupMessage{Sent: e.at, Type: pm.Type(), Data: pm.Data()}
	}
	return ms
}

// historyOf returns g's history, made with policy p when create is set
// and there is none; nil when there is none and create is false.
func (g *Group) historyOf(p HistoryPolicy, create bool) *groupHistory {
	if g.reg != nil {
		return g.reg.historyOf(g.name, p, create)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.hist == nil && create {
		g.hist = &groupHistory{policy: p}
	}
	return g.hist
}

// policy returns the history policy of g's name and whether one applies
// by default (a Registry's WithGroupHistory); without one, a send that
// asks to be kept is bounded by DefaultHistoryCount.
func (g *Group) policy() (HistoryPolicy, bool) {
	if g.reg != nil {
		if p, ok := g.reg.cfg.history.For(g.name); ok {
			return p, true
		}
	}
	return HistoryPolicy{Pattern: g.name}, false
}

// History returns the group's kept messages, oldest first (Nexios's
// show_history): the sends that SaveHistory, or the Registry's
// WithGroupHistory, kept, within their bounds.
func (g *Group) History() []GroupMessage {
	if l := g.successor(); l != g {
		return l.History()
	}
	h := g.historyOf(HistoryPolicy{}, false)
	if h == nil {
		return nil
	}
	return messages(h.snapshot(time.Now()))
}

// AddWithHistory is Add that first replays the group's history to ch, in
// order, then makes it a member, with no send in between: ch gets every
// kept message and every later send, none twice and none missed at the
// seam. It returns whether ch is a member and how many messages were
// queued for it. Messages that do not fit ch's payload type are skipped.
// ch must be accepted (NewChannel accepts it); the replay is queued at
// once, so its send queue must hold the history's bounds.
func (g *Group) AddWithHistory(ch *Channel) (added bool, replayed int) {
	for {
		var retired bool
		added, replayed, retired = g.addWithHistory(ch)
		if !retired {
			return added, replayed
		}
		g = g.reg.revive(g)
	}
}

// addWithHistory is AddWithHistory on g itself. Sends queue their message
// and keep their history under g.sendMu, and re-read the membership
// under it: with sendMu held, ch is either in a send's snapshot or its
// message is in the history read here, never neither nor both.
func (g *Group) addWithHistory(ch *Channel) (added bool, replayed int, retired bool) {
	g.sendMu.Lock()
	defer g.sendMu.Unlock()
	g.mu.Lock()
	_, member := g.index[ch]
	g.mu.Unlock()
	if added, retired = g.add(ch); !added || member || !ch.c.Accepted() {
		return added, 0, retired
	}
	h := g.historyOf(HistoryPolicy{}, false)
	if h == nil {
		return true, 0, false
	}
	for _, e := range h.snapshot(time.Now()) {
		pm := e.pm[ch.typ]
		if pm == nil {
			continue
		}
		if ch.authorised() != nil || ch.c.SendPrepared(pm) != nil {
			break
		}
		replayed++
	}
	return true, replayed, false
}
