//go:build linux

package grade

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/echospec/echospec/launch"
)

const chromium = "/usr/bin/chromium"

// TestReportInABrowser renders report.html from canned grades, has
// Debian's chromium draw it headless and dump the DOM it built, checks
// the screenshot shows the table's colours, and reads the table back.
func TestReportInABrowser(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: %v; CI must install chromium (.ci/run does)", chromium, err)
		}
		t.Skipf("%s is not installed (apt-get install chromium); CI=true makes this a failure", chromium)
	}
	dir := t.TempDir()
	r := defaultRubricT(t)
	if err := writeAll(dir, r, canned(), ""); err != nil {
		t.Fatal(err)
	}
	page := "file://" + filepath.Join(dir, "report.html")
	flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
		"--user-data-dir=" + filepath.Join(dir, "profile"), "--window-size=1280,2000"}

	shot := filepath.Join(dir, "shot.png")
	runChromium(t, append(flags, "--screenshot="+shot, page)...)
	checkScreenshot(t, shot)

	dom := runChromium(t, append(flags, "--dump-dom", page)...)
	rows := readTable(t, dom)
	want := [][]string{
		{"submission", "model", "score", "echo", "life", "reset", "serial", "conc", "pool", "model", "idle", "proc", "cap"},
		{"alice", "multithread", "100 / 100", "✓ 5/5", "✓ 4/4", "✓ 4/4", "n.a.", "✓ 5/5", "n.a.", "✓ 1/1", "✓ 2/2", "✓ 2/2", "✓ 3/3"},
		{"bob", "multiplex, select", "92.86 / 100", "◐ 4/5", "✓ 4/4", "✓ 4/4", "n.a.", "✓ 5/5", "n.a.", "✓ 1/1", "✓ 2/2", "✓ 2/2", "✓ 4/4"},
		{"carol", "multithread, pool 4", "88.68 / 100", "✓ 5/5", "✓ 4/4", "✓ 4/4", "n.a.", "✓ 3/3", "✗ 0/1", "✗ 0/1", "✓ 2/2", "✓ 2/2", "n.a."},
		{"dave", "single", "100 / 100", "✓ 5/5", "✓ 4/4", "✓ 4/4", "✓ 4/4", "n.a.", "n.a.", "✓ 1/1", "✓ 1/1, 1 skipped", "✓ 2/2", "n.a."},
		{"erin", "single", "0 / 100", "✗ 0/5", "✗ 0/4", "✗ 0/4", "✗ 0/4", "n.a.", "n.a.", "✗ 0/1", "✗ 0/2", "✗ 0/2", "n.a."},
		{"frank", "", "0 / 100", "not run", "not run", "not run", "not run", "not run", "not run", "not run", "not run", "not run", "not run"},
	}
	if len(rows) != len(want) {
		t.Fatalf("the table read back from the browser has %d rows; want %d:\n%v", len(rows), len(want), rows)
	}
	for i := range want {
		if strings.Join(rows[i].text, " | ") != strings.Join(want[i], " | ") {
			t.Errorf("row %d in the browser:\n  %s\nwant\n  %s", i, strings.Join(rows[i].text, " | "), strings.Join(want[i], " | "))
		}
	}
	// Colour is never alone: each cell's class says what its mark says.
	for _, c := range []struct {
		row, col int
		class    string
	}{{2, 3, "part"}, {5, 3, "fail"}, {1, 6, "na"}, {1, 3, "pass"}, {4, 10, "pass"}, {4, 12, "na"}} {
		if got := rows[c.row].class[c.col]; !strings.Contains(got, c.class) {
			t.Errorf("row %d (%s) column %s has class %q; want %q", c.row, rows[c.row].text[0], want[0][c.col], got, c.class)
		}
	}
	if strings.Contains(string(dom), "<script") {
		t.Errorf("the DOM holds a script element: the canned stderr's <script> was not escaped")
	}
	if !strings.Contains(string(dom), "Traceback: BlockingIOError &amp; &lt;script&gt;") {
		t.Errorf("the DOM does not show bob's server output, escaped")
	}
	// The histogram's top bar, and what bob's one failure cost, as drawn;
	// the figures from the rubric, so that new weights do not break it.
	bob := explain(r, r.Grade(canned()[1]))
	for _, want := range []string{
		`<span class="range">90–100</span><span class="bar" style="width: 100%"></span><span class="n">3</span><span class="muted">alice, bob, dave</span>`,
		`<td class="pts">−` + bob.Losses[0].Points() + `</td>`,
		fmt.Sprintf(`Scored on <strong>%d</strong> properties; %d not counted (below). Points lost: %s, which is 100 minus the score.`, bob.Scored, bob.NotCountedIDs(), bob.Losses[0].Points()),
	} {
		if !strings.Contains(string(dom), want) {
			t.Errorf("the DOM lacks %s", want)
		}
	}
}

// runChromium runs chromium with args, bounded in time, in its own process
// group (its helpers included), and returns what it printed on stdout.
func runChromium(t *testing.T, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, args...)
	launch.OwnGroup(cmd)
	cmd.Cancel = func() error { return launch.SignalGroup(cmd.Process.Pid, os.Kill) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	_ = launch.SignalGroup(cmd.Process.Pid, os.Kill) // helpers it left behind
	if err != nil {
		t.Fatalf("chromium %s: %v (context: %v)\n%s", strings.Join(args, " "), err, ctx.Err(), tail(stderr.String(), 2000))
	}
	return stdout.Bytes()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// checkScreenshot checks the PNG is the window's size and shows the pass
// green and fail red of the table.
func checkScreenshot(t *testing.T, file string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 2000 {
		t.Errorf("screenshot is %dx%d; want the window, 1280x2000", b.Dx(), b.Dy())
	}
	near := func(c color.Color, r0, g0, b0 uint32) bool {
		r, g, b, _ := c.RGBA()
		d := func(a, b uint32) uint32 {
			a >>= 8
			if a > b {
				return a - b
			}
			return b - a
		}
		return d(r, r0) < 6 && d(g, g0) < 6 && d(b, b0) < 6
	}
	var green, red, other int
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y += 2 {
		for x := bounds.Min.X; x < bounds.Max.X; x += 2 {
			c := img.At(x, y)
			switch {
			case near(c, 0xd4, 0xf0, 0xd4):
				green++
			case near(c, 0xf6, 0xca, 0xca):
				red++
			default:
				other++
			}
		}
	}
	if green < 500 || red < 500 {
		t.Errorf("the screenshot has %d pass-green and %d fail-red samples; want the table's coloured cells drawn", green, red)
	}
}

type tableRow struct{ text, class []string }

// readTable reads table#grid out of the DOM chromium dumped: the text and
// class of every cell, row by row.
func readTable(t *testing.T, dom []byte) []tableRow {
	t.Helper()
	s := string(dom)
	i := strings.Index(s, `<table id="grid">`)
	j := strings.Index(s, "</table>")
	if i < 0 || j < i {
		t.Fatalf("no table#grid in the DOM:\n%s", tail(s, 3000))
	}
	d := xml.NewDecoder(strings.NewReader(s[i : j+len("</table>")]))
	d.Strict, d.AutoClose, d.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	var rows []tableRow
	var text *strings.Builder
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("reading the table: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			switch x.Name.Local {
			case "tr":
				rows = append(rows, tableRow{})
			case "td", "th":
				text = new(strings.Builder)
				class := ""
				for _, a := range x.Attr {
					if a.Name.Local == "class" {
						class = a.Value
					}
				}
				r := &rows[len(rows)-1]
				r.class = append(r.class, class)
			}
		case xml.CharData:
			if text != nil {
				text.Write(x)
			}
		case xml.EndElement:
			if (x.Name.Local == "td" || x.Name.Local == "th") && text != nil {
				r := &rows[len(rows)-1]
				r.text = append(r.text, strings.Join(strings.Fields(text.String()), " "))
				text = nil
			}
		}
	}
	return rows
}
