package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
)

// report reads RESULT lines (or bare JSON lines) from the files and prints
// one Markdown table per scenario: medians over rounds, with min–max, and
// ratios to bun (the two-instance scenario: to the in-process nexo-join),
// taken round by round and then the median, and to the best peer (the best contender that is not nexo). Every round
// counts, failed runs included: the report never picks a round.
func report(files []string) error {
	d, err := loadResults(files)
	if err != nil {
		return err
	}
	for _, sc := range d.order {
		fmt.Printf("\n### %s\n\n", sc)
		if strings.HasPrefix(sc, "idle") {
			idleTable(d.byKey[sc], d.impls[sc])
		} else {
			rateTable(sc, d.byKey[sc], d.impls[sc])
		}
	}
	return nil
}

// dataset is a results file grouped by scenario and contender, in the order
// they first appear.
type dataset struct {
	order []string
	byKey map[string]map[string][]Result
	impls map[string][]string
}

func loadResults(files []string) (*dataset, error) {
	if len(files) == 0 {
		return nil, errors.New("no result file")
	}
	d := &dataset{byKey: map[string]map[string][]Result{}, impls: map[string][]string{}}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := strings.TrimPrefix(strings.TrimSpace(sc.Text()), "RESULT ")
			if !strings.HasPrefix(line, "{") {
				continue
			}
			var r Result
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				continue
			}
			if d.byKey[r.Scenario] == nil {
				d.byKey[r.Scenario] = map[string][]Result{}
				d.order = append(d.order, r.Scenario)
			}
			if d.byKey[r.Scenario][r.Impl] == nil {
				d.impls[r.Scenario] = append(d.impls[r.Scenario], r.Impl)
			}
			d.byKey[r.Scenario][r.Impl] = append(d.byKey[r.Scenario][r.Impl], r)
		}
		f.Close()
	}
	return d, nil
}

func isNexo(impl string) bool { return strings.HasPrefix(impl, "nexo") }

type stat struct{ med, lo, hi float64 }

func stats(rs []Result, f func(Result) float64) stat {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	n := len(v)
	med := v[n/2]
	if n%2 == 0 {
		med = (v[n/2-1] + v[n/2]) / 2
	}
	return stat{med, v[0], v[n-1]}
}

func (s stat) rng(format string) string {
	return fmt.Sprintf(format+"–"+format, s.lo, s.hi)
}

// refFor is the contender a scenario's ratios are taken against: bun,
// whose targets issue 24 sets, or for the two-instance scenario the
// in-process nexo-join of the same run.
func refFor(sc string, impls []string) string {
	want := "bun"
	if strings.Contains(sc, "instances") {
		want = "nexo-join"
	}
	if slices.Contains(impls, want) {
		return want
	}
	return ""
}

func rateTable(sc string, rs map[string][]Result, impls []string) {
	unit := "deliveries/s"
	if strings.HasPrefix(sc, "echo") {
		unit = "round trips/s"
	}
	bestRate, bestP99 := 0.0, 0.0
	for _, im := range impls {
		if isNexo(im) {
			continue
		}
		r := stats(rs[im], func(r Result) float64 { return r.Rate }).med
		p := stats(rs[im], func(r Result) float64 { return r.P99us }).med
		if r > bestRate {
			bestRate = r
		}
		if bestP99 == 0 || (p > 0 && p < bestP99) {
			bestP99 = p
		}
	}
	ref := refFor(sc, impls)
	refName := ref
	if refName == "" {
		refName = "bun"
	}
	fmt.Printf("| contender | runs | %s median | min–max | p50 µs | p99 µs | server CPU µs/op | client CPU µs/op | msgs/frame | late | lost | dropped conns | failed runs | rate × %s (per round) | CPU/op × %s (per round) | p99 × %s (per round) | rate × best peer | p99 × best peer |\n", unit, refName, refName, refName)
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, im := range impls {
		x := rs[im]
		rate := stats(x, func(r Result) float64 { return r.Rate })
		p50 := stats(x, func(r Result) float64 { return r.P50us })
		p99 := stats(x, func(r Result) float64 { return r.P99us })
		cpu := stats(x, func(r Result) float64 { return r.CPUus })
		ccpu := stats(x, func(r Result) float64 { return r.ClientUs })
		late := stats(x, func(r Result) float64 { return r.Late * 100 })
		loss := stats(x, func(r Result) float64 { return r.Loss * 100 })
		drops := stats(x, func(r Result) float64 { return float64(r.Dropped) })
		failed := 0
		for _, r := range x {
			if r.Failed != "" {
				failed++
			}
		}
		perFrame := "–"
		if pf := stats(x, func(r Result) float64 { return r.PerFrame }); pf.med > 0 {
			perFrame = fmt.Sprintf("%.2f", pf.med)
		}
		fmt.Printf("| %s | %d | %.0f | %s | %.0f | %.0f | %.2f | %.2f | %s | %.1f%% | %.2f%% | %.0f | %d | %s | %s | %s | %s | %s |\n",
			im, len(x), rate.med, rate.rng("%.0f"), p50.med, p99.med, cpu.med, ccpu.med, perFrame, late.med, loss.med, drops.med, failed,
			paired(x, rs[ref], func(r Result) float64 { return r.Rate }),
			paired(x, rs[ref], func(r Result) float64 { return r.CPUus }),
			paired(x, rs[ref], func(r Result) float64 { return r.P99us }),
			ratio(rate.med, bestRate), ratio(p99.med, bestP99))
	}
}

func idleTable(rs map[string][]Result, impls []string) {
	rssOf := func(im string) float64 {
		if x, ok := rs[im]; ok {
			return stats(x, func(r Result) float64 { return r.RSSPer }).med
		}
		return 0
	}
	bun, gws := rssOf("bun"), rssOf("gws")
	fmt.Println("| contender | runs | RSS B/conn median | min–max | heap+stacks B/conn median | min–max | goroutines/conn | RSS × bun | RSS × gws |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, im := range impls {
		x := rs[im]
		rss := stats(x, func(r Result) float64 { return r.RSSPer })
		heap := stats(x, func(r Result) float64 { return r.HeapPer })
		gor := stats(x, func(r Result) float64 { return r.GorPer })
		fmt.Printf("| %s | %d | %.0f | %s | %.0f | %s | %.1f | %s | %s |\n",
			im, len(x), rss.med, rss.rng("%.0f"), heap.med, heap.rng("%.0f"), gor.med, ratio(rss.med, bun), ratio(rss.med, gws))
	}
}

// paired is the median over rounds of f(contender) ÷ f(reference) taken in
// the same round, with min–max: runs of one round are adjacent in time, so
// the ratio carries less of a shared machine's drift than a ratio of
// medians does. Rounds where either side failed or is zero are left out.
func paired(x, ref []Result, f func(Result) float64) string {
	byRound := map[int]Result{}
	for _, r := range ref {
		if r.Failed == "" {
			byRound[r.Round] = r
		}
	}
	var v []Result
	for _, r := range x {
		b, ok := byRound[r.Round]
		if !ok || r.Failed != "" || f(b) == 0 || f(r) == 0 {
			continue
		}
		v = append(v, Result{Rate: f(r) / f(b)})
	}
	if len(v) == 0 {
		return "–"
	}
	st := stats(v, func(r Result) float64 { return r.Rate })
	if st.lo == st.hi {
		return fmt.Sprintf("%.2f", st.med)
	}
	return fmt.Sprintf("%.2f (%.2f–%.2f)", st.med, st.lo, st.hi)
}

func ratio(v, ref float64) string {
	if ref == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", v/ref)
}
