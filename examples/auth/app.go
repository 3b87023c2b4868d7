package main

import (
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"errors"
	"net/http"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/ws"
)

//go:embed index.html
var page []byte

// user is what the session cookie holds.
type user struct {
	Name string `json:"name"`
}

// checkPassword knows the demo users. It compares SHA-256 sums in constant
// time; a real application stores salted, slow hashes (bcrypt, argon2) in
// a database.
func checkPassword(name, pass string) bool {
	var want string
	switch name {
	case "ada":
		want = "lovelace"
	case "alan":
		want = "turing"
	}
	got, exp := sha256.Sum256([]byte(pass)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(got[:], exp[:]) == 1 && want != ""
}

// inbound is what a client may send: only text. An "author" field in the
// payload is not even decoded.
type inbound struct {
	Text string `json:"text" validate:"required,max=500"`
}

// post is what everyone receives.
type post struct {
	Type   string `json:"type"` // "post"
	Author string `json:"author"`
	Text   string `json:"text"`
}

// welcome tells a new connection who it is ("" when anonymous).
type welcome struct {
	Type string `json:"type"` // "welcome"
	You  string `json:"you"`
}

const feedTopic = "feed"

func newApp(store *middleware.CookieStore[user], opts ...nexo.Option) *nexo.App {
	app := nexo.New(opts...)
	app.Get("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	app.Post("/login", func(w http.ResponseWriter, r *http.Request) {
		name := r.PostFormValue("name")
		if !checkPassword(name, r.PostFormValue("password")) {
			http.Error(w, "wrong name or password", http.StatusUnauthorized)
			return
		}
		if err := store.Save(w, user{Name: name}); err != nil {
			http.Error(w, "cannot log in", http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	app.Post("/logout", func(w http.ResponseWriter, r *http.Request) {
		store.Clear(w)
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	// Public: anyone connects and reads; the session, when there is one,
	// decides who may post. The same-host origin check (on by default)
	// keeps other sites from riding on the cookie; the limits keep one
	// client, logged in or not, from spoiling the feed for the others.
	// Behind a reverse proxy, list it in TrustedProxies so that the
	// per-address limits apply to the clients behind it.
	app.WebSocketRoute("/feed", feed,
		middleware.RateLimitWithOpts(middleware.RateLimitOptions{
			MessageRate:    5,  // per connection: 5 messages/s,
			MessageBurst:   10, // 10 at once, then close 4429
			HandshakeRate:  1,  // per client address: 1 new connection/s,
			HandshakeBurst: 30, // 30 at once, then close 4429
			MaxConnsPerIP:  20, // 20 open at a time, then close 1013
		}),
		middleware.MaxMessageSize(maxPostBytes), // larger: close 1009
		middleware.SessionAuth(store, false))
	return app
}

// maxPostBytes is the largest message /feed reads: a post is at most 500
// characters, up to 2,000 bytes of UTF-8, plus its JSON.
const maxPostBytes = 4 << 10

// feed sends every post to every reader and publishes the posts of
// logged-in users under their session's name.
func feed(c *ws.Conn) error {
	sub, err := channels.Join(c, feedTopic)
	if err != nil {
		return err
	}
	me, loggedIn := middleware.User[user](c)
	if err := c.SendJSON(welcome{Type: "welcome", You: me.Name}); err != nil {
		return err
	}
	for {
		in, err := ws.Decode[inbound](c)
		if errors.Is(err, ws.ErrClosed) {
			return err
		}
		if err != nil {
			c.SendError(err) // invalid input: say so, stay connected
			continue
		}
		if !loggedIn {
			c.SendJSON(ws.ErrorFrame{Type: "error", Error: "unauthorized", Message: "log in to post"})
			continue
		}
		if err := sub.Publish(post{Type: "post", Author: me.Name, Text: in.Text}); err != nil {
			return err
		}
	}
}
