package portability

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// systems are the GOOS/GOARCH pairs every package, tests included, must
// compile for. Linux/amd64 is the test run itself.
var systems = []struct{ goos, goarch string }{
	{"windows", "amd64"},
	{"darwin", "arm64"},
	{"freebsd", "amd64"},
	{"linux", "arm64"},
}

// TestBuildsOnOtherSystems vets the whole module (which compiles every
// package and its tests) for each of systems. The fast socket paths are
// Linux-only; elsewhere nexo must fall back, not fail to build.
func TestBuildsOnOtherSystems(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles the module: not in -short")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range systems {
		t.Run(s.goos+"-"+s.goarch, func(t *testing.T) {
			cmd := exec.Command(goBin, "vet", "./...")
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "GOOS="+s.goos, "GOARCH="+s.goarch, "CGO_ENABLED=0", "GOWORK=off")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("go vet ./... for %s/%s: %v\n%s", s.goos, s.goarch, err, out)
			}
		})
	}
}
