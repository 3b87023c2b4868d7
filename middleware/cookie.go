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
	// RetiredKeys are the keys of earlier deployments, newest first:
	// cookies they signed are still accepted until they expire, new ones
	// are signed with the store's own keys. To rotate, make the current
	// keys the first retired pair and give new ones; drop a retired pair
	// once MaxAge has passed. Each pair follows NewCookieStore's rules.
	RetiredKeys []CookieKeys
}

// CookieKeys is a pair of CookieStore keys: Hash signs (HMAC-SHA256, 32
// or 64 random bytes), Block, when not nil, encrypts (AES, 16, 24 or 32
// bytes).
type CookieKeys struct {
	Hash, Block []byte
}

// CookieStore keeps a user of type T in a signed (and, with a block key,
// encrypted) cookie, with gorilla/securecookie: the user is JSON-encoded,
// timestamped and authenticated with HMAC-SHA256. The signature covers
// the timestamp, so a cookie older than MaxAge is refused whatever the
// browser does with its expiry; signatures are compared in constant time
// (crypto/subtle), and CookieOptions.RetiredKeys lets keys rotate without
// logging everyone out. It implements SessionStore, so that SessionAuth
// can read the cookie of a WebSocket handshake; Save and Clear are for
// the HTTP login and logout handlers.
//
// The cookie is a bearer credential that cannot be revoked before MaxAge:
// keep MaxAge short, or use a server-side SessionStore when sessions must
// end at once (password change, logout everywhere), such as the Redis one
// of package middleware/redissession.
//
// A CookieStore is safe for concurrent use. Create it with NewCookieStore.
type CookieStore[T any] struct {
	codecs []securecookie.Codec // the signing one first, then the retired ones
	opts   CookieOptions
}

var _ SessionStore = (*CookieStore[string])(nil)

// NewCookieStore returns a store that signs with hashKey (32 or 64 random
// bytes) and, when blockKey is not nil, encrypts with AES (a 16, 24 or 32
// byte key) so that the client cannot read the user either. Keys come from
// configuration, never from the source; rotating hashKey logs everyone
// out unless the old keys are kept in opts.RetiredKeys. NewCookieStore
// panics on keys of the wrong length.
func NewCookieStore[T any](hashKey, blockKey []byte, opts CookieOptions) *CookieStore[T] {
	opts = opts.withDefaults()
	keys := append([]CookieKeys{{hashKey, blockKey}}, opts.RetiredKeys...)
	codecs := make([]securecookie.Codec, len(keys))
	for i, k := range keys {
		codecs[i] = k.codec(opts.MaxAge)
	}
	return &CookieStore[T]{codecs: codecs, opts: opts}
}

// codec returns the securecookie codec of k, checking the key lengths.
func (k CookieKeys) codec(maxAge time.Duration) *securecookie.SecureCookie {
	if len(k.Hash) < 32 {
		panic("middleware: NewCookieStore needs a hash key of at least 32 bytes")
	}
	switch len(k.Block) {
	case 0, 16, 24, 32:
	default:
		panic("middleware: NewCookieStore needs a block key of 16, 24 or 32 bytes, or none")
	}
	block := k.Block
	if len(block) == 0 {
		block = nil
	}
	return securecookie.New(k.Hash, block).
		MaxAge(int(maxAge / time.Second)).
		SetSerializer(securecookie.JSONEncoder{})
}

// withDefaults returns o with its zero fields set to the defaults.
func (o CookieOptions) withDefaults() CookieOptions {
	opts := o
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
	return opts
}

// Save sets the session cookie for user on w, as a login handler does.
func (s *CookieStore[T]) Save(w http.ResponseWriter, user T) error {
	v, err := s.codecs[0].Encode(s.opts.Name, user)
	if err != nil {
		return fmt.Errorf("middleware: encode session cookie: %w", err)
	}
	http.SetCookie(w, s.opts.Cookie(v))
	return nil
}

// Clear removes the session cookie on w, as a logout handler does.
func (s *CookieStore[T]) Clear(w http.ResponseWriter) {
	http.SetCookie(w, s.opts.ClearCookie())
}

// Load returns the user of r's session cookie: ErrNoSession when there is
// none, ErrInvalidSession (wrapping securecookie's error) when the cookie
// is tampered with, expired, signed by a key neither current nor retired,
// or not a T.
func (s *CookieStore[T]) Load(r *http.Request) (T, error) {
	var user T
	value, err := s.opts.Value(r)
	if err != nil {
		return user, err
	}
	if err := securecookie.DecodeMulti(s.opts.Name, value, &user, s.codecs...); err != nil {
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

// Value returns the value of r's cookie named by o (after its defaults):
// ErrNoSession when there is none or it is empty. It is for stores that
// keep their own sessions behind the cookie, as redissession does.
func (o CookieOptions) Value(r *http.Request) (string, error) {
	ck, err := r.Cookie(o.withDefaults().Name)
	if errors.Is(err, http.ErrNoCookie) || (err == nil && ck.Value == "") {
		return "", ErrNoSession
	}
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidSession, err)
	}
	return ck.Value, nil
}

// Cookie returns the session cookie holding value, with o's attributes
// (after its defaults): HttpOnly, Secure unless Insecure, o's SameSite,
// lasting MaxAge.
func (o CookieOptions) Cookie(value string) *http.Cookie {
	o = o.withDefaults()
	return o.cookie(value, int(o.MaxAge/time.Second))
}

// ClearCookie returns the cookie that removes o's session cookie, as a
// logout handler sets.
func (o CookieOptions) ClearCookie() *http.Cookie { return o.withDefaults().cookie("", -1) }

func (o CookieOptions) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     o.Name,
		Value:    value,
		Path:     o.Path,
		Domain:   o.Domain,
		MaxAge:   maxAge,
		Secure:   !o.Insecure,
		HttpOnly: true,
		SameSite: o.SameSite,
	}
}
