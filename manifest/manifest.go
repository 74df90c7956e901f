// Package manifest reads echospec.toml manifests: the description of one
// server under test (how to build it, how to start it, which concurrency
// model it claims) and, for fixtures, the verdict the kit must reach on it.
//
// Every error names the manifest file, the key at fault and what to change,
// so a student can fix a broken manifest without reading this code.
package manifest

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/echospec/echospec/props"
	"github.com/echospec/echospec/rlimit"
)

// FileName is the name of a manifest inside a server's folder.
const FileName = "echospec.toml"

// Models are the concurrency models of the tutorial, in its order: the
// catalogue's list, which says what each property applies to.
var Models = props.Models

// Mechanisms are the mechanisms a multiplexing server may declare: the
// readiness calls, and io_uring (Linux 5.1+), where the loop submits its
// I/O and waits for completions in io_uring_enter.
var Mechanisms = []string{"select", "poll", "epoll", "kqueue", "io_uring"}

// PoolModels are the models that may declare pool = N: a bounded pool of
// worker processes or threads. The other models have no workers to count.
var PoolModels = []string{"multiprocess", "multithread"}

// DefaultReadyTimeout is how long a server has to start listening, before
// the patience factor is applied.
const DefaultReadyTimeout = 10 * time.Second

// Target is one server under test.
type Target struct {
	// Name identifies the target in labels and reports; defaults to the
	// folder's name.
	Name string
	// Model is one of Models.
	Model string
	// Description is a one-line human description (optional).
	Description string
	// Command is the argv that starts the server; "{port}" and "{builddir}"
	// are replaced before it runs.
	Command []string
	// Build is an optional argv run once in Dir before the first start.
	Build []string
	// Port is a fixed port for servers that ignore {port}; 0 means the kit
	// picks a free one for every start.
	Port int
	// Pool is N for a bounded pool of N workers (N >= 2, and only for
	// PoolModels); 0 means unpooled.
	Pool int
	// Mechanism is the declared readiness mechanism (multiplex, selector).
	Mechanism string
	// Greeting is what the server sends on connect, before any echo.
	Greeting []byte
	// ReadyTimeout bounds the wait for the port to listen (before patience).
	ReadyTimeout time.Duration
	// Limits are the resource limits the server runs under: the kit's
	// defaults, lowered by the manifest's [limits] table.
	Limits rlimit.Set
	// Expect is the verdict a fixture must get; zero for ordinary targets.
	Expect Expectation

	// Dir is the folder holding the manifest; commands run there.
	Dir string
	// File is the manifest's path, for error messages.
	File string
	// Addr is set for a server that is already running (--addr): the kit
	// neither builds nor starts it, and cannot observe its process.
	Addr string
}

// Expectation is what the suite must conclude about a fixture server.
// tools/grade keeps it in grade.json, hence the JSON names.
type Expectation struct {
	// Fail lists the property IDs the server must fail, exactly: judged,
	// and found not to hold. A spec whose setup failed does not count.
	Fail []string `json:"fail"`
	// NotJudged lists the IDs whose setup the server's bug must make fail,
	// so that the property is never judged (a queued client that cannot
	// connect to a server that stopped listening), exactly.
	NotJudged []string `json:"not_judged,omitempty"`
	// MayFail lists IDs whose outcome the server's own nondeterminism
	// decides: they may pass, fail or not be judged (e.g. a server that
	// dies on a reset may or may not get to the next reset spec). They
	// count as no one's coverage.
	MayFail []string `json:"may_fail,omitempty"`
	// MayFailWhy gives each ID of MayFail its reason: what in the server
	// decides, from run to run, whether it fails.
	MayFailWhy map[string]string `json:"may_fail_why,omitempty"`
	// Why explains the bug, for the people reading the fixture bank.
	Why string `json:"why,omitempty"`
	// Reason, if set, is text every failure's first line must contain,
	// e.g. "did not listen" for a server that never listens.
	Reason string `json:"reason,omitempty"`
	// Reasons maps an ID of Fail (or NotJudged) to a phrase its failure's
	// first line (the verdict's why) must contain, case-sensitively: the
	// fixture fails that spec for the bug it was written for, not by
	// accident.
	Reasons map[string]string `json:"reasons,omitempty"`
}

// FailsAll reports whether the fixture must fail every spec that runs
// (fail = ["*"]): a server that cannot be built or started.
func (e Expectation) FailsAll() bool { return len(e.Fail) == 1 && e.Fail[0] == "*" }

// Phrase is the text the first line of id's failure must contain: its
// [expect.reasons] entry, else the reason every failure must contain, else
// "" (none is given).
func (e Expectation) Phrase(id string) string {
	if p, ok := e.Reasons[id]; ok {
		return p
	}
	return e.Reason
}

// Local reports whether the kit starts the target itself (and so can see
// its processes), as opposed to testing an address given with --addr.
func (t *Target) Local() bool { return t.Addr == "" }

// manifest mirrors the TOML file. Pointer fields tell "absent" from "zero".
type manifest struct {
	Name         string    `toml:"name"`
	Model        string    `toml:"model"`
	Description  string    `toml:"description"`
	Command      []string  `toml:"command"`
	Build        []string  `toml:"build"`
	Port         *int      `toml:"port"`
	Pool         *int      `toml:"pool"`
	Mechanism    string    `toml:"mechanism"`
	Greeting     *string   `toml:"greeting"`
	ReadyTimeout *duration `toml:"ready_timeout"`
	Limits       *struct {
		Processes    *int64    `toml:"processes"`
		OpenFiles    *int64    `toml:"open_files"`
		AddressSpace *size     `toml:"address_space"`
		CPUTime      *duration `toml:"cpu_time"`
		FileSize     *size     `toml:"file_size"`
		Memory       *size     `toml:"memory"`
		Disk         *size     `toml:"disk"`
	} `toml:"limits"`
	Expect *struct {
		Fail      []string `toml:"fail"`
		NotJudged []string `toml:"not_judged"`
		MayFail   mayFail  `toml:"may_fail"`
		Why       string   `toml:"why"`
		Reason    string   `toml:"reason"`
		Reasons   phrases  `toml:"reasons"`
	} `toml:"expect"`
}

// keyHelp says, per key, what a valid value looks like. It is the text of
// every "how to fix it" in an error.
var keyHelp = map[string]string{
	"name":              `a string, e.g. name = "alice-threads" (default: the folder's name)`,
	"model":             `one of ` + quoteList(Models) + `, e.g. model = "multithread"`,
	"description":       `a one-line string`,
	"command":           `an array of strings, e.g. command = ["python3", "server.py", "{port}"]; {port} becomes the port, also given as $PORT`,
	"build":             `an array of strings run once in the folder, e.g. build = ["gcc", "-O2", "-o", "server", "server.c"]`,
	"port":              `an integer 1-65535 for a server that always listens on one port, e.g. port = 9090`,
	"pool":              `an integer of 2 or more, the number of workers of a bounded pool, for model "multiprocess" or "multithread" only, e.g. pool = 4 (leave it out for an unpooled server)`,
	"mechanism":         `one of ` + quoteList(Mechanisms) + `, e.g. mechanism = "epoll"`,
	"greeting":          `a string the server sends first on every connection, e.g. greeting = "welcome\n"`,
	"ready_timeout":     `a duration string or a number of seconds, e.g. ready_timeout = "15s"`,
	"limits":            `a table: [limits] with any of processes, open_files, address_space, cpu_time, file_size, memory, disk, each at most the kit's default`,
	"expect":            `a table: [expect] with fail = ["ECHO-4"], why = "..." and, under [expect.reasons], ECHO-4 = "a phrase of its failure's first line"`,
	"expect.fail":       `an array of property IDs, e.g. fail = ["ECHO-4", "LIFE-1"], or ["*"] for a server that must fail every spec`,
	"expect.may_fail":   `a table [expect.may_fail] giving, per property ID whose outcome the server's own nondeterminism decides, the reason, none of them in fail, e.g. RESET-2 = "whether the server dies before or after the next client connects is a race"`,
	"expect.not_judged": `an array of property IDs whose setup the bug makes fail, so they are never judged, none of them in fail, e.g. not_judged = ["SERIAL-2"]`,
	"expect.reason":     `text every failure's first line must contain, e.g. reason = "did not listen"`,
	"expect.reasons":    `a table [expect.reasons] giving, per ID of fail or not_judged, a phrase its failure's first line must contain, e.g. ECHO-4 = "received"`,
	"expect.why":        `a string explaining the bug`,
}

func init() {
	for k, help := range rlimit.Fields {
		keyHelp["limits."+k] = help
	}
}

// Load reads and validates one manifest. path may name the file or the
// folder holding it.
func Load(path string) (*Target, error) {
	file := path
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		file = filepath.Join(path, FileName)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such manifest; a target is a folder with an %s in it", file, FileName)
		}
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return parse(file, "", data)
}

// parse reads the manifest text data, named file in messages. Its
// commands run in dir, or in file's folder when dir is "".
func parse(file, dir string, data []byte) (*Target, error) {
	// Two passes: the first finds syntax errors, the second type errors,
	// and each gets its own advice.
	if _, err := toml.Decode(string(data), new(map[string]any)); err != nil {
		return nil, syntaxError(file, err)
	}
	var m manifest
	md, err := toml.Decode(string(data), &m)
	if err != nil {
		return nil, decodeError(file, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		k := und[0].String()
		return nil, fmt.Errorf("%s: unknown key %q; the keys are %s (check the spelling)", file, k, quoteList(sortedKeys()))
	}
	if dir == "" {
		dir = filepath.Dir(file)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	t := &Target{
		Name:         m.Name,
		Model:        m.Model,
		Description:  m.Description,
		Command:      m.Command,
		Build:        m.Build,
		Mechanism:    m.Mechanism,
		ReadyTimeout: DefaultReadyTimeout,
		Dir:          abs,
		File:         file,
	}
	if t.Name == "" {
		t.Name = filepath.Base(t.Dir)
	}
	if err := checkName(t.Name); err != nil {
		return nil, keyError(file, "name", err.Error())
	}
	switch {
	case m.Model == "":
		return nil, keyError(file, "model", "is missing")
	case !slices.Contains(Models, m.Model):
		return nil, keyError(file, "model", fmt.Sprintf("%q is not a model", m.Model))
	}
	if len(m.Command) == 0 || m.Command[0] == "" {
		return nil, keyError(file, "command", "is missing or empty")
	}
	if m.Build != nil && (len(m.Build) == 0 || m.Build[0] == "") {
		return nil, keyError(file, "build", "is empty; remove it or name a program")
	}
	if m.Port != nil {
		if *m.Port < 1 || *m.Port > 65535 {
			return nil, keyError(file, "port", fmt.Sprintf("%d is not a port", *m.Port))
		}
		t.Port = *m.Port
	}
	if m.Pool != nil {
		if err := checkPool(m.Model, *m.Pool); err != "" {
			return nil, keyError(file, "pool", err)
		}
		t.Pool = *m.Pool
	}
	if m.Mechanism != "" && !slices.Contains(Mechanisms, m.Mechanism) {
		return nil, keyError(file, "mechanism", fmt.Sprintf("%q is not a mechanism", m.Mechanism))
	}
	if m.Greeting != nil {
		t.Greeting = []byte(*m.Greeting)
	}
	if m.ReadyTimeout != nil {
		if *m.ReadyTimeout <= 0 {
			return nil, keyError(file, "ready_timeout", "must be positive")
		}
		t.ReadyTimeout = time.Duration(*m.ReadyTimeout)
	}
	t.Limits = rlimit.Defaults
	if l := m.Limits; l != nil {
		var want rlimit.Set
		for _, c := range []struct {
			key string
			v   *int64
			dst *uint64
		}{{"processes", l.Processes, &want.Processes}, {"open_files", l.OpenFiles, &want.OpenFiles}} {
			if c.v == nil {
				continue
			}
			if *c.v < 1 {
				return nil, keyError(file, "limits."+c.key, fmt.Sprintf("%d is not a positive count", *c.v))
			}
			*c.dst = uint64(*c.v)
		}
		if l.AddressSpace != nil {
			want.AddressSpace = uint64(*l.AddressSpace)
		}
		if l.FileSize != nil {
			want.FileSize = uint64(*l.FileSize)
		}
		if l.Memory != nil {
			want.Memory = uint64(*l.Memory)
		}
		if l.Disk != nil {
			want.Disk = uint64(*l.Disk)
		}
		if l.CPUTime != nil {
			if *l.CPUTime <= 0 {
				return nil, keyError(file, "limits.cpu_time", "must be positive")
			}
			want.CPUTime = time.Duration(*l.CPUTime)
		}
		lowered, err := want.Lower(rlimit.Defaults)
		if err != nil {
			return nil, fmt.Errorf("%s: [limits] %v", file, err)
		}
		t.Limits = lowered
	}
	if m.Expect != nil {
		e, err := checkExpect(file, m.Expect.Fail, m.Expect.NotJudged, m.Expect.MayFail, m.Expect.Reasons)
		if err != nil {
			return nil, err
		}
		e.Why, e.Reason = m.Expect.Why, m.Expect.Reason
		t.Expect = e
	}
	return t, nil
}

// checkPool says what is wrong with pool = n for model, or "". A pool of
// one serves one client at a time, which is model "single": accepted, it
// would turn off every spec that needs two clients served at once.
func checkPool(model string, n int) string {
	switch {
	case !slices.Contains(PoolModels, model):
		return fmt.Sprintf("is set, but model %q has no pool of workers (only %s do): remove pool", model, quoteList(PoolModels))
	case n < 2:
		return fmt.Sprintf("= %d is not a pool: a pool has 2 workers or more; a server that serves one client at a time is model = \"single\"", n)
	}
	return ""
}

// CheckPool is the manifest's rule for pool = n under model, for a pool
// given another way (the suite's --pool): nil when it holds.
func CheckPool(model string, n int) error {
	if n == 0 {
		return nil
	}
	if why := checkPool(model, n); why != "" {
		return fmt.Errorf("pool %s", why)
	}
	return nil
}

// checkExpect validates [expect]'s lists of IDs and its reasons table,
// and returns them sorted.
func checkExpect(file string, fail, notJudged []string, mayFail mayFail, reasons map[string]string) (Expectation, error) {
	all := len(fail) == 1 && fail[0] == "*"
	seen := map[string]bool{}
	for _, id := range fail {
		if !validID(id) && !all {
			return Expectation{}, keyError(file, "expect.fail", fmt.Sprintf("%q is not a property ID", id))
		}
		if seen[id] {
			return Expectation{}, keyError(file, "expect.fail", fmt.Sprintf("lists %s twice; list it once", id))
		}
		seen[id] = true
	}
	if all && len(notJudged) > 0 {
		return Expectation{}, keyError(file, "expect.not_judged", `means nothing with fail = ["*"], which expects every spec to fail; remove not_judged`)
	}
	for _, id := range notJudged {
		switch {
		case !validID(id):
			return Expectation{}, keyError(file, "expect.not_judged", fmt.Sprintf("%q is not a property ID", id))
		case slices.Contains(fail, id):
			return Expectation{}, keyError(file, "expect.not_judged", fmt.Sprintf("lists %s, which fail lists too; a spec is judged and fails, or is not judged: keep it in one of the two", id))
		case seen[id]:
			return Expectation{}, keyError(file, "expect.not_judged", fmt.Sprintf("lists %s twice; list it once", id))
		}
		seen[id] = true
	}
	if all && len(mayFail) > 0 {
		return Expectation{}, keyError(file, "expect.may_fail", `means nothing with fail = ["*"], which expects every spec to fail; remove may_fail`)
	}
	mayIDs := slices.Sorted(maps.Keys(mayFail))
	for _, id := range mayIDs {
		key := "expect.may_fail." + id
		switch {
		case !validID(id):
			return Expectation{}, keyHelpError(file, key, "expect.may_fail", fmt.Sprintf("names %q, which is not a property ID", id))
		case slices.Contains(fail, id):
			return Expectation{}, keyHelpError(file, key, "expect.may_fail", fmt.Sprintf("names %s, which fail lists too; an ID must fail, or may fail: keep it in one of the two", id))
		case slices.Contains(notJudged, id):
			return Expectation{}, keyHelpError(file, key, "expect.may_fail", fmt.Sprintf("names %s, which not_judged lists too; keep it in one of the two", id))
		case strings.TrimSpace(mayFail[id]) == "":
			return Expectation{}, keyHelpError(file, key, "expect.may_fail", "has no reason; say what in the server decides, from run to run, whether it fails (a may_fail that hides the kit's own noise is a bug of the kit, not an entry here)")
		}
	}
	for _, id := range slices.Sorted(maps.Keys(reasons)) {
		key := "expect.reasons." + id
		switch {
		case all:
			return Expectation{}, keyHelpError(file, key, "expect.reason", `is a per-ID phrase, but fail = ["*"] names no IDs; give the phrase every failure must contain as reason = "..." in [expect], and remove [expect.reasons]`)
		case !validID(id):
			return Expectation{}, keyHelpError(file, key, "expect.reasons", fmt.Sprintf("names %q, which is not a property ID", id))
		case mayFail[id] != "":
			return Expectation{}, keyHelpError(file, key, "expect.reasons", fmt.Sprintf("names %s, which is in may_fail: a spec that may pass has no reason to check; move %s to fail, or remove its phrase", id, id))
		case !slices.Contains(fail, id) && !slices.Contains(notJudged, id):
			return Expectation{}, keyHelpError(file, key, "expect.reasons", fmt.Sprintf("names %s, which is neither in fail nor in not_judged; add %s to one of them, or remove its phrase", id, id))
		case strings.TrimSpace(reasons[id]) == "":
			return Expectation{}, keyHelpError(file, key, "expect.reasons", "is empty; give a phrase of the failure's first line")
		case strings.Contains(reasons[id], "\n"):
			return Expectation{}, keyHelpError(file, key, "expect.reasons", "holds a newline, but it must be found in the failure's first line; give a phrase of that line")
		}
	}
	e := Expectation{Fail: slices.Sorted(slices.Values(fail))}
	if len(notJudged) > 0 {
		e.NotJudged = slices.Sorted(slices.Values(notJudged))
	}
	if len(mayFail) > 0 {
		e.MayFail, e.MayFailWhy = mayIDs, map[string]string(mayFail)
	}
	if len(reasons) > 0 {
		e.Reasons = reasons
	}
	return e, nil
}

// Discover finds every manifest at or below root: root may be a manifest, a
// server folder, or a folder of server folders. It returns them sorted by
// name and refuses two targets with the same name.
func Discover(root string) ([]*Target, error) {
	files, err := manifestFiles(root)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no %s found in it or below it", root, FileName)
	}
	var out []*Target
	for _, f := range files {
		t, err := Load(f)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, Unique(out)
}

// manifestFiles finds the manifests at or below root: root itself if it
// is a manifest or a folder holding one, else every one below it (hidden
// folders are not searched).
func manifestFiles(root string) ([]string, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", root, err)
	}
	if !st.IsDir() {
		return []string{root}, nil
	}
	if f := filepath.Join(root, FileName); fileExists(f) {
		return []string{f}, nil
	}
	var files []string
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == FileName {
			files = append(files, p)
		}
		return nil
	})
	return files, err
}

// Unique returns an error if two targets share a name: labels and reports
// identify targets by name.
func Unique(ts []*Target) error {
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	for i := 1; i < len(ts); i++ {
		if ts[i].Name == ts[i-1].Name {
			return fmt.Errorf("%s and %s: both are named %q; give one of them another name = \"...\"", ts[i-1].File, ts[i].File, ts[i].Name)
		}
	}
	return nil
}

// lastKey finds the key a TOML decoding error is about.
var lastKey = regexp.MustCompile(`last key "([^"]+)"`)

func decodeError(file string, err error) error {
	line, key, msg := 0, "", err.Error()
	var perr toml.ParseError
	if errors.As(err, &perr) {
		line, key, msg = perr.Position.Line, perr.LastKey, perr.Message
	} else if m := lastKey.FindStringSubmatch(msg); m != nil {
		key = m[1]
	}
	msg = strings.TrimPrefix(msg, "toml: ")
	where := file
	if line > 0 {
		where = fmt.Sprintf("%s:%d", file, line)
	}
	if help, ok := keyHelp[key]; ok {
		return fmt.Errorf("%s: key %q has the wrong type or value (%s); it should be %s", where, key, msg, help)
	}
	return fmt.Errorf("%s: %s", where, msg)
}

func syntaxError(file string, err error) error {
	var perr toml.ParseError
	if errors.As(err, &perr) {
		return fmt.Errorf("%s:%d: %s; fix the TOML syntax there", file, perr.Position.Line, perr.Message)
	}
	return fmt.Errorf("%s: %v; fix the TOML syntax", file, err)
}

func keyError(file, key, problem string) error {
	return keyHelpError(file, key, key, problem)
}

// keyHelpError is keyError for a key whose help is another's, such as
// expect.reasons.ECHO-4 (expect.reasons).
func keyHelpError(file, key, helpKey, problem string) error {
	return fmt.Errorf("%s: key %q %s; it should be %s", file, key, problem, keyHelp[helpKey])
}

func checkName(name string) error {
	if strings.ContainsAny(name, "&|!,()/: \t\n") {
		return fmt.Errorf("%q contains a character labels cannot hold (&|!,()/: or space)", name)
	}
	return nil
}

// validID reports whether s looks like a property ID: FAMILY-N.
func validID(s string) bool {
	fam, num, ok := strings.Cut(s, "-")
	if !ok || fam == "" || num == "" || strings.ToUpper(fam) != fam {
		return false
	}
	for _, c := range num {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func sortedKeys() []string {
	var ks []string
	for k := range keyHelp {
		if !strings.Contains(k, ".") {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return ks
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// duration accepts "15s" or a number of seconds.
type duration time.Duration

// UnmarshalTOML implements toml.Unmarshaler.
func (d *duration) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case string:
		p, err := time.ParseDuration(x)
		if err != nil {
			return fmt.Errorf("%q is not a duration", x)
		}
		*d = duration(p)
	case int64:
		*d = duration(time.Duration(x) * time.Second)
	case float64:
		*d = duration(time.Duration(x * float64(time.Second)))
	default:
		return fmt.Errorf("%v is neither a duration string nor a number of seconds", v)
	}
	return nil
}

// phrases is [expect.reasons], a table of strings. (Decoded into a plain
// map, reasons = "x" would pass silently as an empty table.)
type phrases map[string]string

// UnmarshalTOML implements toml.Unmarshaler.
func (p *phrases) UnmarshalTOML(v any) error {
	tbl, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%v is not a table of ID = \"phrase\" lines", v)
	}
	*p = phrases{}
	for id, x := range tbl {
		s, ok := x.(string)
		if !ok {
			return fmt.Errorf("%s = %v is not a string", id, x)
		}
		(*p)[id] = s
	}
	return nil
}

// mayFail is [expect.may_fail], a table of ID = "reason". The older
// array of IDs is refused with the fix: an ID without a reason can hide
// the kit's own noise as easily as the server's race.
type mayFail map[string]string

// UnmarshalTOML implements toml.Unmarshaler.
func (p *mayFail) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case []any:
		var ids []string
		for _, id := range x {
			ids = append(ids, fmt.Sprint(id))
		}
		return fmt.Errorf("may_fail = [%s] lists IDs without their reasons; write a table instead: [expect.may_fail] with ID = \"what in the server decides, from run to run, whether it fails\" per line", strings.Join(ids, ", "))
	case map[string]any:
		*p = mayFail{}
		for id, r := range x {
			s, ok := r.(string)
			if !ok {
				return fmt.Errorf("%s = %v is not a string; give the reason in quotes", id, r)
			}
			(*p)[id] = s
		}
		return nil
	}
	return fmt.Errorf("%v is not a table of ID = \"reason\" lines", v)
}

// size accepts a number of bytes or a string with a unit, e.g. "4GiB".
type size uint64

// UnmarshalTOML implements toml.Unmarshaler.
func (z *size) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case string:
		n, err := rlimit.ParseBytes(x)
		if err != nil {
			return err
		}
		*z = size(n)
	case int64:
		if x < 1 {
			return fmt.Errorf("%d is not a positive size", x)
		}
		*z = size(x)
	default:
		return fmt.Errorf("%v is neither a number of bytes nor a size string such as \"4GiB\"", v)
	}
	return nil
}

// Remote describes a server that is already running at addr: the kit
// neither builds nor starts it, and specs that must see its processes skip.
func Remote(addr, model string, pool int) *Target {
	name := "remote-" + strings.NewReplacer(":", "-", "[", "", "]", "").Replace(addr)
	return &Target{Name: name, Model: model, Pool: pool, Addr: addr, File: "--addr " + addr, ReadyTimeout: DefaultReadyTimeout}
}

// DescribeModel names a model as every output does: "multithread, pool 4",
// "multiplex, epoll".
func DescribeModel(model string, pool int, mechanism string) string {
	s := model
	if pool > 0 {
		s += fmt.Sprintf(", pool %d", pool)
	}
	if mechanism != "" {
		s += ", " + mechanism
	}
	return s
}
