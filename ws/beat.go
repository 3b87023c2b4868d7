package ws

import (
	"strconv"
	"strings"
)

// BeatParam is the query parameter by which a client asks for heartbeat
// messages (BeatParam=1): a browser never sees WebSocket pings, so a page
// could not otherwise tell a live connection from one to a server that
// froze or a network that dropped it without a word. nexo's browser client
// asks for them.
//
// Such a connection gets, right after the handshake and then with every
// ping, the text message {"type":"nexo.heartbeat","within":N}: N is the
// ping interval plus the pong timeout in milliseconds, the time within
// which the next message comes from a live server. The client takes these
// messages out of the stream (the application never sees them) and, when
// nothing arrives for N milliseconds, drops the socket and reconnects. No
// heartbeat messages are sent when heartbeats are off (a negative ping
// interval).
const BeatParam = "nexo_heartbeat"

// BeatType is the "type" of a heartbeat message (see BeatParam).
const BeatType = "nexo.heartbeat"

// wantsBeats reports whether the upgrade request asks for heartbeat
// messages.
func wantsBeats(rawQuery string) bool {
	if !strings.Contains(rawQuery, BeatParam+"=") {
		return false // the common case, without parsing the query
	}
	for kv := range strings.SplitSeq(rawQuery, "&") {
		if k, v, _ := strings.Cut(kv, "="); k == BeatParam {
			return v == "1"
		}
	}
	return false
}

// sendBeat queues a heartbeat message (see BeatParam). Like a fan-out
// send, it never writes inline and never waits; a full queue is what a
// send to a slow consumer meets.
func (c *Conn) sendBeat() {
	within := (c.cfg.PingInterval + c.cfg.PongTimeout).Milliseconds()
	b := make([]byte, 0, 48)
	b = append(b, `{"type":"`+BeatType+`","within":`...)
	b = strconv.AppendInt(b, within, 10)
	b = append(b, '}')
	c.send(payloadFrame(opText, b), false, false)
}
