//go:build linux

package main

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Two small chart kinds, written as SVG by hand: a line chart over
// categories (connection counts) and a horizontal bar chart. No library:
// the charts are simple and the output must be stable and reviewable.

// palette is distinguishable on white and in greyscale order.
var palette = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
	"#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#000000"}

// series is one line of a line chart; NaN marks a missing point.
type series struct {
	name string
	ys   []float64
	dash bool
}

// lineChart draws series over the categories xs, with a y axis from 0 (or a
// log y axis when logY), and a legend on the right.
func lineChart(title, xTitle, yTitle string, xs []string, ss []series, logY bool) string {
	const w, h, left, right, top, bottom = 760, 420, 70, 190, 40, 50
	pw, ph := float64(w-left-right), float64(h-top-bottom)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for _, y := range s.ys {
			if !math.IsNaN(y) && y > 0 {
				lo, hi = math.Min(lo, y), math.Max(hi, y)
			}
		}
	}
	if math.IsInf(hi, -1) {
		lo, hi = 1, 10
	}
	var ticks []float64
	var yOf func(float64) float64
	if logY {
		lo, hi = math.Pow(10, math.Floor(math.Log10(lo))), math.Pow(10, math.Ceil(math.Log10(hi)))
		if lo == hi {
			hi *= 10
		}
		for t := lo; t <= hi*1.0001; t *= 10 {
			ticks = append(ticks, t)
		}
		yOf = func(v float64) float64 {
			return top + ph - ph*(math.Log10(v)-math.Log10(lo))/(math.Log10(hi)-math.Log10(lo))
		}
	} else {
		step := niceStep(hi / 5)
		hi = math.Ceil(hi/step) * step
		for t := 0.0; t <= hi*1.0001; t += step {
			ticks = append(ticks, t)
		}
		yOf = func(v float64) float64 { return top + ph - ph*v/hi }
	}
	xOf := func(i int) float64 {
		if len(xs) == 1 {
			return left + pw/2
		}
		return left + pw*float64(i)/float64(len(xs)-1)
	}

	var b strings.Builder
	header(&b, w, h, title)
	for _, t := range ticks {
		y := yOf(t)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", left, y, left+pw, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" font-size="11">%s</text>`+"\n", left-6, y+4, short(t))
	}
	for i, x := range xs {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" font-size="11">%s</text>`+"\n", xOf(i), h-bottom+16, html.EscapeString(x))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" font-size="12">%s</text>`+"\n", left+pw/2, h-12, html.EscapeString(xTitle))
	fmt.Fprintf(&b, `<text x="16" y="%.1f" text-anchor="middle" font-size="12" transform="rotate(-90 16 %.1f)">%s</text>`+"\n", top+ph/2, top+ph/2, html.EscapeString(yTitle))
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%.1f" fill="none" stroke="#888"/>`+"\n", left, top, pw, ph)
	for k, s := range ss {
		color := palette[k%len(palette)]
		dash := ""
		if s.dash {
			dash = ` stroke-dasharray="6 3"`
		}
		var pts []string
		flush := func() {
			if len(pts) > 1 {
				fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`+"\n", color, dash, strings.Join(pts, " "))
			}
			pts = pts[:0]
		}
		for i, y := range s.ys {
			if math.IsNaN(y) || (logY && y <= 0) {
				flush()
				continue
			}
			px, py := xOf(i), yOf(y)
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px, py))
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s: %s</title></circle>`+"\n", px, py, color, html.EscapeString(s.name), short(y))
		}
		flush()
		ly := top + 14 + 18*k
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s/>`+"\n", w-right+14, ly-4, w-right+38, ly-4, color, dash)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12">%s</text>`+"\n", w-right+44, ly, html.EscapeString(s.name))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// bar is one bar of a bar chart.
type bar struct {
	label string
	value float64
	text  string // printed after the bar
}

// barChart draws horizontal bars, on a log scale when logX (for values
// that span orders of magnitude, like memory per connection).
func barChart(title, xTitle string, bars []bar, logX bool) string {
	const w, left, right, top, rowH = 760, 150, 110, 40, 24
	h := top + rowH*len(bars) + 50
	pw := float64(w - left - right)
	lo, hi := math.Inf(1), 0.0
	for _, r := range bars {
		if r.value > 0 {
			lo, hi = math.Min(lo, r.value), math.Max(hi, r.value)
		}
	}
	if hi == 0 {
		lo, hi = 1, 10
	}
	xOf := func(v float64) float64 { return pw * v / hi }
	var ticks []float64
	if logX {
		lo = math.Pow(10, math.Floor(math.Log10(lo)))
		hi = math.Pow(10, math.Ceil(math.Log10(hi)))
		if lo == hi {
			lo /= 10
		}
		for t := lo; t <= hi*1.0001; t *= 10 {
			ticks = append(ticks, t)
		}
		xOf = func(v float64) float64 {
			if v <= lo {
				return 0
			}
			return pw * (math.Log10(v) - math.Log10(lo)) / (math.Log10(hi) - math.Log10(lo))
		}
	} else {
		step := niceStep(hi / 5)
		hi = math.Ceil(hi/step) * step
		for t := 0.0; t <= hi*1.0001; t += step {
			ticks = append(ticks, t)
		}
	}
	var b strings.Builder
	header(&b, w, h, title)
	bottom := float64(top + rowH*len(bars))
	for _, t := range ticks {
		x := left + xOf(t)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", x, top, x, bottom)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="11">%s</text>`+"\n", x, bottom+16, short(t))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="12">%s</text>`+"\n", left+pw/2, bottom+36, html.EscapeString(xTitle))
	for i, r := range bars {
		y := top + rowH*i
		width := math.Max(xOf(r.value), 1)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="12">%s</text>`+"\n", left-8, y+16, html.EscapeString(r.label))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s</title></rect>`+"\n", left, y+4, width, rowH-8, palette[i%len(palette)], html.EscapeString(r.text))
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11">%s</text>`+"\n", left+width+6, y+16, html.EscapeString(r.text))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func header(b *strings.Builder, w, h int, title string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif">`+"\n", w, h, w, h)
	fmt.Fprintf(b, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	fmt.Fprintf(b, `<text x="%d" y="24" text-anchor="middle" font-size="15" font-weight="bold">%s</text>`+"\n", w/2, html.EscapeString(title))
}

// niceStep rounds x up to 1, 2 or 5 times a power of ten.
func niceStep(x float64) float64 {
	if x <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

// short formats an axis value: 750, 12k, 1.5M, 0.3.
func short(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return trim(fmt.Sprintf("%.1f", v/1e6)) + "M"
	case a >= 1e3:
		return trim(fmt.Sprintf("%.1f", v/1e3)) + "k"
	case a >= 1 || a == 0:
		return trim(fmt.Sprintf("%.1f", v))
	}
	return trim(fmt.Sprintf("%.2f", v))
}

func trim(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
