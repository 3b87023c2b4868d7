//go:build race

package channels_test

// raceEnabled reports whether the race detector is on: it enlarges every
// stack frame's guard, so stack sizes measured under it mean nothing.
const raceEnabled = true
