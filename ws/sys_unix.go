//go:build unix

package ws

// rawSockets is true where the read gate waits on the raw socket and
// reads it with sysRead (sys_raw.go, sys_race.go).
const rawSockets = true
