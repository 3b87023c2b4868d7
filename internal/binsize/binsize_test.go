package binsize

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// readme is the repository's README, from internal/binsize.
const readme = "../../README.md"

// quickStartImports are the packages the README's quick start may name.
var quickStartImports = map[string]string{
	"nexo": "github.com/nexogo/nexo",
	"ws":   "github.com/nexogo/nexo/ws",
	"http": "net/http",
	"io":   "io",
	"log":  "log",
}

// heavy are the modules the quick start must not link.
var heavy = []string{
	"github.com/redis/go-redis/",
	"github.com/nats-io/",
	"github.com/prometheus/",
}

// quickStart returns the first ```go block under the README's
// "## Quick start" as a main package.
func quickStart(t *testing.T) string {
	t.Helper()
	f, err := os.Open(readme)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		section, code string
		in            bool
		b             strings.Builder
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() && code == "" {
		line := sc.Text()
		switch {
		case !in && strings.HasPrefix(line, "## "):
			section = strings.TrimPrefix(line, "## ")
		case !in && section == "Quick start" && strings.TrimSpace(line) == "```go":
			in = true
		case in && strings.TrimSpace(line) == "```":
			code = b.String()
		case in:
			b.WriteString(line + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if code == "" {
		t.Fatal("README.md has no ```go block under ## Quick start")
	}
	var p strings.Builder
	p.WriteString("package main\n\nimport (\n")
	names := make([]string, 0, len(quickStartImports))
	for name := range quickStartImports {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if regexp.MustCompile(`\b` + name + `\.[A-Z]`).MatchString(code) {
			fmt.Fprintf(&p, "\t%q\n", quickStartImports[name])
		}
	}
	p.WriteString(")\n\nfunc main() {\n" + code + "}\n")
	return p.String()
}

// programs writes the quick start and the baseline as two main packages
// of a temporary module that requires nexo from this repository, and
// returns the module's directory and the environment to run go in.
func programs(t *testing.T) (dir string, env []string) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	gomod := fmt.Sprintf("module binsize\n\ngo 1.26\n\nrequire github.com/nexogo/nexo v0.0.0\n\nreplace github.com/nexogo/nexo => %s\n", root)
	files := map[string]string{"go.mod": gomod, "quickstart/main.go": quickStart(t)}
	for name, from := range map[string]string{"go.sum": filepath.Join(root, "go.sum"), "baseline/main.go": "testdata/baseline/main.go"} {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(b)
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The module cache already holds every dependency: never reach the
	// network, and let go add the requirements the programs need.
	env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	return dir, env
}

// goCmd runs go with args in dir and returns its standard output.
func goCmd(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	cmd := exec.Command(goBin, args...)
	cmd.Dir, cmd.Env = dir, env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// TestQuickStartDeps: the README's quick start links neither the Redis
// nor the NATS client nor Prometheus. They come with the import of their
// nexo package only.
func TestQuickStartDeps(t *testing.T) {
	dir, env := programs(t)
	deps := strings.Fields(goCmd(t, dir, env, "list", "-deps", "./quickstart"))
	for _, d := range deps {
		for _, h := range heavy {
			if strings.HasPrefix(d, h) {
				t.Errorf("the quick start depends on %s", d)
			}
		}
	}
	t.Logf("the quick start has %d packages", len(deps))
}

// TestQuickStartSize builds the README's quick start and the baseline
// with a plain go build, as a user would, and fails when the quick
// start's binary is more than MaxRatio times the baseline's. The built
// quick start is then run with NEXO_BROKER=redis, which it does not
// import: it must fail at once naming the import to add.
func TestQuickStartSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two programs")
	}
	dir, env := programs(t)
	size := func(pkg string) int64 {
		bin := filepath.Join(dir, pkg+".bin")
		goCmd(t, dir, env, "build", "-o", bin, "./"+pkg)
		fi, err := os.Stat(bin)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	quick, base := size("quickstart"), size("baseline")
	ratio := float64(quick) / float64(base)
	t.Logf("quick start %.1f MB, chi + gorilla + validator %.1f MB: %.2f×", float64(quick)/1e6, float64(base)/1e6, ratio)
	if ratio > MaxRatio {
		t.Errorf("the quick start's binary is %.2f× the baseline's, over %.1f×", ratio, MaxRatio)
	}

	cmd := exec.Command(filepath.Join(dir, "quickstart.bin"))
	cmd.Env = append(os.Environ(), "NEXO_BROKER=redis")
	out, err := cmd.CombinedOutput()
	want := `import _ "github.com/nexogo/nexo/channels/redisbroker"`
	if err == nil || !strings.Contains(string(out), want) {
		t.Errorf("NEXO_BROKER=redis without the import: err %v, output\n%s\nwant a failure naming %s", err, out, want)
	}
}
