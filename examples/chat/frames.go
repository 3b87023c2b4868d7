package main

import (
	"encoding/json"
	"time"
)

// inbound is what a page sends: a message to the room, or a private
// message to one user of the room. A frame with a ref is answered with a
// reply frame carrying it once the message went out, or an error frame
// carrying it when it did not.
type inbound struct {
	Type string          `json:"type" validate:"oneof=message private"`
	Text string          `json:"text" validate:"required,max=1000"`
	To   string          `json:"to" validate:"required_if=Type private,max=32"`
	Ref  json.RawMessage `json:"ref,omitempty"`
}

// replyFrame tells the sender that its message with Ref went out.
type replyFrame struct {
	Type string          `json:"type"` // "reply"
	Ref  json.RawMessage `json:"ref"`
}

// chatMessage is a message as every page receives it. The author comes
// from the connection, never from the payload.
type chatMessage struct {
	Type string    `json:"type"` // "message" or "private"
	From string    `json:"from"`
	To   string    `json:"to,omitempty"`
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// welcome tells a page who it is and who is in the room, once it has
// joined (after the room's recent messages).
type welcome struct {
	Type  string   `json:"type"` // "welcome"
	You   string   `json:"you"`
	Room  string   `json:"room"`
	Users []string `json:"users"`
}
