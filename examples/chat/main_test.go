package main

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// mainChildEnv makes TestMainChild run main.
const mainChildEnv = "NEXO_CHAT_MAIN_CHILD"

// TestMainChild runs main in the process that TestMainFailsBeforeOpen
// starts; it skips when run otherwise.
func TestMainChild(t *testing.T) {
	if os.Getenv(mainChildEnv) == "" {
		t.Skip("the child process of TestMainFailsBeforeOpen")
	}
	main()
}

// TestMainFailsBeforeOpen: go run ./examples/chat that cannot serve (its
// address taken by a chat still running, a mistyped NEXO_BROKER) exits
// non-zero with the reason, and does not first print the URL to open.
func TestMainFailsBeforeOpen(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	freeAddr := free.Addr().String()
	free.Close()
	for _, tc := range []struct {
		name, addr, broker, want string
	}{
		{"address in use", busy.Addr().String(), "", "address already in use"},
		{"unknown broker", freeAddr, "reddis", `NEXO_BROKER="reddis"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestMainChild$")
			cmd.Env = append(os.Environ(), mainChildEnv+"=1", "NEXO_ADDR="+tc.addr, "NEXO_BROKER="+tc.broker)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 || ctx.Err() != nil {
				t.Fatalf("main ended with %v (context: %v), want a non-zero exit:\n%s", err, ctx.Err(), out)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("the output does not say %q:\n%s", tc.want, out)
			}
			if strings.Contains(string(out), "open http") {
				t.Errorf("the output tells the user to open the chat, which is not served:\n%s", out)
			}
		})
	}
}
