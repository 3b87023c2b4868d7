//go:build unix

package ws

import (
	"bytes"
	"errors"
	"net"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSysCalls checks the socket calls of the hot paths (raw system calls,
// or the standard ones in race builds) on a non-blocking socket pair: what
// writev writes, skipping empty pieces, is what read returns; an empty
// socket answers EAGAIN; a full one takes part of a write, then EAGAIN;
// a closed descriptor is an error.
func TestSysCalls(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	for _, fd := range fds {
		if err := unix.SetNonblock(fd, true); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 64)
	if _, err := sysRead(fds[1], buf); !errors.Is(err, syscall.EAGAIN) {
		t.Fatalf("read of an empty socket: %v, want EAGAIN", err)
	}
	var iov []unix.Iovec
	// A writev may write a prefix only (the fallback of race builds writes
	// the first buffer): the rest is written as writeSome does.
	bufs := net.Buffers{[]byte("ab"), nil, {}, []byte("cde")}
	for written := 0; written < 5; {
		n, err := sysWritev(fds[0], bufs, &iov)
		if n <= 0 || err != nil {
			t.Fatalf("writev after %d of 5 bytes = %d, %v", written, n, err)
		}
		written += n
		bufs = consume(bufs, n)
	}
	if n, err := sysWrite(fds[0], []byte("fg")); n != 2 || err != nil {
		t.Fatalf("write = %d, %v; want 2, nil", n, err)
	}
	n, err := sysRead(fds[1], buf)
	if err != nil || !bytes.Equal(buf[:n], []byte("abcdefg")) {
		t.Fatalf("read = %q, %v; want \"abcdefg\"", buf[:n], err)
	}
	// Fill the socket: writes take less and less, then nothing.
	big := make([]byte, 1<<20)
	total := 0
	for {
		n, err := sysWritev(fds[0], [][]byte{big[:1<<19], big[1<<19:]}, &iov)
		if errors.Is(err, syscall.EAGAIN) {
			break
		}
		if err != nil || n <= 0 {
			t.Fatalf("writev into a filling socket = %d, %v", n, err)
		}
		total += n
	}
	if total == 0 {
		t.Fatal("the socket took nothing")
	}
	if _, err := sysWrite(fds[0], []byte("x")); !errors.Is(err, syscall.EAGAIN) {
		t.Fatalf("write to a full socket: %v, want EAGAIN", err)
	}
	read := 0
	for read < total {
		n, err := sysRead(fds[1], big)
		if err != nil {
			t.Fatalf("read back after %d of %d bytes: %v", read, total, err)
		}
		read += n
	}
	if _, err := sysRead(-1, buf); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("read of fd -1: %v, want EBADF", err)
	}
	if _, err := sysWrite(-1, buf); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("write to fd -1: %v, want EBADF", err)
	}
}
