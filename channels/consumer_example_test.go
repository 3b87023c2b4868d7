package channels_test

import (
	"fmt"

	"github.com/gorilla/websocket"

	"github.com/nexogo/nexo/channels"
)

// A consumer in the style of Nexios's join_group / leave_group /
// broadcast: the channel joins, leaves and sends to groups of the
// registry that holds it (here Events.Registry).
func ExampleChannel_JoinGroup() {
	reg := channels.NewRegistry()
	url, stop := exampleServer(channels.Events[string]{
		Registry: reg,
		OnConnect: func(ch *channels.Channel) error {
			if err := ch.JoinGroup("lobby"); err != nil { // join_group("lobby")
				return err
			}
			return ch.Send("welcome to the lobby")
		},
		OnMessage: func(ch *channels.Channel, text string) error {
			if text == "bye" {
				return ch.LeaveGroup("lobby") // leave_group("lobby")
			}
			_, err := ch.SendGroup("lobby", "someone said "+text) // broadcast(text, "lobby")
			return err
		},
	}.Handler())
	defer stop()
	alice, bob := dial(url), dial(url)
	defer alice.Close()
	defer bob.Close()

	fmt.Println(read(alice))
	fmt.Println(read(bob)) // both have joined
	alice.WriteMessage(websocket.TextMessage, []byte("hi"))
	fmt.Println(read(alice))
	fmt.Println(read(bob))
	// Output:
	// welcome to the lobby
	// welcome to the lobby
	// someone said hi
	// someone said hi
}
