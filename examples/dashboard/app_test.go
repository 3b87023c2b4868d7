package main

import (
	"context"
	"testing"

	"github.com/nexogo/nexo/nexotest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestSamplesArrive(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := nexotest.NewServer(t, newApp(ctx))
	c := s.Dial("/ws")
	var got sample
	c.ReadJSON(&got)
	if got.Goroutines == 0 || got.HeapBytes == 0 || got.Connections != 1 {
		t.Fatalf("sample %+v", got)
	}
	c.CloseNormal()
}
