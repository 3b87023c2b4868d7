package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestBunContender starts bun/server.ts with the bun binary run.sh installs
// (or $BUN) and checks one echo, one fan-out to two clients (registered
// as soon as their handshake completes: Bun subscribes in the open
// handler) and /debug/mem. It skips when no bun binary is there.
func TestBunContender(t *testing.T) {
	bun := os.Getenv("BUN")
	if bun == "" {
		bun = "../.bun/node_modules/@oven/bun-linux-x64/bin/bun"
	}
	if _, err := os.Stat(bun); err != nil {
		t.Skipf("no bun binary at %s (./run.sh installs it from npm, or set BUN)", bun)
	}
	cmd := exec.Command(bun, "bun/server.ts", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
				addr <- a
			}
		}
		close(addr)
	}()
	var a string
	select {
	case a = <-addr:
	case <-time.After(20 * time.Second):
		t.Fatal("bun printed no ADDR line within 20 s")
	}
	if a == "" {
		t.Fatal("bun exited without printing ADDR")
	}
	url := "ws://" + a

	echo := smokeDial(t, url+"/echo", false, false)
	smokeSend(t, echo, `{"t":"1","p":"hello"}`)
	smokeExpect(t, echo, `{"t":"1","p":"hello"}`)

	x := smokeDial(t, url+"/fanout", false, true)
	y := smokeDial(t, url+"/fanout", false, true)
	smokeSend(t, x, `{"t":"2","p":"fan"}`)
	smokeExpect(t, x, `{"t":"2","p":"fan"}`)
	smokeExpect(t, y, `{"t":"2","p":"fan"}`)

	resp, err := http.Get("http://" + a + "/debug/mem")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m Mem
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	if m.RSS == 0 || m.CPUNanos == 0 {
		t.Fatalf("/debug/mem = %+v, want RSS and CPU time", m)
	}
}
