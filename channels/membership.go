package channels

// A channel records the groups and registries that hold it, so that it can
// leave them all when its connection ends: one ws.Conn.AfterClose callback
// per channel, registered by NewChannel, instead of a goroutine per
// membership. Lock order: a Group's or Registry's lock may be held while
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
	if ch.groups == nil {
		ch.groups = make(map[*Group]struct{})
	}
	ch.groups[g] = struct{}{}
	return true
}

// left records that g no longer holds ch.
func (ch *Channel) left(g *Group) {
	ch.mu.Lock()
	delete(ch.groups, g)
	ch.mu.Unlock()
}

// registered records that r holds ch, like joined.
func (ch *Channel) registered(r *Registry) bool {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.detached {
		return false
	}
	if ch.regs == nil {
		ch.regs = make(map[*Registry]struct{})
	}
	ch.regs[r] = struct{}{}
	return true
}

// unregistered records that r no longer holds ch.
func (ch *Channel) unregistered(r *Registry) {
	ch.mu.Lock()
	delete(ch.regs, r)
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
	for g := range groups {
		g.remove(ch)
	}
	for r := range regs {
		r.remove(ch)
	}
}

// Groups returns the groups that hold the channel, in no particular order.
func (ch *Channel) Groups() []*Group {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	gs := make([]*Group, 0, len(ch.groups))
	for g := range ch.groups {
		gs = append(gs, g)
	}
	return gs
}
