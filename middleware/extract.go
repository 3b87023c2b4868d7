package middleware

import (
	"net/http"
	"strings"
)

// AuthProtocol is the subprotocol a browser offers next to its token:
//
//	new WebSocket(url, ["nexo.auth", token])
//
// The token is the entry that follows "nexo.auth". The server answers
// "nexo.auth", never the token: a browser drops a connection whose answer
// is not one of the protocols it offered, and the token must not be echoed.
// A token sent this way must be a valid HTTP token (letters, digits and
// !#$%&'*+-.^_`|~), as base64url and JWTs are.
const AuthProtocol = "nexo.auth"

// maxTokenLen bounds the tokens passed to a verifier.
const maxTokenLen = 4096

// TokenSource is a place in the upgrade request where TokenAuth looks for a
// token.
type TokenSource int

const (
	// FromHeader reads "Authorization: Bearer <token>".
	FromHeader TokenSource = iota + 1
	// FromSubprotocol reads the entry after AuthProtocol in
	// Sec-WebSocket-Protocol.
	FromSubprotocol
	// FromQuery reads the query parameter TokenAuthOptions.QueryParam.
	FromQuery
)

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header. The scheme is case-insensitive (RFC 9110).
func bearerToken(h http.Header) (string, bool) {
	v := h.Get("Authorization")
	scheme, rest, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok := strings.TrimSpace(rest)
	return tok, tok != ""
}

// subprotocols returns the protocols offered in Sec-WebSocket-Protocol, in
// order, with empty entries dropped.
func subprotocols(h http.Header) []string {
	var out []string
	for _, v := range h.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.Trim(p, " \t"); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// subprotocolToken returns the entry that follows AuthProtocol, and
// whether AuthProtocol was offered at all (then the server must answer it,
// even to refuse, or a browser never sees the close code).
func subprotocolToken(h http.Header) (tok string, offered bool) {
	ps := subprotocols(h)
	for i, p := range ps {
		if p != AuthProtocol {
			continue
		}
		if i+1 < len(ps) && ps[i+1] != AuthProtocol {
			return ps[i+1], true
		}
		return "", true
	}
	return "", false
}
