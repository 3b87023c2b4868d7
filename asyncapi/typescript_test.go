package asyncapi_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/nexogo/nexo/asyncapi"
	"github.com/nexogo/nexo/contract"
	"github.com/nexogo/nexo/internal/jscheck"
)

// tsProject writes the declarations of the test App and the checked file
// into a directory with a tsconfig.json that resolves 'nexo-client' to the
// client's source.
func tsProject(t *testing.T, file string) string {
	t.Helper()
	dir := t.TempDir()
	client, err := filepath.Abs("../client/src/nexo-client.ts")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join("testdata", "ts", file))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"contract.ts": asyncapi.TypeScript(testApp(t).WebSocketRoutes()),
		file:          src,
		"tsconfig.json": []byte(`{"compilerOptions": {"target": "ES2020", "module": "ES2020",
			"moduleResolution": "bundler", "lib": ["ES2020", "DOM"], "strict": true,
			"noEmit": true, "skipLibCheck": true, "paths": {"nexo-client": [` + strconv.Quote(client) + `]}},
			"files": [` + strconv.Quote(file) + `]}`),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Calls that follow the Go contract compile with the generated types.
func TestTypeScriptContractCompiles(t *testing.T) {
	dir := tsProject(t, "good.ts")
	if out, ok := jscheck.Tsc(t, dir); !ok {
		b, _ := os.ReadFile(filepath.Join(dir, "contract.ts"))
		t.Fatalf("tsc refused good.ts:\n%s\ncontract.ts:\n%s", out, b)
	}
}

var tscError = regexp.MustCompile(`(?m)^bad\.ts\((\d+),\d+\): error (TS\d+)`)

// Every call that breaks the contract (unknown field, missing required
// field, value outside oneof, wrong type, wrong reply type, unknown event
// or push) is a compile error, on its own line.
func TestTypeScriptContractRejects(t *testing.T) {
	dir := tsProject(t, "bad.ts")
	out, ok := jscheck.Tsc(t, dir)
	if ok {
		t.Fatal("tsc accepted bad.ts")
	}
	src, _ := os.ReadFile(filepath.Join(dir, "bad.ts"))
	want := map[int]bool{}
	for i, line := range strings.Split(string(src), "\n") {
		if strings.Contains(line, "// must fail") {
			want[i+1] = true
		}
	}
	got := map[int]bool{}
	for _, m := range tscError.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[1])
		got[n] = true
		if !want[n] {
			t.Errorf("unexpected error on line %d:\n%s", n, out)
		}
	}
	for n := range want {
		if !got[n] {
			t.Errorf("line %d compiled, want an error: %s", n, strings.Split(string(src), "\n")[n-1])
		}
	}
}

// Event names that spell the same in Pascal case, and routes that do, get
// declarations of their own.
func TestTypeScriptNamesUnique(t *testing.T) {
	d := &contract.Description{Events: []contract.Event{
		contract.EventOf[int, int]("a.b"), contract.EventOf[string, string]("a_b"),
	}}
	ts := string(asyncapi.TypeScript([]contract.Route{{Pattern: "/x-y", Description: d}, {Pattern: "/x/y", Description: d}}))
	for _, want := range []string{"export interface XYAB {", "export interface XYAB2 {", "export interface XYEvents {", "export interface XY2Events {", "export interface XY2AB {"} {
		if !strings.Contains(ts, want) {
			t.Errorf("no %q in\n%s", want, ts)
		}
	}
}
