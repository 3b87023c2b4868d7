package channels

import (
	"encoding/binary"
	"math/rand/v2"

	"github.com/google/uuid"
)

// newID returns a random (version 4) UUID for a channel. It draws on
// math/rand/v2, which the runtime seeds from the system's entropy, rather
// than on crypto/rand: a channel's UUID names it and grants nothing, and
// crypto/rand's getrandom path needs about 2 KB of stack on the goroutine
// calling NewChannel, usually a connection's, which Go would then keep at
// twice the size for the connection's life.
func newID() string {
	var u uuid.UUID
	binary.LittleEndian.PutUint64(u[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(u[8:], rand.Uint64())
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u.String()
}
