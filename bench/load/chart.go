package main

import (
	"flag"
	"fmt"
	"html"
	"io"
	"os"
	"strings"
)

// chart writes an SVG bar chart of a results file: one panel per scenario,
// one bar per contender, the median with a whisker for min–max. Fan-out and
// echo panels show messages per second (longer is better), the paced fan-out
// p99 latency and idle panels RSS bytes per connection (shorter is better). nexo's bars are drawn in a
// different colour.
func chart(args []string) error {
	fs := flag.NewFlagSet("chart", flag.ExitOnError)
	out := fs.String("o", "chart.svg", "output file")
	fs.Parse(args)
	d, err := loadResults(fs.Args())
	if err != nil {
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	defer f.Close()
	writeSVG(f, d)
	return f.Close()
}

func writeSVG(w io.Writer, d *dataset) {
	const (
		width  = 860
		left   = 150 // contender labels
		right  = 150 // value labels
		barH   = 14
		gap    = 4
		titleH = 26
		padB   = 12
	)
	plotW := float64(width - left - right)
	height := 10
	for _, sc := range d.order {
		height += titleH + len(d.impls[sc])*(barH+gap) + padB
	}
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n", width, height)
	fmt.Fprintf(w, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	y := 10
	for _, sc := range d.order {
		idle := strings.HasPrefix(sc, "idle")
		metric := func(r Result) float64 { return r.Rate }
		unit, dir := "/s", "longer is better"
		format := human
		switch {
		case idle:
			metric = func(r Result) float64 { return r.RSSPer }
			unit, dir = " B/conn RSS", "shorter is better"
		case strings.Contains(sc, "paced"):
			metric = func(r Result) float64 { return r.P99us / 1000 }
			unit, dir = " ms p99", "p99 latency, shorter is better"
			format = func(v float64) string { return fmt.Sprintf("%.1f", v) }
		}
		max := 0.0
		for _, im := range d.impls[sc] {
			if s := stats(d.byKey[sc][im], metric); s.hi > max {
				max = s.hi
			}
		}
		if max == 0 {
			max = 1
		}
		fmt.Fprintf(w, `<text x="4" y="%d" font-weight="bold" font-size="13">%s <tspan font-weight="normal" font-size="11" fill="#555">(%s)</tspan></text>`+"\n",
			y+16, html.EscapeString(sc), dir)
		y += titleH
		for _, im := range d.impls[sc] {
			s := stats(d.byKey[sc][im], metric)
			colour := "#8fa8c8"
			if isNexo(im) {
				colour = "#e07b39"
			}
			bw := s.med / max * plotW
			fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-6, y+barH-3, html.EscapeString(im))
			fmt.Fprintf(w, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", left, y, bw, barH, colour)
			lo, hi := float64(left)+s.lo/max*plotW, float64(left)+s.hi/max*plotW
			fmt.Fprintf(w, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#333"/>`+"\n", lo, hi, y+barH/2, y+barH/2)
			fmt.Fprintf(w, `<text x="%d" y="%d">%s%s</text>`+"\n", width-right+6, y+barH-3, format(s.med), unit)
			y += barH + gap
		}
		y += padB
	}
	fmt.Fprintln(w, `</svg>`)
}

// human formats v with a k or M suffix.
func human(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}
