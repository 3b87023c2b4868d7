package metrics_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/nexogo/nexo/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// fqName reads the metric name out of a Desc's String.
var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

// exported returns the name of every metric a Metrics describes or its
// registry gathers, the Go runtime and process collectors left out.
func exported(t *testing.T) []string {
	t.Helper()
	m := metrics.New(metrics.WithoutRuntimeMetrics())
	names := map[string]bool{}
	ch := make(chan *prometheus.Desc)
	go func() { m.Describe(ch); close(ch) }()
	for d := range ch {
		if s := fqName.FindStringSubmatch(d.String()); s != nil {
			names[s[1]] = true
		}
	}
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		names[f.GetName()] = true
	}
	var out []string
	for n := range names {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// TestOperationsPageListsEveryMetric checks the table of docs/operations.md
// and the list of the package doc against what the package exports, both
// ways, and that every metric the page's queries use exists: a metric
// renamed, added or dropped without its documentation fails here.
func TestOperationsPageListsEveryMetric(t *testing.T) {
	have := exported(t)
	if len(have) < 20 {
		t.Fatalf("only %d metrics exported: %v", len(have), have)
	}
	page, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `(nexo_\\w+)` \\|")
	listed := regexp.MustCompile(`(?m)^//\s+(nexo_\w+)`)
	for _, src := range []struct {
		name  string
		names []string
	}{
		{"docs/operations.md's table", matches(row, string(page))},
		{"the package doc", matches(listed, string(doc))},
	} {
		for _, n := range have {
			if !slices.Contains(src.names, n) {
				t.Errorf("%s lacks %s", src.name, n)
			}
		}
		for _, n := range src.names {
			if !slices.Contains(have, n) {
				t.Errorf("%s lists %s, which the package does not export", src.name, n)
			}
		}
	}
	t.Logf("%d metrics exported, listed in both", len(have))
	// Names anywhere else on the page (queries, alerts, prose), with the
	// suffixes Prometheus adds to a histogram's series.
	for _, n := range regexp.MustCompile(`\bnexo_\w+`).FindAllString(string(page), -1) {
		base := n
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if b, ok := strings.CutSuffix(n, suffix); ok && slices.Contains(have, b) {
				base = b
			}
		}
		if !slices.Contains(have, base) {
			t.Errorf("docs/operations.md uses %s, which the package does not export", n)
		}
	}
}

func matches(re *regexp.Regexp, s string) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}
