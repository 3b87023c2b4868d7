package channels

// GroupObserver hears of every send to the groups it observes: how many
// members the message was queued for and how many it was not (a payload
// that does not fit their type, a full send queue, an ended connection).
// metrics.Metrics implements it. GroupSent runs on the sender's goroutine
// after the send and must not block.
type GroupObserver interface {
	GroupSent(g *Group, reached, failed int)
}

// groupObserver boxes a GroupObserver for an atomic pointer.
type groupObserver struct{ o GroupObserver }

// Observe makes o hear of every later send to g; nil stops it. It is safe
// to call at any time, concurrently with sends.
func (g *Group) Observe(o GroupObserver) {
	if o == nil {
		g.obs.Store(nil)
		return
	}
	g.obs.Store(&groupObserver{o})
}

// observed tells g's observer, if any, of a send.
func (g *Group) observed(reached, failed int) {
	if b := g.obs.Load(); b != nil {
		b.o.GroupSent(g, reached, failed)
	}
}

// WithGroupObserver makes o observe every group the registry creates
// (Registry.Group).
func WithGroupObserver(o GroupObserver) RegistryOption {
	return func(c *registryConfig) { c.groupObs = o }
}
