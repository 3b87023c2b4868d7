package jwtauth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/ws"
)

// Options configures Verifier. Algorithms and Keys are required.
type Options struct {
	// Algorithms lists the "alg" values accepted, such as "RS256". It
	// must not be empty, and "none" is never accepted.
	Algorithms []string
	// Keys returns the key a token's "kid" names. Required.
	Keys KeyFunc
	// Issuer, when set, is the "iss" a token must carry.
	Issuer string
	// Audience, when set, lists the audiences of which a token's "aud"
	// must hold one.
	Audience []string
	// Leeway is the clock skew allowed when checking "exp", "nbf" and
	// "iat"; keep it small (seconds).
	Leeway time.Duration
	// User, when set, turns the verified identity into the user that
	// TokenAuth stores. An error matching middleware.ErrInvalidCredentials
	// refuses the token (4401), any other closes with 1013.
	User func(ctx context.Context, id *Identity) (any, error)
	// Now, when set, is the clock (for tests); time.Now otherwise.
	Now func() time.Time
}

// Identity is the verified content of a token: the user that TokenAuth
// stores unless Options.User maps it.
type Identity struct {
	// Subject is the token's "sub".
	Subject string
	// Claims holds every claim of the token, as decoded from JSON.
	Claims jwt.MapClaims
}

// UserID returns the subject, for nexo.UserIDOf.
func (id *Identity) UserID() string { return id.Subject }

// IdentityOf returns the *Identity that TokenAuth stored with a
// Verifier's result, and whether there is one.
func IdentityOf(c *ws.Conn) (*Identity, bool) {
	return middleware.User[*Identity](c)
}

// Verifier returns a middleware.VerifyFunc that accepts the JWTs the
// options describe (see the package documentation), for
// middleware.TokenAuthOptions.Verify. It returns an error when the options
// are incomplete or list an algorithm it does not support, or "none".
func Verifier(opts Options) (middleware.VerifyFunc, error) {
	if opts.Keys == nil {
		return nil, errors.New("jwtauth: Options.Keys is required")
	}
	if len(opts.Algorithms) == 0 {
		return nil, errors.New("jwtauth: Options.Algorithms is required")
	}
	for _, alg := range opts.Algorithms {
		if family(alg) == "" {
			return nil, fmt.Errorf("jwtauth: unsupported algorithm %q", alg)
		}
	}
	popts := []jwt.ParserOption{
		jwt.WithValidMethods(opts.Algorithms),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(opts.Leeway),
	}
	if opts.Issuer != "" {
		popts = append(popts, jwt.WithIssuer(opts.Issuer))
	}
	if len(opts.Audience) > 0 {
		popts = append(popts, jwt.WithAudience(opts.Audience...))
	}
	if opts.Now != nil {
		popts = append(popts, jwt.WithTimeFunc(opts.Now))
	}
	v := &verifier{opts: opts, parser: jwt.NewParser(popts...)}
	return v.verify, nil
}

type verifier struct {
	opts   Options
	parser *jwt.Parser
}

// verify checks tok. A refusal wraps middleware.ErrInvalidToken; an error
// of Keys or User that is not a refusal is returned as it is (1013).
func (v *verifier) verify(ctx context.Context, tok string) (any, error) {
	var keyErr error // a failure to read the keys, not the token's fault
	claims := jwt.MapClaims{}
	_, err := v.parser.ParseWithClaims(tok, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k, err := v.opts.Keys(ctx, kid)
		if err != nil {
			if !errors.Is(err, middleware.ErrInvalidCredentials) {
				keyErr = fmt.Errorf("jwtauth: keys: %w", err)
			}
			return nil, err
		}
		if alg := t.Method.Alg(); k.Algorithm != alg {
			return nil, fmt.Errorf("key %q is for %s, the token says %s", kid, k.Algorithm, alg)
		}
		if err := k.check(); err != nil {
			keyErr = err // the application's key, not the token
			return nil, err
		}
		return k.Key, nil
	})
	switch {
	case keyErr != nil:
		return nil, keyErr
	case err != nil:
		return nil, fmt.Errorf("%w: %w", middleware.ErrInvalidToken, err)
	}
	sub, err := claims.GetSubject()
	if err != nil || sub == "" {
		return nil, fmt.Errorf("%w: no subject", middleware.ErrInvalidToken)
	}
	id := &Identity{Subject: sub, Claims: claims}
	if v.opts.User == nil {
		return id, nil
	}
	return v.opts.User(ctx, id)
}
