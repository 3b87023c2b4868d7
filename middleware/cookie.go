package middleware

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
)

// DefaultCookieName and DefaultCookieMaxAge are the defaults of
// CookieOptions.
const (
	DefaultCookieName   = "nexo_session"
	DefaultCookieMaxAge = 24 * time.Hour
)

// CookieOptions configures a CookieStore. The zero value is the default:
// cookie "nexo_session" on path "/", valid 24 hours, HttpOnly, Secure,
// SameSite=Lax.
type CookieOptions struct {
	// Name of the cookie. Default "nexo_session".
	Name string
	// Path and Domain of the cookie. Default path "/", no domain.
	Path, Domain string
	// MaxAge is how long a session lasts; older cookies are refused even
	// when the browser still sends them (the signature covers a
	// timestamp). Default 24 hours.
	MaxAge time.Duration
	// Insecure drops the Secure attribute, for development over plain
	// HTTP on a host other than localhost. Leave it false in production.
	Insecure bool
	// SameSite of the cookie. Default http.SameSiteLaxMode.
	SameSite http.SameSite
}

// CookieStore keeps a user of type T in a signed (and, with a block key,
// encrypted) cookie, with gorilla/securecookie: the user is JSON-encoded,
// timestamped and authenticated with HMAC-SHA256. It implements
// SessionStore, so that SessionAuth can read the cookie of a WebSocket
// handshake; Save and Clear are for the HTTP login and logout handlers.
//
// The cookie is a bearer credential that cannot be revoked before MaxAge:
// keep MaxAge short, or use a server-side SessionStore when sessions must
// end at once (password change, logout everywhere).
//
// A CookieStore is safe for concurrent use. Create it with NewCookieStore.
type CookieStore[T any] struct {
	sc   *securecookie.SecureCookie
	opts CookieOptions
}

var _ SessionStore = (*CookieStore[string])(nil)

// NewCookieStore returns a store that signs with hashKey (32 or 64 random
// bytes) and, when blockKey is not nil, encrypts with AES (a 16, 24 or 32
// byte key) so that the client cannot read the user either. Keys come from
// configuration, never from the source; rotating hashKey logs everyone
// out. NewCookieStore panics on keys of the wrong length.
func NewCookieStore[T any](hashKey, blockKey []byte, opts CookieOptions) *CookieStore[T] {
	if len(hashKey) < 32 {
		panic("middleware: NewCookieStore needs a hash key of at least 32 bytes")
	}
	switch len(blockKey) {
	case 0, 16, 24, 32:
	default:
		panic("middleware: NewCookieStore needs a block key of 16, 24 or 32 bytes, or none")
	}
	if blockKey != nil && len(blockKey) == 0 {
		blockKey = nil
	}
	if opts.Name == "" {
		opts.Name = DefaultCookieName
	}
	if opts.Path == "" {
		opts.Path = "/"
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = DefaultCookieMaxAge
	}
	if opts.SameSite == 0 {
		opts.SameSite = http.SameSiteLaxMode
	}
	sc := securecookie.New(hashKey, blockKey).
		MaxAge(int(opts.MaxAge / time.Second)).
		SetSerializer(securecookie.JSONEncoder{})
	return &CookieStore[T]{sc: sc, opts: opts}
}

// Save sets the session cookie for user on w, as a login handler does.
func (s *CookieStore[T]) Save(w http.ResponseWriter, user T) error {
	v, err := s.sc.Encode(s.opts.Name, user)
	if err != nil {
		return fmt.Errorf("middleware: encode session cookie: %w", err)
	}
	http.SetCookie(w, s.cookie(v, int(s.opts.MaxAge/time.Second)))
	return nil
}

// Clear removes the session cookie on w, as a logout handler does.
func (s *CookieStore[T]) Clear(w http.ResponseWriter) {
	http.SetCookie(w, s.cookie("", -1))
}

// Load returns the user of r's session cookie: ErrNoSession when there is
// none, ErrInvalidSession (wrapping securecookie's error) when the cookie
// is tampered with, expired or not a T.
func (s *CookieStore[T]) Load(r *http.Request) (T, error) {
	var user T
	ck, err := r.Cookie(s.opts.Name)
	if errors.Is(err, http.ErrNoCookie) || (err == nil && ck.Value == "") {
		return user, ErrNoSession
	}
	if err != nil {
		return user, fmt.Errorf("%w: %w", ErrInvalidSession, err)
	}
	if err := s.sc.Decode(s.opts.Name, ck.Value, &user); err != nil {
		var zero T
		return zero, fmt.Errorf("%w: %w", ErrInvalidSession, err)
	}
	return user, nil
}

// User implements SessionStore with Load.
func (s *CookieStore[T]) User(r *http.Request) (any, error) {
	u, err := s.Load(r)
	if err != nil {
		return nil, err
	}
	return u, nil
}

func (s *CookieStore[T]) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     s.opts.Name,
		Value:    value,
		Path:     s.opts.Path,
		Domain:   s.opts.Domain,
		MaxAge:   maxAge,
		Secure:   !s.opts.Insecure,
		HttpOnly: true,
		SameSite: s.opts.SameSite,
	}
}
