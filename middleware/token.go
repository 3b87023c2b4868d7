package middleware

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/nexogo/nexo/ws"
)

// ErrNoToken means the request carried no token where TokenAuth looks. It
// matches ErrInvalidCredentials.
var ErrNoToken = refusal("middleware: no token")

// ErrInvalidToken means a token was refused; it matches
// ErrInvalidCredentials. A verifier returns it (or any error matching
// ErrInvalidCredentials) to refuse a token with 4401; any other error
// means the token could not be checked and closes with 1013 (see
// ErrInvalidCredentials).
var ErrInvalidToken = refusal("middleware: invalid token")

// VerifyFunc checks a token and returns the user it belongs to. A nil user
// with a nil error counts as a refusal, and so does an error matching
// ErrInvalidCredentials (4401); any other error means the token could not
// be checked (1013, see ErrInvalidCredentials). ctx ends with the
// connection. It may be called concurrently.
type VerifyFunc func(ctx context.Context, token string) (user any, err error)

// TokenAuthOptions configures TokenAuth. Only Verify is required.
type TokenAuthOptions struct {
	// Verify checks the token and returns the user. Required.
	Verify VerifyFunc
	// Sources lists where to look for the token, in order; the first one
	// present is used. Nil means FromHeader, FromSubprotocol, FromQuery.
	Sources []TokenSource
	// QueryParam names the query parameter of FromQuery. Default "token".
	QueryParam string
}

// TokenAuth returns middleware that authenticates the upgrade request with
// a token before the handshake. The user that Verify returns is stored
// under UserKey (read it with User). A missing or refused token completes
// the handshake and closes with 4401 and the reason "missing token" or
// "invalid token"; a Verify that fails otherwise (its backend down) closes
// with 1013 and the reason "authentication unavailable". The handler does
// not run.
//
// When the client offers AuthProtocol, the handshake answers it (see
// WithAuthProtocol), whether the token is accepted or not, so that a browser
// sees the close code instead of a failed connection.
//
// For JSON Web Tokens, package jwtauth (middleware/jwtauth) makes Verify.
//
// TokenAuth panics when opts.Verify is nil.
func TokenAuth(opts TokenAuthOptions) ws.Middleware {
	if opts.Verify == nil {
		panic("middleware: TokenAuth needs a Verify function")
	}
	if opts.Sources == nil {
		opts.Sources = []TokenSource{FromHeader, FromSubprotocol, FromQuery}
	}
	opts.Sources = slices.Clone(opts.Sources)
	if opts.QueryParam == "" {
		opts.QueryParam = "token"
	}
	return func(next ws.HandlerFunc) ws.HandlerFunc {
		return func(c *ws.Conn) error {
			tok, offered := opts.token(c)
			if offered {
				if err := c.Configure(WithAuthProtocol()); err != nil {
					return fmt.Errorf("middleware: token auth: %w", err)
				}
			}
			user, err := verify(c.Context(), opts.Verify, tok)
			if err != nil {
				reason := reasonInvalidToken
				if errors.Is(err, ErrNoToken) {
					reason = reasonMissingToken
				}
				return refuseOrRetry(c, reason, err)
			}
			c.Set(UserKey, user)
			return next(c)
		}
	}
}

// token returns the first token found in the request, and whether the
// client offered AuthProtocol.
func (o *TokenAuthOptions) token(c *ws.Conn) (tok string, offered bool) {
	if slices.Contains(o.Sources, FromSubprotocol) {
		_, offered = subprotocolToken(c.Header())
	}
	for _, s := range o.Sources {
		var ok bool
		switch s {
		case FromHeader:
			tok, ok = bearerToken(c.Header())
		case FromSubprotocol:
			tok, _ = subprotocolToken(c.Header())
			ok = tok != ""
		case FromQuery:
			tok = c.Query().Get(o.QueryParam)
			ok = tok != ""
		}
		if ok {
			return tok, offered
		}
	}
	return "", offered
}

// verify runs v on tok and turns a missing token, a refusal and a nil user
// into errors that wrap ErrNoToken or ErrInvalidToken. A failure of v that
// is not a refusal is returned as it is.
func verify(ctx context.Context, v VerifyFunc, tok string) (any, error) {
	if tok == "" {
		return nil, ErrNoToken
	}
	if len(tok) > maxTokenLen {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrInvalidToken, maxTokenLen)
	}
	user, err := v(ctx, tok)
	switch {
	case err != nil && errors.Is(err, ErrInvalidCredentials) && !errors.Is(err, ErrInvalidToken):
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	case err != nil:
		return nil, err
	case user == nil:
		return nil, fmt.Errorf("%w: no user", ErrInvalidToken)
	}
	return user, nil
}

// WithAuthProtocol returns a ws.Option that adds AuthProtocol to the
// subprotocols the server speaks, after the ones already set, so that the
// handshake answers a browser that offered ["nexo.auth", token]. TokenAuth
// applies it; a handler that later calls c.Accept(ws.WithSubprotocols(...))
// replaces the list and must pass WithAuthProtocol() after it.
func WithAuthProtocol() ws.Option {
	return func(cfg *ws.Config) {
		if !slices.Contains(cfg.Subprotocols, AuthProtocol) {
			cfg.Subprotocols = append(slices.Clip(cfg.Subprotocols), AuthProtocol)
		}
	}
}
