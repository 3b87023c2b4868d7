package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/ws"
)

// user is what the session cookie holds: the name, and the ID of this
// login, which logout ends.
type user struct {
	Name    string `json:"name"`
	Session string `json:"sid"`
}

// sessionOf is the session ID of c's user, "" when anonymous. The App
// groups connections by it (nexo.WithUserID), so that DisconnectUser
// closes exactly the sockets of one login: every tab of it, and no other
// browser where the same person is logged in.
func sessionOf(c *ws.Conn) string {
	u, _ := middleware.User[user](c)
	return u.Session
}

// endedTopic carries the IDs of ended sessions to every instance.
const endedTopic = "auth.ended"

// maxEnded bounds how many ended sessions an instance remembers. Past it,
// the oldest is forgotten first: a stolen copy of that cookie would be
// accepted again until it expires.
const maxEnded = 1 << 16

// sessions ends logins before their cookie expires. The cookie is signed,
// so a copy of it stays valid until its MaxAge unless the server remembers
// that the session ended: End tells every instance through the broker,
// and each one refuses the session ID from then on; the session's sockets
// are closed with 4401 "logged out" on every instance.
//
// A sessions is safe for concurrent use.
type sessions struct {
	cookies *middleware.CookieStore[user]
	app     *nexo.App
	ttl     time.Duration // how long an ended session is remembered: the cookie's MaxAge

	mu    sync.Mutex
	ended map[string]time.Time // session ID -> when it may be forgotten
	order []string             // ended IDs, oldest first
}

func newSessions(cookies *middleware.CookieStore[user], app *nexo.App, ttl time.Duration) *sessions {
	return &sessions{cookies: cookies, app: app, ttl: ttl, ended: make(map[string]time.Time)}
}

// listen subscribes s to the sessions that other instances end.
func (s *sessions) listen(ctx context.Context) error {
	sub := channels.SubscriberFunc(func(m *channels.Message) { s.endHere(string(m.Data)) })
	if err := s.app.Broker().Subscribe(ctx, endedTopic, &sub); err != nil {
		return fmt.Errorf("auth: subscribe to %s: %w", endedTopic, err)
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

// End ends the session id here at once, then on every instance: they
// refuse its cookie, and its sockets everywhere are closed with 4401.
// An error means some instance may not know yet.
func (s *sessions) End(ctx context.Context, id string) error {
	s.endHere(id)
	told := channels.Publish(ctx, s.app.Broker(), endedTopic, id)
	closed := s.app.DisconnectUser(ctx, id, ws.CloseUnauthorized, "logged out")
	if err := errors.Join(told, closed); err != nil {
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
	if u.Session == "" || s.isEnded(u.Session) {
		return nil, fmt.Errorf("%w: session ended", middleware.ErrInvalidSession)
	}
	return u, nil
}

func (s *sessions) isEnded(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.ended[id]
	return ok
}

// endHere remembers that session id ended, then closes this instance's
// sockets of it: those DisconnectUser found, and any that read the
// session between its close command and this message. Idempotent; it
// does not block.
func (s *sessions) endHere(id string) {
	if id == "" {
		return
	}
	now := time.Now()
	s.mu.Lock()
	s.forget(now)
	if _, ok := s.ended[id]; !ok {
		s.ended[id] = now.Add(s.ttl)
		s.order = append(s.order, id)
	}
	s.mu.Unlock()
	for _, c := range s.app.WS().Conns() {
		if c.Accepted() && sessionOf(c) == id {
			c.Close(ws.CloseUnauthorized, "logged out") // queues the close frame
		}
	}
}

// forget drops the ended sessions whose cookies have expired anyway, and
// the oldest ones past maxEnded. s.mu is held.
func (s *sessions) forget(now time.Time) {
	n := 0
	for n < len(s.order) && (len(s.order)-n >= maxEnded || now.After(s.ended[s.order[n]])) {
		delete(s.ended, s.order[n])
		n++
	}
	s.order = s.order[n:]
}
