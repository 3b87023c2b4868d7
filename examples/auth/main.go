// Command auth shows session-cookie authentication for WebSockets: a
// public feed that everyone can read live, where only logged-in users may
// post, and where the author of a post comes from the session, never from
// the message.
//
//	go run ./examples/auth
//
// Open http://127.0.0.1:8000/, log in as ada / lovelace or alan / turing in
// one window and read anonymously in another. The feed is guarded: a
// connection posting more than 5 messages a second (bursts of 10) is closed
// with 4429, a message over 4 KiB with 1009, and each address may hold 20
// connections (then 1013) and open 1 a second (bursts of 30, then 4429).
// Logging out ends the session on the server: every socket of it, in any
// tab and on any instance sharing the broker, is closed with 4401. The
// address comes from NEXO_ADDR (default 127.0.0.1:8000). The signing key
// is random at each start, so restarting logs everyone out (the page says
// so), which also keeps the in-memory list of ended sessions truthful.
package main

import (
	"log"
	"os"

	"github.com/gorilla/securecookie"
	"github.com/nexogo/nexo/middleware"
)

func main() {
	addr := os.Getenv("NEXO_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8000"
	}
	// In production, load the key from configuration: a new key logs
	// everyone out. Insecure because the example serves plain HTTP; a real
	// deployment behind TLS leaves the Secure attribute on.
	store := middleware.NewCookieStore[user](securecookie.GenerateRandomKey(32), nil,
		middleware.CookieOptions{Insecure: true, MaxAge: sessionMaxAge})
	app, err := newApp(store)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("auth: open http://%s/ (users: ada/lovelace, alan/turing)", addr)
	if err := app.Run(addr); err != nil {
		log.Fatal(err)
	}
}
