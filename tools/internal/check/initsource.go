package check

import (
	"regexp"
	"strconv"
	"strings"
)

// What init reads in a server's source beyond its model: a port it binds
// whatever it is given, and a greeting it sends on every connection. Both
// are guesses from the text, each pattern one way the tutorial's servers
// and the usual examples write it; a wrong guess is a line of the
// manifest the student reads and corrects, a missed one costs nothing
// more than before (the suite names both causes when it meets them).

// portPatterns find a literal port bound or listened on, the first match
// winning.
var portPatterns = []*regexp.Regexp{
	// Python: bind(('', 9090)), server_address = ('127.0.0.1', 1559), BaseServer('127.0.0.1', 5002)
	regexp.MustCompile(`\(\s*['"](?:|localhost|0\.0\.0\.0|::|[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+)['"]\s*,\s*([0-9]{2,5})\s*\)`),
	// C: htons(9090)
	regexp.MustCompile(`\bhtons\s*\(\s*([0-9]{2,5})\s*\)`),
	// Go, Rust: ":9090", "127.0.0.1:9090", "0.0.0.0:9090"
	regexp.MustCompile(`"(?:localhost|[0-9.]*|\[::\])?:([0-9]{2,5})"`),
	// Node, Java: .listen(9090), new ServerSocket(9090), new InetSocketAddress(9090)
	regexp.MustCompile(`(?:\.listen|ServerSocket|InetSocketAddress)\s*\(\s*(?:"[^"]*"\s*,\s*)?([0-9]{2,5})\s*[,)]`),
}

// cPortMacro is C's "#define PORT 9090", for htons(PORT).
var (
	cDefine    = regexp.MustCompile(`(?m)^\s*#\s*define\s+([A-Za-z_]\w*)\s+([0-9]{2,5})\b`)
	htonsNamed = regexp.MustCompile(`\bhtons\s*\(\s*([A-Za-z_]\w*)\s*\)`)
)

// readsPort matches a source that takes its port from its arguments or
// environment: a literal port there is only a default.
var readsPort = regexp.MustCompile(`\bsys\.argv\b|\bos\.environ\b|\bgetenv\b|\bos\.Args\b|\bos\.Getenv\b|\bprocess\.argv\b|\bprocess\.env\b|\bargv\s*\[|\bargs\s*\[|env::args|env::var|Integer\.parseInt\(\s*args`)

// fixedPort is the port the source binds whatever it is given, or 0 if
// it binds none that init can see, or reads its port from its arguments
// or environment.
func fixedPort(src string) int {
	if readsPort.MatchString(src) {
		return 0
	}
	for _, re := range portPatterns {
		if m := re.FindStringSubmatch(src); m != nil {
			if p, err := strconv.Atoi(m[1]); err == nil && p > 0 && p < 65536 {
				return p
			}
		}
	}
	if m := htonsNamed.FindStringSubmatch(src); m != nil {
		for _, d := range cDefine.FindAllStringSubmatch(src, -1) {
			if p, err := strconv.Atoi(d[2]); d[1] == m[1] && err == nil && p > 0 && p < 65536 {
				return p
			}
		}
	}
	return 0
}

// greetingWindow is how many lines after accepting a connection init
// looks for a greeting, before the first read.
const greetingWindow = 12

var (
	// acceptLine marks where a server takes a new connection.
	acceptLine = regexp.MustCompile(`\baccept\s*\(|\.Accept\s*\(|createServer\s*\(`)
	// readLine marks its first read from the client: a greeting comes
	// before it.
	readLine = regexp.MustCompile(`\brecv(?:_into|from)?\s*\(|\bread\s*\(|\.Read\s*\(|\.on\(\s*['"]data['"]|readLine\s*\(|\.read\s*\(`)
	// sendCall is a write to the connection: a method of the socket, or
	// C's send(fd, ...) and write(fd, ...). Printing to the console is
	// not one.
	sendCall = regexp.MustCompile(`\.\s*(?:sendall|send|write|Write|WriteString|writeBytes|println|print)\s*\(|\b(?:send|write)\s*\(\s*\w+\s*,`)
	console  = regexp.MustCompile(`System\.(?:out|err)|console\.|sys\.std(?:out|err)|std::|fmt\.Print|os\.Std`)
	// A string literal: double- or single-quoted, maybe Python's b"".
	doubleQuoted = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)
	singleQuoted = regexp.MustCompile(`'((?:[^'\\]|\\.)*)'`)
)

// greetingSent is what the source sends on a connection right after
// accepting it, before reading from it, when that is a string literal
// ("hello" from the tutorial's conn.sendall(bytes('hello', ...))); "" if
// init sees none.
func greetingSent(src string) string {
	lines := strings.Split(src, "\n")
	for i, line := range lines {
		if !acceptLine.MatchString(line) {
			continue
		}
		for _, l := range lines[i+1 : min(len(lines), i+1+greetingWindow)] {
			code := stripComment(l)
			if readLine.MatchString(code) {
				break
			}
			if !sendCall.MatchString(code) || console.MatchString(code) {
				continue
			}
			if s, ok := literal(code[sendCall.FindStringIndex(code)[0]:]); ok {
				if strings.Contains(code, "println(") {
					s += "\n"
				}
				return s
			}
		}
	}
	return ""
}

// stripComment drops a line's # or // comment, roughly: enough that a
// commented-out send is not taken for one.
func stripComment(line string) string {
	t := strings.TrimSpace(line)
	if strings.HasPrefix(t, "#") || strings.HasPrefix(t, "//") {
		return ""
	}
	return line
}

// literal is the first string literal of code, unescaped.
func literal(code string) (string, bool) {
	d, s := doubleQuoted.FindStringSubmatchIndex(code), singleQuoted.FindStringSubmatchIndex(code)
	var body string
	switch {
	case d != nil && (s == nil || d[0] < s[0]):
		body = code[d[2]:d[3]]
	case s != nil:
		body = strings.ReplaceAll(code[s[2]:s[3]], `\'`, `'`)
		body = strings.ReplaceAll(body, `"`, `\"`)
	default:
		return "", false
	}
	out, err := strconv.Unquote(`"` + body + `"`)
	if err != nil || out == "" {
		return "", false
	}
	return out, true
}
