package ws

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadAll checks readAll around its 4 KiB scratch buffer and the read
// limit, with readers that return short reads and data with io.EOF.
func TestReadAll(t *testing.T) {
	for _, n := range []int{0, 1, 64, 4095, 4096, 4097, 10000, 70000} {
		want := bytes.Repeat([]byte("abcdefg"), n/7+1)[:n]
		{
			rd := func() *bytes.Reader { return bytes.NewReader(want) }
			got, err := readAll(rd(), int64(n))
			if err != nil || !bytes.Equal(got, want) || got == nil {
				t.Fatalf("n=%d: %d bytes, %v; want %d bytes", n, len(got), err, n)
			}
			got, err = readAll(iotest.OneByteReader(rd()), int64(n))
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("one byte n=%d: %d bytes, %v", n, len(got), err)
			}
			got, err = readAll(iotest.DataErrReader(rd()), int64(n))
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("data with EOF n=%d: %d bytes, %v", n, len(got), err)
			}
			if n > 0 {
				if _, err := readAll(rd(), int64(n-1)); err != errTooBig {
					t.Fatalf("n=%d limit n-1: %v, want errTooBig", n, err)
				}
			}
		}
	}
	boom := errors.New("boom")
	if _, err := readAll(iotest.ErrReader(boom), 10); err != boom {
		t.Fatalf("reader error: %v", err)
	}
	if _, err := readAll(iotest.TimeoutReader(strings.NewReader(strings.Repeat("x", 5000))), 1<<20); err != iotest.ErrTimeout {
		t.Fatalf("second read error: %v", err)
	}
}
