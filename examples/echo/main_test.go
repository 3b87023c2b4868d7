package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/nexogo/nexo/nexotest"
)

func TestEcho(t *testing.T) {
	s := nexotest.NewServer(t, newApp())
	resp, err := http.Get(s.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "nexo echo") {
		t.Fatalf("page: %.80q", body)
	}
	c := s.Dial("/ws")
	c.SendText("héllo")
	c.ExpectText("héllo")
	c.SendBytes([]byte{1, 2, 3})
	if got := c.ReadBytes(); string(got) != "\x01\x02\x03" {
		t.Fatalf("got %v", got)
	}
	c.CloseNormal()
}
