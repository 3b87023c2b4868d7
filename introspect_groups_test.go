package nexo_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// WithRegistry shows a registry's groups, sizes and history lengths in
// the introspection, read-only: a POST flushes and closes nothing.
func TestIntrospectGroups(t *testing.T) {
	reg := channels.NewRegistry()
	app := nexo.New(quietApp(), nexo.WithRegistry(reg))
	joined := make(chan struct{}, 8)
	app.WebSocketRoute("/rooms/{room}", func(c *ws.Conn) error {
		ch := channels.NewChannel(c, channels.Text)
		reg.Group("room:" + c.PathParam("room")).AddWithHistory(ch)
		joined <- struct{}{}
		_, err := ch.Receive()
		return err
	})
	app.Handle("/admin/introspect", app.IntrospectHandler())
	s := nexotest.NewServer(t, app)
	var conns []*nexotest.Conn
	for _, p := range []string{"/rooms/a", "/rooms/a", "/rooms/b"} {
		conns = append(conns, s.Dial(p))
		<-joined
	}
	defer func() {
		for _, c := range conns {
			c.CloseNormal()
		}
	}()
	reg.Group("room:a").SendText("one", channels.SaveHistory())
	reg.Group("room:a").SendText("two", channels.SaveHistory())
	reg.Group("room:b").SendText("live only")

	want := []channels.GroupInfo{{Name: "room:a", Members: 2, History: 2}, {Name: "room:b", Members: 1}}
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		req, _ := http.NewRequest(method, s.URL+"/admin/introspect", strings.NewReader(`{"flush":"room:a"}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var got nexo.Snapshot
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Groups, want) || got.GroupCount != 2 {
			t.Fatalf("%s: groups %+v (count %d), want %+v", method, got.Groups, got.GroupCount, want)
		}
	}
	if n := len(reg.History("room:a")); n != 2 {
		t.Fatalf("history of room:a has %d after introspection, want 2", n)
	}
	for _, c := range conns[:2] {
		c.ExpectText("one")
		c.ExpectText("two")
	}
}
