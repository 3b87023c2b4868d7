package ws

import "golang.org/x/sys/unix"

// osYield hands the CPU to another thread that is ready to run, if any
// (sched_yield(2)); without one it returns at once.
func osYield() { unix.RawSyscall(unix.SYS_SCHED_YIELD, 0, 0, 0) }
