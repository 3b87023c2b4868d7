package channels

import "slices"

// A channel records the groups and registries that hold it, so that it can
// leave them all when its connection ends: one ws.Conn.OnClosing hook per
// channel, set on its first membership, runs when the close starts, and one
// ws.Conn.AfterClose callback, registered by NewChannel, makes sure at
// teardown; no goroutine per membership. Lock order: a Group's or Registry's lock may be held while
// the channel's lock is taken, never the other way round; detach takes the
// channel's lock only to snapshot its memberships.

// joined records that g holds ch. It reports false when ch has left
// everything for good; the caller then undoes the insertion.
func (ch *Channel) joined(g *Group) bool {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.detached {
		return false
	}
	ch.groups = ch.groups.add(g)
	ch.armLeave()
	return true
}

// armLeave makes ch leave everything when its connection starts to close
// (c.Context() ends, ws.Conn.OnClosing), rather than at teardown, which
// may wait CloseTimeout for a peer that does not answer the close. It is
// set on the first membership, so that a channel in no group or registry
// pays nothing for it. OnClosing is shallow and cheap (a slice entry, no
// goroutine until the close starts), where context.AfterFunc costs about
// 500 bytes per connection and a stack deep enough to grow the handler's.
// If the connection is closing already, detach runs at once on a
// goroutine of its own. Called with ch.mu held.
func (ch *Channel) armLeave() {
	if !ch.armed {
		ch.armed = true
		ch.c.OnClosing(ch.detach)
	}
}

// left records that g no longer holds ch.
func (ch *Channel) left(g *Group) {
	ch.mu.Lock()
	ch.groups = ch.groups.remove(g)
	ch.mu.Unlock()
}

// registered records that r holds ch, like joined.
func (ch *Channel) registered(r *Registry) bool {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.detached {
		return false
	}
	ch.regs = ch.regs.add(r)
	ch.armLeave()
	return true
}

// unregistered records that r no longer holds ch.
func (ch *Channel) unregistered(r *Registry) {
	ch.mu.Lock()
	ch.regs = ch.regs.remove(r)
	ch.mu.Unlock()
}

// detach removes ch from every group and registry that holds it, and keeps
// it from joining any again. It runs when the connection ends and when a
// registry expires the channel; it is idempotent.
func (ch *Channel) detach() {
	ch.mu.Lock()
	ch.detached = true
	groups, regs := ch.groups, ch.regs
	ch.groups, ch.regs = nil, nil
	ch.mu.Unlock()
	for _, g := range groups {
		g.remove(ch)
	}
	for _, r := range regs {
		r.remove(ch)
	}
}

// Groups returns the groups that hold the channel, in no particular order.
func (ch *Channel) Groups() []*Group {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return slices.Clone(ch.groups)
}

// set is a small set kept as a slice: a channel belongs to a handful of
// groups and registries, where a map would cost several times the memory.
type set[T comparable] []T

func (s set[T]) add(v T) set[T] {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// remove keeps the order of the others: a channel's first registry is
// the one its group methods use.
func (s set[T]) remove(v T) set[T] {
	i := slices.Index(s, v)
	if i < 0 {
		return s
	}
	return slices.Delete(s, i, i+1)
}
