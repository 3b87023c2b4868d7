package nexo_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
	"github.com/nexogo/nexo/channels/redisbroker"
	"github.com/nexogo/nexo/internal/servicetest"
	"github.com/nexogo/nexo/nexotest"
)

// crashLease is the presence lease of the instances of
// TestClusterInstanceKilled.
const crashLease = time.Second

// The environment of the child instance of TestClusterInstanceKilled.
const (
	crashChildEnv  = "NEXO_TEST_CRASH_CHILD" // redis or nats
	crashPrefixEnv = "NEXO_TEST_CRASH_PREFIX"
)

// openLeased opens a broker of kind on the shared server with prefix and
// the crash lease.
func openLeased(t testing.TB, kind, prefix string) channels.Broker {
	t.Helper()
	ctx := context.Background()
	var (
		b   channels.Broker
		err error
	)
	switch kind {
	case "redis":
		b, err = redisbroker.Open(ctx, servicetest.RedisURL(), redisbroker.WithPrefix(prefix),
			redisbroker.WithLease(crashLease), redisbroker.WithLogger(discardLogger()))
	case "nats":
		b, err = natsbroker.Open(ctx, servicetest.NATSURL(), natsbroker.WithPrefix(prefix),
			natsbroker.WithLease(crashLease), natsbroker.WithLogger(discardLogger()))
	default:
		t.Fatalf("unknown broker %q", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestClusterCrashChild is the instance that TestClusterInstanceKilled
// runs in a process of its own and kills; it skips when run otherwise.
// It serves roomApp and prints its address, then serves until killed.
func TestClusterCrashChild(t *testing.T) {
	kind := os.Getenv(crashChildEnv)
	if kind == "" {
		t.Skip("the child instance of TestClusterInstanceKilled")
	}
	app := roomApp(nexo.WithBroker(openLeased(t, kind, os.Getenv(crashPrefixEnv))))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("ADDR %s\n", ln.Addr())
	app.Serve(context.Background(), ln) // until the parent kills the process
}

// TestClusterInstanceKilled: an instance in a process of its own, with two
// clients in a room, is killed with SIGKILL: no shutdown, no Leave, no
// Close. The other instance, sharing the broker, lists all three members
// before, and only its own within one lease after, without anyone
// cleaning up; its clients get one leave event per member of the dead
// instance.
func TestClusterInstanceKilled(t *testing.T) {
	for _, kind := range []string{"redis", "nats"} {
		t.Run(kind, func(t *testing.T) {
			if kind == "redis" {
				servicetest.RequireRedis(t)
			} else {
				servicetest.RequireNATS(t)
			}
			prefix := fmt.Sprintf("nexocrash%d:", time.Now().UnixNano())
			live := nexotest.NewServer(t, roomApp(nexo.WithBroker(openLeased(t, kind, prefix))))
			addr, kill := startChild(t, kind, prefix)

			watch := live.Dial("/presence/crash")
			watch.ExpectText("watching")
			me := live.Dial("/rooms/crash?name=alive")
			me.ReadText() // joined
			for _, name := range []string{"ghost1", "ghost2"} {
				c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/rooms/crash?name="+name, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				c.SetReadDeadline(time.Now().Add(nexotest.DefaultTimeout))
				if _, _, err := c.ReadMessage(); err != nil { // joined
					t.Fatal(err)
				}
			}
			who := func() []channels.PresenceEntry {
				me.SendText("who")
				var es []channels.PresenceEntry
				me.ReadJSON(&es)
				return es
			}
			if es := who(); len(es) != 3 {
				t.Fatalf("before the kill: %+v", es)
			}

			killed := kill()
			for {
				asked := time.Now()
				es := who()
				if len(es) == 1 && es[0].UserID == "alive" {
					t.Logf("%s: the killed instance's members dropped out %v after the kill (lease %v)", kind, asked.Sub(killed).Round(time.Millisecond), crashLease)
					break
				}
				// A listing asked for one lease after the kill (plus the
				// granularity of the server's expiry, and room for a
				// loaded machine) has no ghost.
				if asked.Sub(killed) > crashLease+crashLease/2 {
					t.Fatalf("still listed %v after the kill, lease %v: %+v", asked.Sub(killed), crashLease, es)
				}
				time.Sleep(crashLease / 20) // polling the listing: a crash sends no event
			}
			// The watcher on the surviving instance is told that both
			// left, once each.
			left := map[string]int{}
			for left["ghost1"] == 0 || left["ghost2"] == 0 {
				var ev channels.PresenceEvent
				watch.ReadJSON(&ev)
				if ev.Event == "leave" {
					left[ev.Entry.UserID]++
				}
			}
			me.CloseNormal()
			var ev channels.PresenceEvent
			watch.ReadJSON(&ev)
			if ev.Event != "leave" || ev.Entry.UserID != "alive" || left["ghost1"] != 1 || left["ghost2"] != 1 {
				t.Fatalf("leave events %v, then %+v; want each ghost once, then alive", left, ev)
			}
			watch.CloseNormal()
		})
	}
}

// startChild runs TestClusterCrashChild in a new process of this test
// binary, with a broker of kind under prefix, and returns its address and
// a function that kills it with SIGKILL, waits for it to exit and returns
// the time of the kill. The process is killed when the test ends at the
// latest.
func startChild(t *testing.T, kind, prefix string) (addr string, kill func() time.Time) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestClusterCrashChild$", "-test.count=1", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+kind, crashPrefixEnv+"="+prefix)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	addrc := make(chan string, 1)
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
				addrc <- a
			}
		}
	}()
	var killedAt time.Time
	kill = func() time.Time {
		if killedAt.IsZero() {
			killedAt = time.Now()
			cmd.Process.Kill()
			<-done // the pipe is closed: the process is gone
			cmd.Wait()
		}
		return killedAt
	}
	t.Cleanup(func() { kill() })
	select {
	case addr = <-addrc:
		return addr, kill
	case <-done:
		t.Fatal("the child instance exited before serving")
	case <-time.After(10 * time.Second):
		t.Fatal("the child instance did not start within 10 s")
	}
	return "", kill
}
