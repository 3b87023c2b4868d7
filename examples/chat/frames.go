package main

import (
	"encoding/json"
	"time"
)

// inbound is what a page sends: a message to the room, a private message
// to one person of the room (the connection ToID, or else the person named
// To), or a new name for itself. A frame with a ref is answered with a
// reply frame carrying it once done, or an error frame carrying it when
// not (the client's request() resolves or rejects with it).
type inbound struct {
	Type string          `json:"type" validate:"oneof=message private rename"`
	Text string          `json:"text" validate:"required_unless=Type rename,max=1000"`
	To   string          `json:"to" validate:"required_if=Type private,max=32"`
	ToID string          `json:"to_id" validate:"max=64"`
	Name string          `json:"name" validate:"max=32"`
	Ref  json.RawMessage `json:"ref,omitempty"`
}

// UnmarshalJSON reads an inbound frame in either shape a page may send:
// {"type":"message","text":...,"ref":1}, or the client's request(event,
// data) frame, {"event":"message","data":{"text":...},"ref":1}.
func (in *inbound) UnmarshalJSON(b []byte) error {
	type fields inbound // without this method
	var f struct {
		fields
		Event string          `json:"event"`
		Data  json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*in = inbound(f.fields)
	if f.Event == "" {
		return nil
	}
	var d fields
	if len(f.Data) > 0 {
		if err := json.Unmarshal(f.Data, &d); err != nil {
			return err
		}
	}
	d.Type, d.Ref = f.Event, f.Ref
	*in = inbound(d)
	return nil
}

// replyFrame tells the sender that its frame with Ref was carried out.
type replyFrame struct {
	Type string          `json:"type"` // "reply"
	Ref  json.RawMessage `json:"ref"`
	Data any             `json:"data,omitempty"`
}

// renamed is the data of a rename's reply: the name given, which is the
// name asked for, or "name (2)"... when someone in the room has it.
type renamed struct {
	Name string `json:"name"`
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
// joined (after the room's recent messages). Names are unique in a room;
// the room's presence events (join, leave, rename) carry the connection
// ID, by which a page should key its members.
type welcome struct {
	Type    string   `json:"type"` // "welcome"
	You     string   `json:"you"`  // the name asked for, or "name (2)"...
	ID      string   `json:"id"`   // the connection's ID
	Room    string   `json:"room"`
	Users   []string `json:"users"` // the names, oldest member first
	Members []member `json:"members"`
}

// member is one person in the room.
type member struct {
	ID   string `json:"id"` // the connection's ID
	Name string `json:"name"`
}
