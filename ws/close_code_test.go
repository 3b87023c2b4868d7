package ws_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/nexogo/nexo/ws"
)

// TestCloseWithUnsendableCode: a code RFC 6455 forbids in a close frame
// (1004, 1006, 1015, the reserved 1016–2999, under 1000, 5000 and over)
// never reaches the wire, where the client would fail the connection with
// a protocol error instead of seeing a close: the connection closes with
// 1011 and Close returns an error matching ErrInvalidCloseCode.
func TestCloseWithUnsendableCode(t *testing.T) {
	for _, code := range []int{0, 999, 1004, 1006, 1015, 1016, 2999, 5000, 65535, 70000} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			got := make(chan error, 1)
			s, _ := serve(t, func(c *ws.Conn) error {
				if err := c.Accept(); err != nil {
					return err
				}
				got <- c.Close(code, "bye")
				<-c.Context().Done()
				return nil
			})
			c := s.Dial("/ws")
			ce, err := c.TryClose()
			if err != nil {
				t.Fatalf("client: %v, want a close frame", err)
			}
			if ce.Code != ws.CloseInternalError {
				t.Fatalf("client saw close %d, want 1011", ce.Code)
			}
			if err := <-got; !errors.Is(err, ws.ErrInvalidCloseCode) {
				t.Fatalf("Close(%d) = %v, want ErrInvalidCloseCode", code, err)
			}
		})
	}
}

// TestCloseSendableCodes: every code a close frame may carry reaches the
// client as given, and Close returns nil. (1014 is sendable too, but the
// gorilla client this test reads with refuses it; browsers take it.)
func TestCloseSendableCodes(t *testing.T) {
	for _, code := range []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 3000, 4000, 4999} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			got := make(chan error, 1)
			s, _ := serve(t, func(c *ws.Conn) error {
				got <- c.Close(code, "bye")
				<-c.Context().Done()
				return nil
			})
			s.Dial("/ws").ExpectClose(code)
			if err := <-got; err != nil {
				t.Fatalf("Close(%d) = %v", code, err)
			}
		})
	}
}

// TestCloseReasonNotUTF8: a reason that is not valid UTF-8 (bytes from
// user input, a cut string) reaches the client with its invalid bytes
// replaced, where the client would fail the connection with a protocol
// error and never see the code.
func TestCloseReasonNotUTF8(t *testing.T) {
	s, _ := serve(t, func(c *ws.Conn) error {
		c.Close(4000, "bad \xff\xfe end")
		<-c.Context().Done()
		return nil
	})
	ce := s.Dial("/ws").ExpectClose(4000)
	if ce.Reason != "bad \uFFFD end" {
		t.Fatalf("reason %q, want %q", ce.Reason, "bad \uFFFD end")
	}
}
