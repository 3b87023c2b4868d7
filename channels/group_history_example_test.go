package channels_test

import (
	"fmt"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// A group send with SaveHistory is kept (Nexios's
// group_send(save_history=True)); a member added with AddWithHistory gets
// the kept messages first.
func ExampleSaveHistory() {
	reg := channels.NewRegistry()
	_ = func(c *ws.Conn) error { // a WebSocket handler
		ch := channels.NewChannel(c, channels.Text)
		reg.Group("room:" + c.PathParam("id")).AddWithHistory(ch) // replay, then live
		_, err := ch.Receive()
		return err
	}
	room := reg.Group("room:1")
	room.SendText("welcome", channels.SaveHistory())
	room.SendText("someone is typing") // not kept
	for _, m := range reg.History("room:1") {
		fmt.Println(string(m.Data))
	}
	// Output: welcome
}

// The administration of a registry's groups: their sizes and history,
// flushing it, and closing every member.
func ExampleRegistry_ListGroups() {
	reg := channels.NewRegistry(channels.WithGroupHistory(channels.HistoryPolicy{
		Pattern: "room:*", MaxCount: 50, MaxAge: time.Hour, // every send to a room is kept
	}))
	reg.Group("room:1").SendText("hello")
	reg.Group("room:1").SendText("typing", channels.NoHistory())
	for _, g := range reg.ListGroups() {
		fmt.Printf("%s: %d members, %d kept\n", g.Name, g.Members, g.History)
	}
	fmt.Println("flushed", reg.FlushHistory("room:1"))
	fmt.Println("closed", reg.CloseGroup("room:1", ws.CloseGoingAway, "room closed"))
	// Output:
	// room:1: 0 members, 1 kept
	// flushed 1
	// closed 0
}
