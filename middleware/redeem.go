package middleware

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/nexogo/nexo/ws"
)

// Redeem returns middleware that authenticates the handshake with a ticket
// from t, read from the query parameter "ticket". The ticket's user is
// stored under UserKey. A missing, unknown, used or expired ticket closes
// with 4401 "invalid ticket" (or "missing token" when there is none).
func Redeem(t *Tickets) ws.Middleware {
	return func(next ws.HandlerFunc) ws.HandlerFunc {
		return func(c *ws.Conn) error {
			tok := c.Query().Get("ticket")
			if tok == "" {
				return unauthorized(c, reasonMissingToken, ErrNoToken)
			}
			user, err := t.Redeem(tok)
			if err != nil {
				return unauthorized(c, reasonTicket, err)
			}
			c.Set(UserKey, user)
			return next(c)
		}
	}
}

// TicketResponse is the JSON body of the Tickets.Handler endpoint.
type TicketResponse struct {
	Ticket string `json:"ticket"`
	// ExpiresIn is the ticket's lifetime in seconds.
	ExpiresIn int `json:"expires_in"`
}

// Handler returns an HTTP endpoint that mints a ticket for the user that
// user finds in the request (from a session cookie or a header the
// application already checks). It answers POST only, with a
// TicketResponse and Cache-Control: no-store; 401 when user reports false,
// 405 for other methods, 503 when too many tickets are outstanding.
//
// Use POST so that a cross-site form or image cannot mint on the user's
// behalf without the page reading the answer; keep the endpoint behind
// the same authentication as the rest of the application.
func (t *Tickets) Handler(user func(r *http.Request) (any, bool)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		u, ok := user(r)
		if !ok || u == nil {
			http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
			return
		}
		tok, err := t.Mint(u)
		if err != nil {
			w.Header().Set("Retry-After", strconv.Itoa(int(t.ttl.Seconds())+1))
			http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(TicketResponse{Ticket: tok, ExpiresIn: int(t.ttl.Seconds())})
	})
}
