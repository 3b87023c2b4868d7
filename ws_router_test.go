package nexo_test

import (
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// A ws.Router with a prefix is mounted without restating it, at "/" or
// under a further prefix.
func TestMountWSRouterWithPrefix(t *testing.T) {
	chat := ws.NewRouter(ws.WithPrefix("/chat"))
	chat.Use(requireToken)
	chat.HandleFunc("/{room}", func(c *ws.Conn) error {
		return c.SendText(c.Request().Pattern + " " + c.PathParam("room"))
	})
	news := ws.NewRouter(ws.WithPrefix("/news"))
	news.HandleFunc("/live", hello)

	app := nexo.New()
	app.MountWS("/", chat)
	app.MountWS("/v1", news)
	s := nexotest.NewServer(t, app)

	s.Dial("/chat/lobby").ExpectClose(ws.CloseUnauthorized)
	expectText(s, "/chat/lobby?token=ok", "/chat/{room} lobby")
	expectText(s, "/v1/news/live", "hello /v1/news/live")
}
