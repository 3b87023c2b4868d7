package main

import (
	"reflect"

	"github.com/nexogo/nexo/asyncapi"
	"github.com/nexogo/nexo/contract"
)

//go:generate env NEXO_UPDATE_GENERATED=1 go test -run TestContractFiles .

// The chat's contract: the events a page sends with the client's
// request(event, data) ({"event":...,"data":...,"ref":...}) and what their
// replies carry. The room's messages, its welcome and its presence
// reach the page as topic frames, not event pushes, so the contract lists
// no push. serve reads these frames itself (see frames.go: inbound, which
// also accepts the older {"type":"message",...} shape); the types below
// are the data each event carries, with the same rules as inbound's.
//
// asyncapi.json and contract.d.ts are generated from it (go generate;
// TestContractFiles fails when they are out of date), and ts/chat.ts,
// typed with contract.d.ts, is checked by tsc in the same test.

// sendData is the data of a "message" event: a message to the room.
type sendData struct {
	Text string `json:"text" validate:"required,max=1000"`
}

// privateData is the data of a "private" event: a message to the person
// To of the room, or to the connection ToID.
type privateData struct {
	Text string `json:"text" validate:"required,max=1000"`
	To   string `json:"to" validate:"required,max=32"`
	ToID string `json:"to_id,omitempty" validate:"max=64"`
}

// renameData is the data of a "rename" event.
type renameData struct {
	Name string `json:"name" validate:"max=32"`
}

// chatContract describes /chat/{room}: message and private are answered
// with a reply without data once delivered, rename with the name given.
func chatContract() contract.Description {
	return contract.Description{Events: []contract.Event{
		{Name: "message", Data: reflect.TypeFor[sendData]()},
		{Name: "private", Data: reflect.TypeFor[privateData]()},
		contract.EventOf[renameData, renamed]("rename"),
	}}
}

// contractInfo is what the chat's AsyncAPI document says about it.
func contractInfo() asyncapi.Info {
	return asyncapi.Info{
		Title:       "nexo chat",
		Version:     "1.0.0",
		Description: "Chat rooms over one WebSocket per page: GET /chat/{room} serves the page, the same path upgrades.",
	}
}
