// Package jscheck runs the JavaScript tools of nexo's contract tests: the
// AsyncAPI schema and parser check, and tsc. They are installed by npm in
// asyncapi/testdata/js (.ci/run does it); without node or that install a
// test is skipped, or failed when NEXO_REQUIRE_SERVICES=1 (as in CI).
package jscheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/nexogo/nexo/internal/servicetest"
)

// Dir returns the directory of the JavaScript tools, or skips t.
func Dir(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("jscheck: no source path")
	}
	dir := filepath.Join(filepath.Dir(file), "..", "..", "asyncapi", "testdata", "js")
	if _, err := exec.LookPath("node"); err != nil {
		servicetest.Unavailable(t, "node is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@asyncapi", "parser")); err != nil {
		servicetest.Unavailable(t, "the JavaScript tools are not installed: run npm install in "+dir)
	}
	return dir
}

// ValidateAsyncAPI checks the AsyncAPI document at path against the
// official AsyncAPI 3.0 JSON Schema and with the AsyncAPI parser, failing
// t when either refuses it. It returns what the parser read (one line per
// channel).
func ValidateAsyncAPI(t testing.TB, path string) string {
	t.Helper()
	out, err := CheckAsyncAPI(t, path)
	if err != nil {
		t.Fatalf("AsyncAPI document %s refused: %v\n%s", path, err, out)
	}
	return out
}

// CheckAsyncAPI is ValidateAsyncAPI returning the refusal as an error.
func CheckAsyncAPI(t testing.TB, path string) (string, error) {
	t.Helper()
	dir := Dir(t)
	out, err := exec.Command("node", filepath.Join(dir, "validate.mjs"), path).CombinedOutput()
	return string(out), err
}

// Tsc runs tsc --noEmit with the tsconfig.json of project (a directory)
// and returns its output (file(line,col): error TSn: ..., paths relative
// to project) and whether it passed.
func Tsc(t testing.TB, project string) (string, bool) {
	t.Helper()
	dir := Dir(t)
	cmd := exec.Command("node", filepath.Join(dir, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "--pretty", "false", "-p", ".")
	cmd.Dir = project // errors name files relative to it
	out, err := cmd.CombinedOutput()
	if _, exit := err.(*exec.ExitError); err != nil && !exit {
		t.Fatalf("tsc: %v", err)
	}
	return string(out), err == nil
}
