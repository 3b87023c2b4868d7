package middleware

import (
	"errors"
	"net/http"

	"github.com/nexogo/nexo/ws"
)

// ErrNoSession means the request carries no session. It matches
// ErrInvalidCredentials.
var ErrNoSession = refusal("middleware: no session")

// ErrInvalidSession means the request carries a session that is not valid:
// tampered with, expired or undecodable. It matches ErrInvalidCredentials.
var ErrInvalidSession = refusal("middleware: invalid session")

// SessionStore finds the user of a request's session, as the
// application's HTTP side already does: CookieStore reads a signed cookie,
// and an application with its own sessions implements the one method (or
// uses SessionStoreFunc). User returns the user, or an error: ErrNoSession
// when there is no session, an error matching ErrInvalidCredentials when
// the session is refused, any other error when it could not be checked
// (SessionAuth then closes with 1013); a nil user with a nil error counts
// as no session. It may be called concurrently.
type SessionStore interface {
	User(r *http.Request) (any, error)
}

// SessionStoreFunc adapts a function to a SessionStore.
type SessionStoreFunc func(r *http.Request) (any, error)

// User calls f(r).
func (f SessionStoreFunc) User(r *http.Request) (any, error) { return f(r) }

// Authenticate returns the user of the request's session, or nil when
// there is no valid session, as Pyxle's authenticate_websocket does. It
// works on the upgrade request (c.Request()) as on any HTTP request. It
// does not check the origin: in a handler, call it after c.Accept (which
// refuses cross-site pages), or use SessionAuth.
func Authenticate(store SessionStore, r *http.Request) any {
	u, err := store.User(r)
	if err != nil {
		return nil
	}
	return u
}

// SessionAuth returns middleware that authenticates the handshake with the
// session of the upgrade request, typically the cookie the browser sends by
// itself. The user is stored under UserKey.
//
// With required, a request without a valid session closes with 4401 "no
// valid session" and the handler does not run. Without it, every
// connection is let in and UserKey holds the user or nil, for public
// sockets where anyone may read and only users may act: check with User.
// A tampered or expired cookie then counts as no session.
//
// A store error that does not match ErrInvalidCredentials (ErrNoSession
// and ErrInvalidSession do) means the session could not be checked, a
// database down for example: the connection is closed with 1013
// "authentication unavailable", required or not, so that a signed-in user
// is never taken for an anonymous one.
//
// Cookies are sent by the browser on cross-site requests too. SessionAuth
// therefore applies the connection's origin check (c.OriginAllowed) before
// it reads the session, and refuses a cross-site page with 4403: the
// handler never runs on the user's behalf. Keep that check meaningful:
// never ws.WithInsecureAnyOrigin on these routes, and allow only sites you
// control. Put middleware.Origin, when the route has one, before
// SessionAuth.
func SessionAuth(store SessionStore, required bool) ws.Middleware {
	if store == nil {
		panic("middleware: SessionAuth needs a SessionStore")
	}
	return func(next ws.HandlerFunc) ws.HandlerFunc {
		return func(c *ws.Conn) error {
			if !c.OriginAllowed() {
				// A cross-site page: refuse (4403) before the cookie is
				// read, so that neither this middleware nor the handler
				// acts on the user's session.
				return c.Accept(answerAuthProtocol(c))
			}
			user, err := store.User(c.Request())
			if err == nil && user == nil {
				err = ErrNoSession
			}
			switch {
			case err != nil && !errors.Is(err, ErrInvalidCredentials):
				return unavailable(c, err)
			case err != nil && required:
				return unauthorized(c, reasonSession, err)
			case err != nil:
				user = nil
			}
			c.Set(UserKey, user)
			return next(c)
		}
	}
}
