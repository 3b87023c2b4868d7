// Package docs_test compiles every Go snippet of the documentation, so that
// a renamed function or a changed signature breaks the build of the docs
// rather than a reader's program.
package docs_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/nexogo/nexo"
)

// A snippet is one ```go block of a page. Blocks fenced ```go-nocompile
// are skipped.
type snippet struct {
	file string // page, e.g. "routing.md"
	line int    // line of the first code line
	code string
}

// readme is the repository's README, read from docs/.
const readme = "../README.md"

// readmeSections are the sections of the README whose Go blocks are whole
// programs or self-contained fragments, compiled like the pages' own; the
// other sections show fragments of a larger program.
var readmeSections = []string{"Browser client", "Operations"}

// readSnippets returns the ```go blocks of every docs/*.md page and of
// the README's readmeSections.
func readSnippets(t *testing.T) []snippet {
	t.Helper()
	pages, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(pages)
	pages = append(pages, readme)
	var out []snippet
	for _, page := range pages {
		f, err := os.Open(page)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		var (
			in      bool
			start   int
			buf     strings.Builder
			section string // the README's current "## " heading
		)
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			trimmed := strings.TrimSpace(line)
			if h, ok := strings.CutPrefix(line, "## "); ok && !in {
				section = h
			}
			switch {
			case !in && trimmed == "```go" && (page != readme || slices.Contains(readmeSections, section)):
				in, start = true, n+1
				buf.Reset()
			case in && trimmed == "```":
				in = false
				out = append(out, snippet{file: page, line: start, code: buf.String()})
			case in:
				buf.WriteString(line)
				buf.WriteByte('\n')
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		if in {
			t.Errorf("%s:%d: unterminated ```go block", page, start-1)
		}
	}
	return out
}

// knownImports are the packages a fragment may use without importing them:
// the test adds the import of each one the fragment names.
var knownImports = map[string]string{
	"nexo":         "github.com/nexogo/nexo",
	"ws":           "github.com/nexogo/nexo/ws",
	"channels":     "github.com/nexogo/nexo/channels",
	"metrics":      "github.com/nexogo/nexo/metrics",
	"middleware":   "github.com/nexogo/nexo/middleware",
	"nexotest":     "github.com/nexogo/nexo/nexotest",
	"natsbroker":   "github.com/nexogo/nexo/channels/natsbroker",
	"redisbroker":  "github.com/nexogo/nexo/channels/redisbroker",
	"brokertest":   "github.com/nexogo/nexo/channels/brokertest",
	"jwtauth":      "github.com/nexogo/nexo/middleware/jwtauth",
	"tracing":      "github.com/nexogo/nexo/tracing",
	"asyncapi":     "github.com/nexogo/nexo/asyncapi",
	"asyncapitest": "github.com/nexogo/nexo/asyncapi/asyncapitest",
	"contract":     "github.com/nexogo/nexo/contract",
	"context":      "context",
	"errors":       "errors",
	"fmt":          "fmt",
	"http":         "net/http",
	"io":           "io",
	"json":         "encoding/json",
	"log":          "log",
	"os":           "os",
	"slog":         "log/slog",
	"strings":      "strings",
	"sync":         "sync",
	"testing":      "testing",
	"time":         "time",
	"rate":         "golang.org/x/time/rate",
	"goleak":       "go.uber.org/goleak",
	"validator":    "github.com/go-playground/validator/v10",
}

var (
	lineComment = regexp.MustCompile(`(?m)(^|\s)//.*$`)
	hasMain     = regexp.MustCompile(`(?m)^func main\(\)`)
)

// program turns a snippet into a main package. A snippet that starts with
// "package" is used as it is. Otherwise the imports it needs are added,
// and a fragment that is not a list of declarations becomes the body of
// main.
// //line directives keep the compiler's positions on the page's lines.
func program(s snippet) string {
	page, err := filepath.Abs(s.file) // errors then name the page itself
	if err != nil {
		page = s.file
	}
	pos := fmt.Sprintf("//line %s:%d\n", page, s.line)
	if strings.HasPrefix(strings.TrimSpace(s.code), "package ") {
		return pos + s.code
	}
	code := lineComment.ReplaceAllString(s.code, "$1")
	var b bytes.Buffer
	b.WriteString("package main\n\nimport (\n")
	names := make([]string, 0, len(knownImports))
	for name := range knownImports {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if regexp.MustCompile(`\b` + name + `\.[A-Z]`).MatchString(code) {
			fmt.Fprintf(&b, "\t%q\n", knownImports[name])
		}
	}
	b.WriteString(")\n\n")
	if _, err := parser.ParseFile(token.NewFileSet(), "", "package main\n"+s.code, parser.SkipObjectResolution); err == nil {
		b.WriteString(pos)
		b.WriteString(s.code)
		if !hasMain.MatchString(s.code) {
			b.WriteString(addedMain)
		}
		return b.String()
	}
	b.WriteString("func main() {\n")
	b.WriteString(pos)
	b.WriteString(s.code)
	b.WriteString("}\n")
	return b.String()
}

// TestSnippetsCompile writes every snippet as a package of one temporary
// module that requires nexo from this repository, and vets them all with
// one go vet call.
func TestSnippetsCompile(t *testing.T) {
	snippets := readSnippets(t)
	if len(snippets) == 0 {
		t.Fatal("no ```go snippet found in docs/*.md")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod := fmt.Sprintf("module nexodocs\n\ngo 1.26\n\nrequire github.com/nexogo/nexo v0.0.0\n\nreplace github.com/nexogo/nexo => %s\n", root)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	var tests []string // the packages of snippets that are tests
	for i, s := range snippets {
		name := strings.ReplaceAll(fmt.Sprintf("s%03d_%s", i, strings.TrimSuffix(filepath.Base(s.file), ".md")), "-", "_")
		pkg := filepath.Join(dir, name)
		if err := os.MkdirAll(pkg, 0o755); err != nil {
			t.Fatal(err)
		}
		file, code := "main.go", program(s)
		if isTest(s) {
			// A test goes into a _test.go file, beside a main.go of its own,
			// and is run below.
			file, code = "main_test.go", strings.TrimSuffix(code, addedMain)
			if err := os.WriteFile(filepath.Join(pkg, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			tests = append(tests, "./"+name)
		}
		if err := os.WriteFile(filepath.Join(pkg, file), []byte(code), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The module cache already holds nexo's dependencies: never reach the
	// network, and let go add the requirements the snippets need.
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	cmd := exec.Command(goBin, "vet", "./...")
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go vet of %d snippets: %v\n%s", len(snippets), err, out)
	}
	t.Logf("%d snippets compiled and vetted", len(snippets))
	if len(tests) == 0 {
		t.Fatal("no snippet is a test: testing.md's are expected to be")
	}
	cmd = exec.Command(goBin, append([]string{"test", "-count=1"}, tests...)...)
	cmd.Dir, cmd.Env = dir, env
	out, err = cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test of the %d snippets that are tests: %v\n%s", len(tests), err, out)
	}
	t.Logf("%d snippets that are tests pass:\n%s", len(tests), out)
}

// testFunc matches the declaration of a test, or of TestMain.
var testFunc = regexp.MustCompile(`(?m)^func Test\w*\(\w+ \*testing\.[TM]\)`)

// isTest reports whether a snippet declares tests, to be run as such.
func isTest(s snippet) bool { return testFunc.MatchString(s.code) }

// addedMain is what program appends to declarations without a main.
const addedMain = "\nfunc main() {}\n"

// proseName matches a qualified Go name in the text of a page:
// ws.WithOrigins, channels.NewGroup, ws.Router.Use.
var proseName = regexp.MustCompile(`\b(nexo|ws|channels|metrics|middleware|nexotest|redisbroker|natsbroker|brokertest|client|jwtauth|tracing)\.([A-Z]\w*)(?:\.([A-Z]\w*))?`)

// codeSpan matches an inline `code span` of Markdown.
var codeSpan = regexp.MustCompile("`[^`\n]+`")

// TestProseNamesExist checks every qualified name that the pages mention
// in a code span outside the Go blocks (the tables of coming-from.md, the
// lists of options): the package must export it, and a Type.Member must
// be a field or method of that type. A renamed option or function then
// fails here, not in a reader's editor.
func TestProseNamesExist(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	paths := make(map[string]string) // short name -> import path
	for name, path := range knownImports {
		if strings.HasPrefix(path, "github.com/nexogo/nexo") {
			paths[name] = path
		}
	}
	paths["client"] = "github.com/nexogo/nexo/client"
	args := []string{"list", "-deps", "-export", "-f", "{{.ImportPath}}\t{{.Export}}"}
	for _, p := range paths {
		args = append(args, p)
	}
	cmd := exec.Command(goBin, args...)
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -export: %v", err)
	}
	exports := make(map[string]string)
	for line := range strings.Lines(string(out)) {
		if path, file, ok := strings.Cut(strings.TrimSpace(line), "\t"); ok && file != "" {
			exports[path] = file
		}
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	})

	pages, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, page := range pages {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		inBlock := false
		for n, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "```") {
				inBlock = !inBlock
				continue
			}
			if inBlock {
				continue
			}
			for _, span := range codeSpan.FindAllString(line, -1) {
				for _, m := range proseName.FindAllStringSubmatch(span, -1) {
					checked++
					if err := lookupName(imp, paths[m[1]], m[2], m[3]); err != nil {
						t.Errorf("%s:%d: %s: %v", page, n+1, m[0], err)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no qualified name found in the pages")
	}
	t.Logf("%d names in code spans checked", checked)
}

// lookupName reports whether package path exports name and, when member
// is not empty, whether that is a field or method of the type name.
func lookupName(imp types.Importer, path, name, member string) error {
	pkg, err := imp.Import(path)
	if err != nil {
		return err
	}
	obj := pkg.Scope().Lookup(name)
	if obj == nil || !obj.Exported() {
		return fmt.Errorf("%s exports no %s", path, name)
	}
	if member == "" {
		return nil
	}
	tn, ok := obj.(*types.TypeName)
	if !ok {
		return fmt.Errorf("%s is not a type, so it has no member %s", name, member)
	}
	if m, _, _ := types.LookupFieldOrMethod(types.NewPointer(tn.Type()), true, pkg, member); m == nil {
		return fmt.Errorf("%s has no field or method %s", name, member)
	}
	return nil
}

// TestSnapshotExample decodes the JSON example of operations.md into a
// nexo.Snapshot, refusing unknown fields, and checks that encoding it back
// gives the same document: the example shows every field of what
// IntrospectHandler serves, under its real name.
func TestSnapshotExample(t *testing.T) {
	b, err := os.ReadFile("operations.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n```json\n")
	example, _, ok2 := strings.Cut(rest, "\n```\n")
	if !ok || !ok2 {
		t.Fatal("operations.md has no ```json block")
	}
	dec := json.NewDecoder(strings.NewReader(example))
	dec.DisallowUnknownFields()
	var snap nexo.Snapshot
	if err := dec.Decode(&snap); err != nil {
		t.Fatalf("operations.md's example is no nexo.Snapshot: %v", err)
	}
	again, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	var want, got any
	if err := json.Unmarshal([]byte(example), &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(again, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("operations.md's example and the Snapshot it decodes to differ:\nexample  %s\nsnapshot %s", example, again)
	}
}
