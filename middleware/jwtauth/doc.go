// Package jwtauth verifies JSON Web Tokens for middleware.TokenAuth, with
// github.com/golang-jwt/jwt/v5. It is a package of its own so that
// applications that do not use JWTs do not link a JWT library.
//
//	verify, err := jwtauth.Verifier(jwtauth.Options{
//		Algorithms: []string{"RS256"},
//		Keys:       jwtauth.StaticKeys(jwtauth.Key{ID: "2026-01", Algorithm: "RS256", Key: pub}),
//		Issuer:     "https://auth.example.com",
//		Audience:   []string{"chat"},
//	})
//	if err != nil { ... }
//	app.UseWS(middleware.TokenAuth(middleware.TokenAuthOptions{Verify: verify}))
//
// A token is accepted when all of these hold, and refused with 4401
// "invalid token" otherwise:
//
//   - its "alg" is one of Options.Algorithms ("none" can never be listed)
//     and is the algorithm of the key its "kid" names: a key is bound to
//     one algorithm, so that an HMAC token is never checked with an RSA
//     public key taken as a secret, nor the other way round;
//   - its signature verifies with that key;
//   - it has an "exp" claim in the future and, when it has them, "nbf" and
//     "iat" in the past, each within Options.Leeway;
//   - its "iss" is Options.Issuer and its "aud" holds one of
//     Options.Audience, when those are set;
//   - it has a non-empty "sub".
//
// The user TokenAuth stores (read it with middleware.User[*jwtauth.Identity]
// or jwtauth.IdentityOf) is an *Identity: the subject and every claim. Its
// UserID method returns the subject, which nexo.UserIDOf (and so
// app.DisconnectUser) uses. Options.User maps it to a user of the
// application instead.
//
// # Key rotation
//
// Options.Keys returns the key a token's "kid" names. During a rotation it
// returns both the old key and the new one, each under its own kid, so
// that tokens signed with either verify; once the last token signed with
// the old key has expired, drop it. StaticKeys serves a fixed set; a
// KeyFunc of the application can read a JWKS document or a database. An
// error matching middleware.ErrInvalidCredentials (ErrUnknownKey does)
// refuses the token with 4401; any other error means the keys could not be
// read, and closes with 1013 "authentication unavailable" so that the
// client keeps its token and retries.
package jwtauth
