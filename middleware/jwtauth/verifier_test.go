package jwtauth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/middleware/jwtauth"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// now is the clock of the tests.
var now = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// keys are the keys of one test: an HMAC secret, two RSA keys (old and
// new, for rotation) and an ECDSA key.
type keys struct {
	hs             []byte
	rsaOld, rsaNew *rsa.PrivateKey
	ec             *ecdsa.PrivateKey
}

func newKeys(t *testing.T) keys {
	t.Helper()
	rOld, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rNew, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return keys{hs: []byte("a secret of thirty-two bytes!!!!"), rsaOld: rOld, rsaNew: rNew, ec: ec}
}

// published are the verification keys of k, by kid.
func (k keys) published() []jwtauth.Key {
	return []jwtauth.Key{
		{ID: "hs", Algorithm: "HS256", Key: k.hs},
		{ID: "rsa-old", Algorithm: "RS256", Key: &k.rsaOld.PublicKey},
		{ID: "rsa-new", Algorithm: "RS256", Key: &k.rsaNew.PublicKey},
		{ID: "ec", Algorithm: "ES256", Key: &k.ec.PublicKey},
	}
}

// claims are valid claims at now, for the subject ada.
func claims() jwt.MapClaims {
	return jwt.MapClaims{
		"sub":  "ada",
		"iss":  "https://auth.test",
		"aud":  []string{"chat"},
		"exp":  now.Add(time.Hour).Unix(),
		"iat":  now.Add(-time.Minute).Unix(),
		"role": "admin",
	}
}

// sign signs c with m and key under kid.
func sign(t *testing.T, m jwt.SigningMethod, kid string, key any, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// with returns claims() changed by f.
func with(f func(jwt.MapClaims)) jwt.MapClaims {
	c := claims()
	f(c)
	return c
}

// serveJWT serves, behind TokenAuth with a JWT verifier, a handler that
// sends "<user ID> <role claim>".
func serveJWT(t *testing.T, opts jwtauth.Options) *nexotest.Server {
	t.Helper()
	verify, err := jwtauth.Verifier(opts)
	if err != nil {
		t.Fatal(err)
	}
	app := nexo.New(nexo.WithoutClient())
	app.WebSocketRoute("/ws", func(c *ws.Conn) error {
		id, ok := jwtauth.IdentityOf(c)
		if !ok {
			return c.SendText("no identity")
		}
		if err := c.SendText(nexo.UserIDOf(c) + " " + fmt.Sprint(id.Claims["role"])); err != nil {
			return err
		}
		for range c.Texts() {
		}
		return c.Err()
	}, middleware.TokenAuth(middleware.TokenAuthOptions{Verify: verify}))
	return nexotest.NewServer(t, app)
}

func options(k keys) jwtauth.Options {
	return jwtauth.Options{
		Algorithms: []string{"HS256", "RS256", "ES256"},
		Keys:       jwtauth.StaticKeys(k.published()...),
		Issuer:     "https://auth.test",
		Audience:   []string{"chat", "admin"},
		Leeway:     5 * time.Second,
		Now:        func() time.Time { return now },
	}
}

func bearer(tok string) nexotest.DialOption {
	return nexotest.WithHeader("Authorization", "Bearer "+tok)
}

// TestJWTAccepted: tokens signed with each algorithm, and with the old and
// the new key of a rotation, are accepted; the handler sees the subject as
// the user ID and the claims.
func TestJWTAccepted(t *testing.T) {
	k := newKeys(t)
	s := serveJWT(t, options(k))
	for name, tok := range map[string]string{
		"HS256":               sign(t, jwt.SigningMethodHS256, "hs", k.hs, claims()),
		"RS256 old kid":       sign(t, jwt.SigningMethodRS256, "rsa-old", k.rsaOld, claims()),
		"RS256 new kid":       sign(t, jwt.SigningMethodRS256, "rsa-new", k.rsaNew, claims()),
		"ES256":               sign(t, jwt.SigningMethodES256, "ec", k.ec, claims()),
		"aud as a string":     sign(t, jwt.SigningMethodHS256, "hs", k.hs, with(func(c jwt.MapClaims) { c["aud"] = "admin" })),
		"expired within skew": sign(t, jwt.SigningMethodHS256, "hs", k.hs, with(func(c jwt.MapClaims) { c["exp"] = now.Add(-2 * time.Second).Unix() })),
		"nbf within skew":     sign(t, jwt.SigningMethodHS256, "hs", k.hs, with(func(c jwt.MapClaims) { c["nbf"] = now.Add(2 * time.Second).Unix() })),
		"nbf in the past":     sign(t, jwt.SigningMethodHS256, "hs", k.hs, with(func(c jwt.MapClaims) { c["nbf"] = now.Add(-time.Hour).Unix() })),
	} {
		t.Run(name, func(t *testing.T) {
			c := s.Dial("/ws", bearer(tok))
			c.ExpectText("ada admin")
			c.CloseNormal()
		})
	}
	t.Run("in the subprotocol", func(t *testing.T) {
		tok := sign(t, jwt.SigningMethodES256, "ec", k.ec, claims())
		c := s.Dial("/ws", nexotest.WithSubprotocols(middleware.AuthProtocol, tok))
		c.ExpectText("ada admin")
		c.CloseNormal()
	})
}

// TestJWTRefused: every bad token is refused with 4401 "invalid token",
// and the handler does not run.
func TestJWTRefused(t *testing.T) {
	k := newKeys(t)
	other := newKeys(t)
	s := serveJWT(t, options(k))
	good := sign(t, jwt.SigningMethodRS256, "rsa-new", k.rsaNew, claims())
	parts := strings.Split(good, ".")

	// alg none, with the key ID of a real key.
	none := jwt.NewWithClaims(jwt.SigningMethodNone, claims())
	none.Header["kid"] = "hs"
	algNone, err := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	// HS/RS confusion: an HS256 token whose secret is the RSA public key,
	// under the RSA key's ID.
	pub, err := x509.MarshalPKIXPublicKey(&k.rsaNew.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemPub := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
	// Tampered: the payload says another subject, the signature is ada's.
	evil := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(decode(t, parts[1]), `"ada"`, `"eve"`, 1)))

	for name, tok := range map[string]string{
		"expired":            sign(t, jwt.SigningMethodHS256, "hs", k.hs, with(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() })),
		"no exp":             sign(t, jwt.SigningMethodHS256, "hs", k.hs, with(func(c jwt.MapClaims) { delete(c, "exp") })),
		"not yet valid":      sign(t, jwt.SigningMethodHS256, "hs", k.hs, with(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Minute).Unix() })),
		"issued in future":   sign(t, jwt.SigningMethodHS256, "hs", k.hs, with(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Minute).Unix() })),
		"wrong audience":     sign(t, jwt.SigningMethodHS256, "hs", k.hs, with(func(c jwt.MapClaims) { c["aud"] = []string{"billing"} })),
		"no audience":        sign(t, jwt.SigningMethodHS256, "hs", k.hs, with(func(c jwt.MapClaims) { delete(c, "aud") })),
		"wrong issuer":       sign(t, jwt.SigningMethodHS256, "hs", k.hs, with(func(c jwt.MapClaims) { c["iss"] = "https://evil.test" })),
		"no subject":         sign(t, jwt.SigningMethodHS256, "hs", k.hs, with(func(c jwt.MapClaims) { delete(c, "sub") })),
		"wrong HMAC secret":  sign(t, jwt.SigningMethodHS256, "hs", []byte("another secret of thirty-two b!!"), claims()),
		"wrong RSA key":      sign(t, jwt.SigningMethodRS256, "rsa-new", other.rsaNew, claims()),
		"old kid, new key":   sign(t, jwt.SigningMethodRS256, "rsa-old", k.rsaNew, claims()),
		"wrong EC key":       sign(t, jwt.SigningMethodES256, "ec", other.ec, claims()),
		"unknown kid":        sign(t, jwt.SigningMethodRS256, "rsa-next", k.rsaNew, claims()),
		"no kid":             sign(t, jwt.SigningMethodRS256, "", k.rsaNew, claims()),
		"alg none":           algNone,
		"alg none unsigned":  parts[0] + "." + parts[1] + ".",
		"HS256 with RSA pub": sign(t, jwt.SigningMethodHS256, "rsa-new", pemPub, claims()),
		"RS512 not allowed":  sign(t, jwt.SigningMethodRS512, "rsa-new", k.rsaNew, claims()),
		"tampered payload":   parts[0] + "." + evil + "." + parts[2],
		"tampered signature": parts[0] + "." + parts[1] + "." + flip(parts[2]),
		"garbage":            "not.a.jwt",
	} {
		t.Run(name, func(t *testing.T) {
			c := s.Dial("/ws", bearer(tok))
			ce := c.ExpectClose(ws.CloseUnauthorized)
			if ce.Reason != "invalid token" {
				t.Fatalf("reason %q", ce.Reason)
			}
			c.Close()
		})
	}
}

// TestJWTKeysUnavailable: keys that cannot be read close with 1013, so
// that the client keeps its token and retries.
func TestJWTKeysUnavailable(t *testing.T) {
	k := newKeys(t)
	opts := options(k)
	opts.Keys = func(context.Context, string) (jwtauth.Key, error) {
		return jwtauth.Key{}, errors.New("jwks: connection refused")
	}
	s := serveJWT(t, opts)
	c := s.Dial("/ws", bearer(sign(t, jwt.SigningMethodHS256, "hs", k.hs, claims())))
	if ce := c.ExpectClose(ws.CloseTryAgainLater); ce.Reason != "authentication unavailable" {
		t.Fatalf("reason %q", ce.Reason)
	}
}

// TestJWTUser: Options.User maps the identity to the application's user.
func TestJWTUser(t *testing.T) {
	k := newKeys(t)
	opts := options(k)
	opts.User = func(_ context.Context, id *jwtauth.Identity) (any, error) {
		if id.Subject == "eve" {
			return nil, fmt.Errorf("%w: banned", middleware.ErrInvalidCredentials)
		}
		return "user:" + id.Subject, nil
	}
	verify, err := jwtauth.Verifier(opts)
	if err != nil {
		t.Fatal(err)
	}
	u, err := verify(context.Background(), sign(t, jwt.SigningMethodHS256, "hs", k.hs, claims()))
	if err != nil || u != "user:ada" {
		t.Fatalf("got %v, %v", u, err)
	}
	_, err = verify(context.Background(), sign(t, jwt.SigningMethodHS256, "hs", k.hs, with(func(c jwt.MapClaims) { c["sub"] = "eve" })))
	if !errors.Is(err, middleware.ErrInvalidCredentials) {
		t.Fatalf("banned user: %v", err)
	}
}

// TestVerifierOptions: options that would accept unsafe tokens are
// refused at setup.
func TestVerifierOptions(t *testing.T) {
	keys := jwtauth.StaticKeys(jwtauth.Key{Algorithm: "HS256", Key: []byte("k")})
	for name, opts := range map[string]jwtauth.Options{
		"no algorithms": {Keys: keys},
		"alg none":      {Algorithms: []string{"none"}, Keys: keys},
		"unknown alg":   {Algorithms: []string{"HS1"}, Keys: keys},
		"no keys":       {Algorithms: []string{"HS256"}},
	} {
		if _, err := jwtauth.Verifier(opts); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for name, k := range map[string]jwtauth.Key{
		"RSA alg, HMAC key": {Algorithm: "RS256", Key: []byte("secret")},
		"HMAC alg, empty":   {Algorithm: "HS256", Key: []byte{}},
		"alg none":          {Algorithm: "none", Key: jwt.UnsafeAllowNoneSignatureType},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("StaticKeys(%s) did not panic", name)
				}
			}()
			jwtauth.StaticKeys(k)
		}()
	}
}

func decode(t *testing.T, seg string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// flip changes the first character of a base64url segment.
func flip(seg string) string {
	if seg[0] == 'A' {
		return "B" + seg[1:]
	}
	return "A" + seg[1:]
}
