package channels

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
)

// Position is a message's place in a topic's history: the history's Epoch
// and the message's Offset. Offsets increase by one per message within a
// topic, starting at 1; Offset 0 means nothing was published yet. The
// Epoch changes whenever the history is lost (a new in-process broker, a
// flushed Redis stream, a recreated JetStream stream), so that a client
// can tell "nothing missed" from "cannot know".
//
// A Position is a plain value; its JSON form is
// {"epoch":"E","offset":42}.
type Position struct {
	Epoch  string `json:"epoch"`
	Offset uint64 `json:"offset"`
}

// String returns "epoch:offset".
func (p Position) String() string { return p.Epoch + ":" + strconv.FormatUint(p.Offset, 10) }

// NewEpoch returns a random epoch, for brokers that start a history.
func NewEpoch() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
