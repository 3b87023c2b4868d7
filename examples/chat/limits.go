package main

import "time"

// The guards that keep what one client can make the server hold bounded:
// a message rate per connection, a history per room bounded in count,
// bytes and age, and a bound on the rooms held at once. With the
// in-process broker the worst case is about maxRooms × 4 × historyBytes
// (a stored message also keeps its frames ready to send, and a room its
// presence events), some 30 MiB; TestHeapStaysBounded measures it.
const (
	// messageRate is how many messages per second a connection may send
	// on average, and messageBurst how many at once. A message over the
	// rate is dropped and answered with a rate_limited error frame that
	// carries its ref; the connection stays open.
	messageRate  = 5
	messageBurst = 10

	// historyCount, historyBytes and historyAge bound each room's
	// history: its last 100 messages, at most 32 KiB of them, none older
	// than an hour, whichever bound is reached first.
	historyCount = 100
	historyBytes = 32 << 10
	historyAge   = time.Hour

	// historySize is how many of a room's messages a newcomer gets.
	historySize = 50

	// maxRooms bounds the rooms this process holds at once; a page that
	// asks for one more is closed with 1013 (try again later) and the
	// reason "too many rooms". A room is held while it has members here,
	// and, with the in-process broker, until the process restarts, since
	// its history lives in the process.
	maxRooms = 250

	// maxRoomName bounds a room's name, in bytes (see validRoom), and
	// maxName a person's, in characters.
	maxRoomName = 64
	maxName     = 32
)
