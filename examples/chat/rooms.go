package main

import (
	"errors"
	"sync"
	"unicode"
)

// errTooManyRooms refuses a room past maxRooms.
var errTooManyRooms = errors.New("too many rooms")

// validRoom reports whether name may name a room: 1 to maxRoomName bytes
// of letters, digits, "-", "_" and ".". Nothing else, so that no room's
// topic is another's ("lobby#presence" would be the lobby's presence
// events).
func validRoom(name string) bool {
	if name == "" || len(name) > maxRoomName {
		return false
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' && r != '.' {
			return false
		}
	}
	return true
}

// rooms are the rooms this process holds, at most max at once. A room is
// held from its first member's arrival; it is let go when its last member
// here leaves, unless keep is set (its history lives in this process and
// stays until the process restarts).
//
// A *rooms is safe for concurrent use.
type rooms struct {
	max  int
	keep bool

	mu   sync.Mutex
	held map[string]*room
}

// room is one held room.
type room struct {
	members int        // on this process; guarded by rooms.mu
	names   sync.Mutex // held while a page of this process takes a name
}

func newRooms(max int, keep bool) *rooms {
	return &rooms{max: max, keep: keep, held: make(map[string]*room)}
}

// enter counts one more member in the room name, holding the room if it
// is new, or returns errTooManyRooms when max rooms are held already.
// Every successful enter is followed by one leave.
func (rs *rooms) enter(name string) (*room, error) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	r, ok := rs.held[name]
	if !ok {
		if len(rs.held) >= rs.max {
			return nil, errTooManyRooms
		}
		r = &room{}
		rs.held[name] = r
	}
	r.members++
	return r, nil
}

// leave counts one member less in the room name.
func (rs *rooms) leave(name string) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	r, ok := rs.held[name]
	if !ok {
		return
	}
	r.members--
	if r.members <= 0 && !rs.keep {
		delete(rs.held, name)
	}
}
