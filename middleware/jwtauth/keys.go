package jwtauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"fmt"
	"strings"

	"github.com/nexogo/nexo/middleware"
)

// ErrUnknownKey means a token's "kid" names no key. It matches
// middleware.ErrInvalidCredentials: the token is refused with 4401.
var ErrUnknownKey = fmt.Errorf("%w: jwtauth: unknown key", middleware.ErrInvalidCredentials)

// Key is a key that verifies tokens, bound to one algorithm.
type Key struct {
	// ID is the "kid" of the tokens it verifies; "" for tokens without one.
	ID string
	// Algorithm is the only "alg" the key verifies: HS256, HS384, HS512
	// (Key a []byte secret), RS256, RS384, RS512, PS256, PS384, PS512
	// (*rsa.PublicKey), ES256, ES384, ES512 (*ecdsa.PublicKey) or EdDSA
	// (ed25519.PublicKey).
	Algorithm string
	// Key is the secret or the public key.
	Key any
}

// KeyFunc returns the key that a token's "kid" names ("" when the token
// has none). It may be called concurrently; ctx ends with the connection.
// It returns an error matching middleware.ErrInvalidCredentials (such as
// ErrUnknownKey) when no key has that ID, and any other error when the
// keys could not be read.
type KeyFunc func(ctx context.Context, kid string) (Key, error)

// StaticKeys returns a KeyFunc that serves keys by ID. During a rotation,
// list the old key and the new one. It panics when two keys have the same
// ID or a key does not suit its algorithm: the keys are setup.
func StaticKeys(keys ...Key) KeyFunc {
	byID := make(map[string]Key, len(keys))
	for _, k := range keys {
		if _, dup := byID[k.ID]; dup {
			panic(fmt.Sprintf("jwtauth: two keys with ID %q", k.ID))
		}
		if err := k.check(); err != nil {
			panic(err)
		}
		byID[k.ID] = k
	}
	return func(_ context.Context, kid string) (Key, error) {
		k, ok := byID[kid]
		if !ok {
			return Key{}, ErrUnknownKey
		}
		return k, nil
	}
}

// check reports whether k's key suits its algorithm.
func (k Key) check() error {
	ok := false
	switch fam := family(k.Algorithm); fam {
	case "HS":
		b, isBytes := k.Key.([]byte)
		ok = isBytes && len(b) > 0
	case "RS", "PS":
		_, ok = k.Key.(*rsa.PublicKey)
	case "ES":
		_, ok = k.Key.(*ecdsa.PublicKey)
	case "EdDSA":
		_, ok = k.Key.(ed25519.PublicKey)
	default:
		return fmt.Errorf("jwtauth: key %q: unsupported algorithm %q", k.ID, k.Algorithm)
	}
	if !ok {
		return fmt.Errorf("jwtauth: key %q: a %T does not suit %s", k.ID, k.Key, k.Algorithm)
	}
	return nil
}

// family returns the key family of a supported algorithm, "" for others.
func family(alg string) string {
	switch alg {
	case "HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
		"PS256", "PS384", "PS512", "ES256", "ES384", "ES512":
		return strings.ToUpper(alg[:2])
	case "EdDSA":
		return alg
	}
	return ""
}
