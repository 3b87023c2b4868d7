//go:build !linux

package ws

// osYield does nothing here: only Linux builds yield the CPU (yield_linux.go).
func osYield() {}
