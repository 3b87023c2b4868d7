package natsbroker

import (
	"context"
	"slices"
	"sync"

	"github.com/nexogo/nexo/channels"
)

// Listing a topic reads every entry through a JetStream consumer: at a
// join rate of hundreds a second into rooms of hundreds, one consumer per
// call overloads the server (lists time out, lease renewals wait behind
// them). Lists of one topic are therefore coalesced: at most one runs per
// topic, and the calls that arrive meanwhile share the next one, which
// starts when it ends. Every caller still gets a listing that began after
// its call, so it sees every join and leave that returned before it.

// listGroup coalesces the lists of each topic.
type listGroup struct {
	mu     sync.Mutex
	topics map[string]*listState
	wg     sync.WaitGroup // the running lists
}

// listState is the running list of a topic and the one queued after it.
type listState struct {
	running, next *listRound
}

// listRound is one listing, shared by every caller waiting for it.
type listRound struct {
	done    chan struct{}
	entries []channels.PresenceEntry
	err     error
}

// list returns a listing of topic made by run, begun after this call.
// run must end by itself (it is bounded by a timeout of its own).
func (g *listGroup) list(ctx context.Context, topic string, run func() ([]channels.PresenceEntry, error)) ([]channels.PresenceEntry, error) {
	g.mu.Lock()
	if g.topics == nil {
		g.topics = make(map[string]*listState)
	}
	st := g.topics[topic]
	if st == nil {
		st = &listState{}
		g.topics[topic] = st
	}
	var r *listRound
	switch {
	case st.running == nil:
		r = &listRound{done: make(chan struct{})}
		st.running = r
		g.start(topic, st, r, run)
	case st.next == nil:
		r = &listRound{done: make(chan struct{})}
		st.next = r
	default:
		r = st.next
	}
	g.mu.Unlock()
	select {
	case <-r.done:
		return slices.Clone(r.entries), r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// start runs r; when it ends, the queued round of the topic starts. Called
// with g.mu held.
func (g *listGroup) start(topic string, st *listState, r *listRound, run func() ([]channels.PresenceEntry, error)) {
	g.wg.Go(func() {
		r.entries, r.err = run()
		close(r.done)
		g.mu.Lock()
		defer g.mu.Unlock()
		st.running, st.next = st.next, nil
		if st.running == nil {
			delete(g.topics, topic)
			return
		}
		g.start(topic, st, st.running, run)
	})
}
