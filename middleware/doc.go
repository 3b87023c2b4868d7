// Package middleware holds nexo's guards: WebSocket middleware (ws.Middleware,
// which runs before the handshake) and HTTP middleware
// (func(http.Handler) http.Handler). Each guard refuses with a documented
// close code that a real client observes: the handshake completes, then a
// close frame carries the code and a short reason.
//
// # Authentication
//
// Every authenticator stores the user under UserKey ("nexo.user", the key
// package channels checks), where handlers read it with User:
//
//	app.WebSocketRoute("/ws", h, middleware.TokenAuth(middleware.TokenAuthOptions{
//		Verify: middleware.StaticTokens(map[string]any{"s3cret": "ada"}),
//	}))
//	func h(c *ws.Conn) error { name, _ := middleware.User[string](c); ... }
//
// User reports false both when there is no user and when the stored user
// has another type; UserAs returns ErrNoUser or a *UserTypeError instead,
// so that a verifier storing a *Account read as an Account shows.
//
// A failed authentication closes the connection with 4401
// (ws.CloseUnauthorized) and a fixed reason ("missing token", "invalid
// token", "authentication timeout", "invalid ticket", "no valid session");
// the verifier's own error is never sent to the client, only logged at debug
// level on the connection's logger. A verifier that could not check the
// credentials (an error not matching ErrInvalidCredentials: its database
// down, a timeout) closes with 1013 (ws.CloseTryAgainLater) and the reason
// "authentication unavailable" instead, logged at warning level, so that
// the client keeps its credentials and retries later.
//
//   - TokenAuth: a token from the Authorization: Bearer header, the
//     Sec-WebSocket-Protocol header, or the query (?token=...). Browsers
//     cannot set headers; they offer the two subprotocols
//     ["nexo.auth", token] and the server answers "nexo.auth"
//     (AuthProtocol), never the token.
//   - FirstMessageAuth: the handshake completes unauthenticated and the
//     first message must carry the token before a deadline.
//   - Tickets and Redeem: a short-lived, single-use ticket minted over an
//     authenticated HTTP endpoint and redeemed at the handshake (?ticket=...),
//     so that no long-lived secret appears in a URL.
//   - SessionAuth, Authenticate and CookieStore: the signed session cookie
//     the browser sends with the handshake (gorilla/securecookie), or any
//     SessionStore of the application's own.
//
// # Recovery
//
// There is no Recover middleware: ws already recovers a panic anywhere in
// the chain, middleware and verifiers included, and logs it with its stack.
// After the handshake it closes that one connection with 1011; before, the
// upgrade request gets HTTP 500. Other connections never notice.
//
// # Options
//
// Constructors take what they cannot work without as arguments and the rest
// as an XOptions struct whose zero value is the default, as
// chi's ThrottleWithOpts and slog's HandlerOptions do. Misuse at setup time
// (a nil verifier, a short key) panics with the prefix "middleware:";
// failures at run time are errors or close codes, never panics.
//
// # Concurrency
//
// Every middleware returned by this package, Tickets and CookieStore are safe
// for concurrent use. The package has no mutable package-level state: each
// store belongs to the value that created it.
//
// # Security
//
// Tokens in a query string end up in access logs and browser history:
// prefer the subprotocol, a ticket or a cookie from browsers, and the
// Authorization header from other clients. Cookie authentication relies on
// the origin check (same host by default, an allowlist with ws.WithOrigins
// or Origin): a page of another site would otherwise ride on the user's
// cookie (cross-site WebSocket hijacking). ws applies the check in Accept
// with the connection's settings; SessionAuth applies it before reading
// the cookie. Never combine SessionAuth with ws.WithInsecureAnyOrigin. Static tokens are compared in constant time, and
// tickets are 256 random bits from crypto/rand, single use and short-lived.
package middleware
