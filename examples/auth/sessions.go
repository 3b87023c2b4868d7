package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/ws"
)

// user is what the session cookie holds: the name, and the ID of this
// login, which logout revokes.
type user struct {
	Name    string `json:"name"`
	Session string `json:"sid"`
}

// revokedTopic carries the IDs of ended sessions to every instance.
const revokedTopic = "auth.revoked"

// maxRevoked bounds how many ended sessions an instance remembers. Past
// it, the oldest is forgotten first: a stolen copy of that cookie would be
// accepted again until it expires.
const maxRevoked = 1 << 16

// sessions ends logins before their cookie expires. The cookie is signed,
// so a copy of it stays valid until its MaxAge unless the server remembers
// that the session ended: End tells every instance through the broker,
// and each one refuses the session ID from then on and closes every
// socket that authenticated with it with 4401 "logged out".
//
// A sessions is safe for concurrent use.
type sessions struct {
	cookies *middleware.CookieStore[user]
	broker  channels.Broker
	ttl     time.Duration // how long an ended session is remembered: the cookie's MaxAge

	mu      sync.Mutex
	revoked map[string]time.Time // session ID -> when it may be forgotten
	order   []string             // revoked IDs, oldest first
	conns   map[string]map[*ws.Conn]struct{}
}

func newSessions(cookies *middleware.CookieStore[user], broker channels.Broker, ttl time.Duration) *sessions {
	return &sessions{
		cookies: cookies, broker: broker, ttl: ttl,
		revoked: make(map[string]time.Time),
		conns:   make(map[string]map[*ws.Conn]struct{}),
	}
}

// listen subscribes s to the sessions other instances end, until ctx ends.
func (s *sessions) listen(ctx context.Context) error {
	sub := channels.SubscriberFunc(func(m *channels.Message) { s.revoke(string(m.Data)) })
	if err := s.broker.Subscribe(ctx, revokedTopic, &sub); err != nil {
		return fmt.Errorf("auth: subscribe to %s: %w", revokedTopic, err)
	}
	return nil
}

// Login starts a new session for name and sets its cookie on w.
func (s *sessions) Login(w http.ResponseWriter, name string) error {
	return s.cookies.Save(w, user{Name: name, Session: rand.Text()})
}

// Logout clears r's session cookie on w and ends the session it names.
func (s *sessions) Logout(w http.ResponseWriter, r *http.Request) error {
	s.cookies.Clear(w)
	u, err := s.cookies.Load(r)
	if err != nil || u.Session == "" {
		return nil // no session: nothing to end
	}
	return s.End(r.Context(), u.Session)
}

// End ends the session id here at once, then on every instance. This is
// the one place that reaches the other instances.
func (s *sessions) End(ctx context.Context, id string) error {
	s.revoke(id)
	if err := channels.Publish(ctx, s.broker, revokedTopic, id); err != nil {
		return fmt.Errorf("auth: end session on the other instances: %w", err)
	}
	return nil
}

// User implements middleware.SessionStore: the cookie's user, unless its
// session ended.
func (s *sessions) User(r *http.Request) (any, error) {
	u, err := s.cookies.Load(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	_, ended := s.revoked[u.Session]
	s.mu.Unlock()
	if ended || u.Session == "" {
		return nil, fmt.Errorf("%w: session ended", middleware.ErrInvalidSession)
	}
	return u, nil
}

// track records that c authenticated with session id, until the returned
// function is called. It reports false when the session has already
// ended: the caller closes c.
func (s *sessions) track(c *ws.Conn, id string) (untrack func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ended := s.revoked[id]; ended {
		return nil, false
	}
	set := s.conns[id]
	if set == nil {
		set = make(map[*ws.Conn]struct{})
		s.conns[id] = set
	}
	set[c] = struct{}{}
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(set, c)
		if len(s.conns[id]) == 0 {
			delete(s.conns, id)
		}
	}, true
}

// revoke remembers that session id ended and closes its sockets on this
// instance. It is idempotent and does not block.
func (s *sessions) revoke(id string) {
	if id == "" {
		return
	}
	now := time.Now()
	s.mu.Lock()
	s.forget(now)
	if _, ok := s.revoked[id]; !ok {
		s.revoked[id] = now.Add(s.ttl)
		s.order = append(s.order, id)
	}
	open := s.conns[id]
	delete(s.conns, id)
	s.mu.Unlock()
	for c := range open {
		c.Close(ws.CloseUnauthorized, "logged out") // queues the close frame
	}
}

// forget drops the ended sessions whose cookies have expired anyway, and
// the oldest ones past maxRevoked. s.mu is held.
func (s *sessions) forget(now time.Time) {
	n := 0
	for n < len(s.order) && (len(s.order)-n >= maxRevoked || now.After(s.revoked[s.order[n]])) {
		delete(s.revoked, s.order[n])
		n++
	}
	s.order = s.order[n:]
}
