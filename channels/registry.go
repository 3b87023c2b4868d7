package channels

import (
	"cmp"
	"slices"
	"sync"
)

// Registry keeps channels by UUID, and named groups (Nexios's
// ChannelRegistry). A channel leaves the registry, and every group it is
// in, when its connection ends or its TTL passes (see WithTTL); the
// janitor (Run or Start) sweeps what is left in bulk. A named group leaves
// the registry when it empties; see Registry.Group.
//
// A Registry is safe for concurrent use. The zero Registry is not usable;
// call NewRegistry.
type Registry struct {
	cfg registryConfig

	mu        sync.Mutex
	chans     map[string]*Channel
	groups    map[string]*Group
	histories map[string]*groupHistory // by group name; see group_history.go
}

// NewRegistry returns an empty registry. Channels made WithTTL expire
// without its janitor; Run or Start adds a periodic sweep.
func NewRegistry(opts ...RegistryOption) *Registry {
	r := &Registry{
		cfg:       registryConfig{interval: DefaultSweepInterval},
		chans:     make(map[string]*Channel),
		groups:    make(map[string]*Group),
		histories: make(map[string]*groupHistory),
	}
	for _, o := range opts {
		o(&r.cfg)
	}
	return r
}

// Add registers ch and reports whether it is registered afterwards. A
// channel whose connection has ended, or that expired, is not added.
func (r *Registry) Add(ch *Channel) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.chans[ch.id] == ch {
		return true
	}
	if ch.ended() || ch.Expired() || !ch.registered(r) {
		return false
	}
	r.chans[ch.id] = ch
	return true
}

// Remove unregisters ch and reports whether it was registered. The channel
// stays in its groups.
func (r *Registry) Remove(ch *Channel) bool { return r.remove(ch) }

func (r *Registry) remove(ch *Channel) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.chans[ch.id] != ch {
		return false
	}
	delete(r.chans, ch.id)
	ch.unregistered(r)
	return true
}

// Get returns the registered channel with the given UUID.
func (r *Registry) Get(id string) (*Channel, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ch, ok := r.chans[id]
	return ch, ok
}

// All returns the registered channels, oldest first.
func (r *Registry) All() []*Channel {
	return sortedValues(&r.mu, r.chans, func(a, b *Channel) int {
		return cmp.Or(a.created.Compare(b.created), cmp.Compare(a.id, b.id))
	})
}

// sortedValues returns the values of m, read with mu held, sorted by order.
func sortedValues[V any](mu *sync.Mutex, m map[string]V, order func(a, b V) int) []V {
	mu.Lock()
	vs := make([]V, 0, len(m))
	for _, v := range m {
		vs = append(vs, v)
	}
	mu.Unlock()
	slices.SortFunc(vs, order)
	return vs
}

// Len returns the number of registered channels.
func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.chans)
}

// Sweep runs one pass of the janitor at once and returns how many channels
// it removed: channels whose connection ended (normally gone already,
// through their close hook) and expired channels, which it also closes with
// 1001 and ExpiredReason. Removed channels leave every group and registry.
// It also drops groups with no member (made by Group but never joined),
// and group histories emptied by their MaxAge.
func (r *Registry) Sweep() int {
	r.mu.Lock()
	var gone []*Channel
	for _, ch := range r.chans {
		if ch.ended() || ch.Expired() {
			gone = append(gone, ch)
		}
	}
	r.mu.Unlock()
	defer r.sweepHistories()
	defer r.sweepGroups()
	for _, ch := range gone {
		// NewChannel accepted the connection, so closing it here performs
		// no handshake on the janitor's goroutine.
		if ch.Expired() {
			ch.expire()
		} else {
			ch.detach()
		}
	}
	return len(gone)
}
