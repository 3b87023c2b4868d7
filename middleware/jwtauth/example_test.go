package jwtauth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/websocket"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/middleware/jwtauth"
	"github.com/nexogo/nexo/ws"
)

func ExampleVerifier() {
	secret := []byte("a secret of thirty-two bytes!!!!") // from your configuration
	verify, err := jwtauth.Verifier(jwtauth.Options{
		Algorithms: []string{"HS256"},
		Keys:       jwtauth.StaticKeys(jwtauth.Key{ID: "2026-12", Algorithm: "HS256", Key: secret}),
		Issuer:     "https://auth.example.com",
		Audience:   []string{"chat"},
		Leeway:     5 * time.Second,
	})
	if err != nil {
		panic(err)
	}
	app := nexo.New(nexo.WithoutClient())
	app.UseWS(middleware.TokenAuth(middleware.TokenAuthOptions{Verify: verify}))
	app.WebSocketRoute("/ws", func(c *ws.Conn) error {
		id, _ := jwtauth.IdentityOf(c)
		return c.SendText(fmt.Sprintf("hello %s (%v)", id.Subject, id.Claims["role"]))
	})
	srv := httptest.NewServer(app)
	defer srv.Close()
	defer app.Shutdown(context.Background())

	// What the identity provider issues.
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": "ada", "role": "admin",
		"iss": "https://auth.example.com", "aud": "chat",
		"exp": time.Now().Add(time.Hour).Unix(),
	})
	tok.Header["kid"] = "2026-12"
	signed, err := tok.SignedString(secret)
	if err != nil {
		panic(err)
	}

	h := http.Header{"Authorization": {"Bearer " + signed}}
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", h)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	_, msg, _ := c.ReadMessage()
	fmt.Println(string(msg))
	// Output: hello ada (admin)
}
