package main

import (
	_ "embed"
	"fmt"
	"net/http"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/middleware"
)

//go:embed index.html
var page []byte

// sessionMaxAge is how long a login lasts, and how long an ended session
// is remembered.
const sessionMaxAge = middleware.DefaultCookieMaxAge

// newApp serves the page, the login and logout endpoints and the feed.
// store signs the session cookies; instances that share a broker and a
// signing key share their users and end each other's sessions.
func newApp(store *middleware.CookieStore[user], opts ...nexo.Option) (*nexo.App, error) {
	// Connections are grouped by session, for DisconnectUser.
	app := nexo.New(append([]nexo.Option{nexo.WithUserID(sessionOf)}, opts...)...)
	if err := app.Err(); err != nil {
		return nil, err
	}
	s := newSessions(store, app, sessionMaxAge)
	if err := s.listen(app.Context()); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	app.Get("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	app.Post("/login", loginHandler(s))
	app.Post("/logout", logoutHandler(s))
	// Public: anyone connects and reads; the session, when there is one,
	// decides who may post. The same-host origin check (on by default)
	// keeps other sites from riding on the cookie; the limits keep one
	// client, logged in or not, from spoiling the feed for the others.
	// Behind a reverse proxy, list it in TrustedProxies so that the
	// per-address limits apply to the clients behind it.
	app.WebSocketRoute("/feed", feed(s),
		middleware.RateLimitWithOpts(middleware.RateLimitOptions{
			MessageRate:    5,  // per connection: 5 messages/s,
			MessageBurst:   10, // 10 at once, then close 4429
			HandshakeRate:  1,  // per client address: 1 new connection/s,
			HandshakeBurst: 30, // 30 at once, then close 4429
			MaxConnsPerIP:  20, // 20 open at a time, then close 1013
		}),
		middleware.MaxMessageSize(maxPostBytes), // larger: close 1009
		middleware.SessionAuth(s, false))
	return app, nil
}
