package check

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"github.com/echospec/echospec/diagnose"
	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/props"
)

// kind is a language of server init knows: the file it looks for, and how
// such a server is built and started.
type kind struct {
	file    string   // the source file that marks it, in DIR
	build   []string // nil: nothing to build
	command []string
}

// kinds in the order init looks for them.
var kinds = []kind{
	{"server.py", nil, []string{"python3", "-u", "server.py", "{port}"}},
	{"server.c", []string{"gcc", "-O2", "-Wall", "-pthread", "-o", "{builddir}/server", "server.c"}, []string{"{builddir}/server", "{port}"}},
	{"main.go", []string{"go", "build", "-o", "{builddir}/server", "."}, []string{"{builddir}/server", "{port}"}},
	{"Server.java", []string{"javac", "-d", "{builddir}", "Server.java"}, []string{"java", "-cp", "{builddir}", "Server", "{port}"}},
	{"server.js", nil, []string{"node", "server.js", "{port}"}},
	{"main.rs", []string{"rustc", "-O", "-o", "{builddir}/server", "main.rs"}, []string{"{builddir}/server", "{port}"}},
	{"src/main.rs", []string{"cargo", "build", "--release", "--target-dir", "{builddir}"}, nil}, // command: the crate's name
}

// guesses map what a source says to the model it most likely uses, the
// first match winning; the student confirms or corrects it.
var guesses = []struct {
	re        *regexp.Regexp
	model     string
	mechanism string
}{
	{regexp.MustCompile(`\bselectors\b|DefaultSelector`), "selector", ""},
	{regexp.MustCompile(`\bepoll`), "multiplex", "epoll"},
	{regexp.MustCompile(`\bkqueue\b|\bkevent\b`), "multiplex", "kqueue"},
	{regexp.MustCompile(`\bgevent\b|\basyncio\b|\btokio\b|\bgo [a-zA-Z_.]+\(`), "coroutine", ""},
	{regexp.MustCompile(`\bpoll\(`), "multiplex", "poll"},
	{regexp.MustCompile(`\bselect\.select\(|\bselect\(`), "multiplex", "select"},
	{regexp.MustCompile(`ProcessPoolExecutor|\bfork\(|\bmultiprocessing\b|\bProcess\(`), "multiprocess", ""},
	{regexp.MustCompile(`ThreadPoolExecutor|\bthreading\b|pthread_create|new Thread\(|thread::spawn|ExecutorService`), "multithread", ""},
	{regexp.MustCompile(`require\(['"]net['"]\)|from ['"]net['"]`), "multiplex", "epoll"}, // node's event loop
}

// guess is the model (and mechanism) the source suggests; "single" when
// it suggests nothing else.
func guess(src string) (model, mechanism string) {
	for _, g := range guesses {
		if g.re.MatchString(src) {
			return g.model, g.mechanism
		}
	}
	return "single", ""
}

// initManifest writes DIR/echospec.toml for the server it finds there.
func initManifest(stdout, stderr io.Writer, l props.Lang, dir string) int {
	file := filepath.Join(dir, manifest.FileName)
	if _, err := os.Stat(file); err == nil {
		fmt.Fprintln(stderr, msg(l, "init-exists", file))
		return exitBroken
	}
	text, k, model, err := manifestFor(l, dir)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitBroken
	}
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		fmt.Fprintln(stderr, "check: "+err.Error())
		return exitBroken
	}
	if _, err := manifest.Load(file); err != nil { // a bug in init, not the student's
		fmt.Fprintln(stderr, "check init wrote a manifest that does not load: "+err.Error())
		return exitBroken
	}
	fmt.Fprintln(stdout, msg(l, "init-wrote", file, k.file, model, dir))
	return exitPass
}

// manifestFor finds the server in dir and writes its manifest's text.
func manifestFor(l props.Lang, dir string) (text string, k kind, model string, err error) {
	found := false
	for _, c := range kinds {
		if st, err := os.Stat(filepath.Join(dir, c.file)); err == nil && !st.IsDir() {
			k, found = c, true
			break
		}
	}
	if !found {
		return "", k, "", errors.New(msg(l, "init-none", dir))
	}
	src, err := os.ReadFile(filepath.Join(dir, k.file))
	if err != nil {
		return "", k, "", err
	}
	if k.command == nil { // a Cargo crate: its binary has the package's name
		k.command = []string{"{builddir}/release/" + crateName(dir), "{port}"}
	}
	model, mechanism := guess(string(src))
	port, greeting := fixedPort(string(src)), ""
	if port != 0 { // the server ignores {port}: not passing it says so
		k.command = slices.DeleteFunc(slices.Clone(k.command), func(a string) bool { return a == "{port}" })
	}
	if g := greetingSent(string(src)); g != "" {
		greeting = diagnose.TOMLString([]byte(g))
	}
	var b bytes.Buffer
	err = templates[l].Execute(&b, map[string]any{
		"File": k.file, "Model": model, "Mechanism": mechanism,
		"Build": tomlList(k.build), "Command": tomlList(k.command), "Name": dir, "Check": checkCommand(),
		"Port": port, "Greeting": greeting,
	})
	return b.String(), k, model, err
}

var cargoName = regexp.MustCompile(`(?m)^\s*name\s*=\s*"([^"]+)"`)

func crateName(dir string) string {
	data, _ := os.ReadFile(filepath.Join(dir, "Cargo.toml"))
	if m := cargoName.FindSubmatch(data); m != nil {
		return string(m[1])
	}
	return filepath.Base(mustAbs(dir))
}

func mustAbs(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	return abs
}

func tomlList(argv []string) string {
	if len(argv) == 0 {
		return ""
	}
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = strconv.Quote(a)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// templates are the manifest init writes, commented in each language.
var templates = map[props.Lang]*template.Template{
	props.En: template.Must(template.New("en").Parse(`# echospec.toml: how echospec builds and starts your server, and the
# concurrency model it claims. Written by check init for {{.File}}: read every
# line, then run: {{.Check}} {{.Name}}

# model: the model your server uses, as the tutorial names them. Choose one;
# init guessed {{printf "%q" .Model}} from {{.File}}, so check that it is right:
#   "single"        单进程: serves one client at a time, the others wait in the listen queue
#   "multiprocess"  多进程: a child process per connection (fork, multiprocessing.Process)
#   "multithread"   多线程: a thread per connection (threading.Thread, pthread_create)
#   "coroutine"     协程: tasks over a few threads (gevent, asyncio, goroutines)
#   "multiplex"     IO多路复用: one thread waiting in select, poll or epoll (set mechanism)
#   "selector"      selector: one thread, the selectors module with a callback per socket
model = {{printf "%q" .Model}}

# mechanism: for multiplex and selector, the call your loop waits in:
# "select", "poll", "epoll" or "kqueue".
{{if .Mechanism}}mechanism = {{printf "%q" .Mechanism}}{{else}}# mechanism = "select"{{end}}

# pool: only for a fixed pool of N workers (ProcessPoolExecutor,
# ThreadPoolExecutor, N forked workers), e.g.
# pool = 4

# build: run once in this folder before the first start; {builddir} is a
# fresh folder for what it writes.
{{if .Build}}build = {{.Build}}{{else}}# build = ["gcc", "-O2", "-o", "{builddir}/server", "server.c"]  (nothing to build for {{.File}}){{end}}

# command: starts the server; {port} becomes the port the kit picked, which
# is also in $PORT. Listen on it, not on a fixed port like 9090 (or set
# port = 9090 here).
command = {{.Command}}
{{if .Port}}
# port: {{.File}} binds port {{.Port}} whatever it is given, so the kit uses
# that port (each server in a network of its own, or one at a time). Better:
# take the port from the command line or $PORT, put "{port}" back in the
# command, and delete this line.
port = {{.Port}}
{{end}}
# greeting: if your server sends something first on every connection, e.g.
# greeting = "hello"
{{if .Greeting}}# {{.File}} sends this right after accept(), before reading:
greeting = {{.Greeting}}
{{end}}`)),
	props.Zh: template.Must(template.New("zh").Parse(`# echospec.toml：说明 echospec 如何编译、启动你的服务器，以及它采用的并发模型。
# 由 check init 根据 {{.File}} 生成：请逐行读一遍，然后运行：{{.Check}} {{.Name}}

# model：你的服务器采用的并发模型，名称与教程一致。请选择一个；
# init 根据 {{.File}} 猜测是 {{printf "%q" .Model}}，请确认是否正确：
#   "single"        单进程：一次只为一个客户服务，其它客户在 listen 队列中等待
#   "multiprocess"  多进程：为每个连接创建一个子进程（fork、multiprocessing.Process）
#   "multithread"   多线程：为每个连接创建一个线程（threading.Thread、pthread_create）
#   "coroutine"     协程：在少数几个线程上运行许多任务（gevent、asyncio、goroutine）
#   "multiplex"     IO多路复用：一个线程等待在 select、poll 或 epoll 上（请设置 mechanism）
#   "selector"      selector：一个线程，用 selectors 模块为每个 socket 注册回调
model = {{printf "%q" .Model}}

# mechanism：multiplex 和 selector 模型的事件循环所等待的调用：
# "select"、"poll"、"epoll" 或 "kqueue"。
{{if .Mechanism}}mechanism = {{printf "%q" .Mechanism}}{{else}}# mechanism = "select"{{end}}

# pool：仅用于固定大小为 N 的池（进程池 ProcessPoolExecutor、线程池
# ThreadPoolExecutor、预先 fork 的 N 个子进程），例如
# pool = 4

# build：第一次启动前在本目录中运行一次；{builddir} 是一个新建的目录，存放编译结果。
{{if .Build}}build = {{.Build}}{{else}}# build = ["gcc", "-O2", "-o", "{builddir}/server", "server.c"]（{{.File}} 不需要编译）{{end}}

# command：启动服务器的命令；{port} 会替换为检查工具选好的端口，也在环境变量
# $PORT 中。请监听这个端口，而不是像 9090 这样的固定端口（或在这里写 port = 9090）。
command = {{.Command}}
{{if .Port}}
# port：{{.File}} 不管得到什么端口都绑定 {{.Port}}，所以检查工具使用这个端口
# （每个服务器在自己的网络中运行，或一次只运行一个）。更好的做法是从命令行或
# $PORT 读取端口，把 "{port}" 放回 command 中，然后删掉这一行。
port = {{.Port}}
{{end}}
# greeting：如果你的服务器在每个连接上先发送一段欢迎信息，例如
# greeting = "hello"
{{if .Greeting}}# {{.File}} 在 accept() 之后、读取之前发送的就是这一段：
greeting = {{.Greeting}}
{{end}}`)),
}
