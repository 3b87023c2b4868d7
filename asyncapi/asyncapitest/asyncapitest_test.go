package asyncapitest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/asyncapi"
	"github.com/nexogo/nexo/asyncapi/asyncapitest"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

type in struct {
	A int `json:"a"`
}

func calcApp(t *testing.T, reply func(*channels.EventRouter)) *nexo.Router {
	r := nexo.NewRouter()
	er := channels.NewEventRouter()
	reply(er)
	r.WebSocketHandler("/calc", er)
	return r
}

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) { r.errs = append(r.errs, format) }
func (r *recorder) Helper()                           {}

// The check passes on files written from the same code, fails when the
// contract changed (here the reply type) or a file is missing, and
// rewrites the files with NEXO_UPDATE_GENERATED=1.
func TestCheckGenerated(t *testing.T) {
	dir := t.TempDir()
	files := asyncapitest.Files{AsyncAPI: filepath.Join(dir, "asyncapi.json"), TypeScript: filepath.Join(dir, "contract.d.ts")}
	v1 := calcApp(t, func(er *channels.EventRouter) {
		channels.Handle(er, "double", func(ctx context.Context, c *ws.Conn, x in) (int, error) { return 2 * x.A, nil })
	})
	v2 := calcApp(t, func(er *channels.EventRouter) {
		channels.Handle(er, "double", func(ctx context.Context, c *ws.Conn, x in) (string, error) { return "", nil })
	})
	info := asyncapi.Info{Title: "calc"}

	rec := &recorder{TB: t}
	asyncapitest.CheckGenerated(rec, v1, info, files)
	if len(rec.errs) != 2 {
		t.Fatalf("missing files: %d errors, want 2", len(rec.errs))
	}

	t.Setenv(asyncapitest.UpdateEnv, "1")
	asyncapitest.CheckGenerated(t, v1, info, files)
	t.Setenv(asyncapitest.UpdateEnv, "")

	asyncapitest.CheckGenerated(t, v1, info, files) // in step: passes

	rec = &recorder{TB: t}
	asyncapitest.CheckGenerated(rec, v2, info, files)
	if len(rec.errs) != 2 || !strings.Contains(rec.errs[0], "out of date") {
		t.Fatalf("changed reply type: errors %q, want both files out of date", rec.errs)
	}
	if b, _ := os.ReadFile(files.TypeScript); !strings.Contains(string(b), "reply: number;") {
		t.Fatalf("the check rewrote the file without %s:\n%s", asyncapitest.UpdateEnv, b)
	}
}
