//go:build !unix

package ws

import "errors"

// rawSockets is false where the socket calls of the hot paths are not
// implemented (Windows among them): the read gate then waits in the
// connection's Read, as it does over TLS, and writes take the blocking
// path.
const rawSockets = false

// sysRead is never called where rawSockets is false.
func sysRead(int, []byte) (int, error) { return 0, errors.ErrUnsupported }
