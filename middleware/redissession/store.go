// Package redissession is a middleware.SessionStore kept in Redis, for
// middleware.SessionAuth: the browser's cookie holds only a random session
// ID, and Redis holds the user, so that a session ends at once when it is
// deleted (logout, logout everywhere, a password change), on every
// instance that shares the Redis server. It is a package of its own so
// that the middleware package does not link go-redis.
//
// The Pyxle flow (authenticate_websocket with the user's own sessions) is
// then one line:
//
//	app.UseWS(middleware.SessionAuth(redissession.New[User](rdb, redissession.Options{}), true))
package redissession

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/nexogo/nexo/middleware"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix prefixes the Redis keys of a Store whose Options give none.
const DefaultPrefix = "nexo:session:"

// Options configures a Store. The zero value is the default.
type Options struct {
	// Cookie names the cookie and sets its attributes; its MaxAge is how
	// long a session lasts in Redis too (default
	// middleware.DefaultCookieMaxAge). RetiredKeys do not apply: the
	// cookie holds a random ID, not a signed value.
	Cookie middleware.CookieOptions
	// Prefix of the Redis keys (default DefaultPrefix). Instances that
	// share sessions use the same one.
	Prefix string
}

// Store keeps users of type T in Redis, JSON-encoded under
// Prefix+SHA-256(session ID) with the cookie's MaxAge as TTL: a copy of
// the Redis data gives no usable cookie. The session ID is 128 bits or
// more from crypto/rand (rand.Text).
//
// It implements middleware.SessionStore. User answers
// middleware.ErrNoSession without a cookie, an error matching
// middleware.ErrInvalidSession for an unknown, deleted or expired
// session, and any other error when Redis cannot be reached, which
// SessionAuth answers with 1013 rather than take a user for anonymous.
//
// A Store is safe for concurrent use. Create it with New.
type Store[T any] struct {
	rdb    redis.UniversalClient
	cookie middleware.CookieOptions
	prefix string
	ttl    time.Duration
}

var _ middleware.SessionStore = (*Store[string])(nil)

// maxIDLen bounds the cookie values looked up in Redis: anything longer
// is refused without a round trip.
const maxIDLen = 64

// New returns a Store on rdb, which the caller owns (and closes).
func New[T any](rdb redis.UniversalClient, opts Options) *Store[T] {
	if rdb == nil {
		panic("redissession: New needs a Redis client")
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	ttl := opts.Cookie.MaxAge
	if ttl <= 0 {
		ttl = middleware.DefaultCookieMaxAge
	}
	opts.Cookie.MaxAge = ttl
	return &Store[T]{rdb: rdb, cookie: opts.Cookie, prefix: opts.Prefix, ttl: ttl}
}

// Create starts a session for user, as a login handler does: it stores
// user in Redis under a new session ID and sets the cookie on w. It
// returns the ID, for Delete.
func (s *Store[T]) Create(ctx context.Context, w http.ResponseWriter, user T) (string, error) {
	b, err := json.Marshal(user)
	if err != nil {
		return "", fmt.Errorf("redissession: encode user: %w", err)
	}
	id := rand.Text()
	if err := s.rdb.Set(ctx, s.key(id), b, s.ttl).Err(); err != nil {
		return "", fmt.Errorf("redissession: store session: %w", err)
	}
	http.SetCookie(w, s.cookie.Cookie(id))
	return id, nil
}

// Load returns the user of r's session (see Store for the errors).
func (s *Store[T]) Load(r *http.Request) (T, error) {
	var user T
	id, err := s.ID(r)
	if err != nil {
		return user, err
	}
	b, err := s.rdb.Get(r.Context(), s.key(id)).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return user, fmt.Errorf("%w: unknown, deleted or expired session", middleware.ErrInvalidSession)
	case err != nil:
		return user, fmt.Errorf("redissession: read session: %w", err)
	}
	if err := json.Unmarshal(b, &user); err != nil {
		var zero T
		return zero, fmt.Errorf("%w: %w", middleware.ErrInvalidSession, err)
	}
	return user, nil
}

// User implements middleware.SessionStore with Load.
func (s *Store[T]) User(r *http.Request) (any, error) {
	u, err := s.Load(r)
	if err != nil {
		return nil, err
	}
	return u, nil
}

// ID returns the session ID of r's cookie, unchecked against Redis:
// middleware.ErrNoSession without one, an error matching
// middleware.ErrInvalidSession for a value no Store makes.
func (s *Store[T]) ID(r *http.Request) (string, error) {
	id, err := s.cookie.Value(r)
	if err != nil {
		return "", err
	}
	if len(id) > maxIDLen {
		return "", fmt.Errorf("%w: session ID too long", middleware.ErrInvalidSession)
	}
	return id, nil
}

// Delete ends the session id at once: from then on its cookie opens
// nothing, on every instance. Deleting an unknown session is not an
// error. Sockets already open stay open: close them too
// (nexo's App.DisconnectUser).
func (s *Store[T]) Delete(ctx context.Context, id string) error {
	if err := s.rdb.Del(ctx, s.key(id)).Err(); err != nil {
		return fmt.Errorf("redissession: delete session: %w", err)
	}
	return nil
}

// Destroy ends r's session and clears its cookie on w, as a logout
// handler does. A request without a session only gets its cookie
// cleared.
func (s *Store[T]) Destroy(w http.ResponseWriter, r *http.Request) error {
	http.SetCookie(w, s.cookie.ClearCookie())
	id, err := s.ID(r)
	if err != nil {
		return nil
	}
	return s.Delete(r.Context(), id)
}

// key is the Redis key of session id: the ID itself is never stored.
func (s *Store[T]) key(id string) string {
	sum := sha256.Sum256([]byte(id))
	return s.prefix + hex.EncodeToString(sum[:])
}
