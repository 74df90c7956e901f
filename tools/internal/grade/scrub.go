package grade

import (
	"regexp"
	"strconv"
)

// scrub takes out of a verdict's messages what differs from one run to the
// next whatever the server does: process IDs, the port the kit chose for
// the server, the clients' ephemeral ports, and how long an exchange took
// (the "received: … after 4ms" of probe.Exchange; the suite's own output
// in logs/NAME.log keeps it). With them left in, two runs
// with the same outcomes (one machine, or shards merged) would write
// different grade.json, junit.xml, report.html and results.json. A port the
// manifest fixes (fixed, 0 if none) stays: it is the student's, and the
// same every run.
func scrub(v *Verdict, fixed int) {
	for _, m := range []map[string]string{v.Why, v.Detail, v.Skip} {
		for id, text := range m {
			m[id] = scrubText(text, fixed)
		}
	}
	if fixed == 0 { // worded as Reason words it in grades.csv and summary.md
		v.Reason = portNumber.ReplaceAllString(v.Reason, "the port the kit chose")
	}
	v.Reason = scrubText(v.Reason, fixed)
}

var (
	hostPort = regexp.MustCompile(`(\b\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):(\d{1,5})\b`)
	portWord = regexp.MustCompile(`\b(port )(\d{1,5})\b`)
	tookLine = regexp.MustCompile(`(?m)^(\s+received: .*) after [0-9.]+(?:ns|µs|us|ms|s|m|h)(?:[0-9.]+(?:ms|s|m))*$`)
)

func scrubText(s string, fixed int) string {
	s = pidNumber.ReplaceAllString(s, "${1}{pid}")
	s = tookLine.ReplaceAllString(s, "$1")
	keep := strconv.Itoa(fixed)
	for _, r := range []struct {
		re   *regexp.Regexp
		with string
	}{{hostPort, "${1}:{port}"}, {portWord, "${1}{port}"}} {
		s = r.re.ReplaceAllStringFunc(s, func(m string) string {
			if fixed != 0 && r.re.FindStringSubmatch(m)[2] == keep {
				return m
			}
			return r.re.ReplaceAllString(m, r.with)
		})
	}
	return s
}
