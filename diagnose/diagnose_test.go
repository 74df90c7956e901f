package diagnose

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/echospec/echospec/props"
)

func TestGreeting(t *testing.T) {
	r := func(sent, got string) Reply { return Reply{[]byte(sent), []byte(got)} }
	for _, c := range []struct {
		name    string
		replies []Reply
		want    string
		ok      bool
	}{
		{"the tutorial's hello", []Reply{r("ping 1\n", "helloping 1\n"), r("ping 2\n", "helloping 2\n")}, "hello", true},
		{"a greeting longer than the payload", []Reply{r("a\n", "Welcome to the echo server!\r\na\n"), r("b\n", "Welcome to the echo server!\r\nb\n")}, "Welcome to the echo server!\r\n", true},
		{"exact echoes", []Reply{r("ping 1\n", "ping 1\n"), r("ping 2\n", "ping 2\n")}, "", false},
		{"one reply only", []Reply{r("ping 1\n", "helloping 1\n")}, "", false},
		{"different prefixes", []Reply{r("ping 1\n", "hiping 1\n"), r("ping 2\n", "helloping 2\n")}, "", false},
		{"one exact echo", []Reply{r("ping 1\n", "helloping 1\n"), r("ping 2\n", "ping 2\n")}, "", false},
		{"a mangled echo", []Reply{r("ping 1\n", "hello PING 1\n"), r("ping 2\n", "hello PING 2\n")}, "", false},
		{"an echo cut short", []Reply{r("ping 1\n", "helloping"), r("ping 2\n", "helloping")}, "", false},
	} {
		got, ok := Greeting(c.replies)
		if ok != c.ok || string(got) != c.want {
			t.Errorf("%s: Greeting = %q, %v; want %q, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func TestGreetingLine(t *testing.T) {
	got := GreetingLine([]byte("hello"), "x/echospec.toml")
	want := `every reply began with "hello" (5 bytes) that the client did not send: declare greeting = "hello" in x/echospec.toml`
	if got != want {
		t.Errorf("GreetingLine = %s\nwant %s", got, want)
	}
	if s := TOMLString([]byte("hi \"you\"\r\n\x01\\")); s != `"hi \"you\"\r\n\u0001\\"` {
		t.Errorf("TOMLString = %s", s)
	}
}

func TestCrash(t *testing.T) {
	for _, c := range []struct {
		name, output, status string
		quote, hint          string
	}{
		{"python thread", "Exception in thread Thread-3 (handle):\nTraceback (most recent call last):\n  File \"server.py\", line 24, in handle\n    text = data.decode('utf-8')\nUnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte\n",
			"running", "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff", "decode"},
		{"python main loop", "hello\nTraceback (most recent call last):\n  File \"server.py\", line 27, in <module>\n    conn.sendall(b'hello')\nConnectionResetError: [Errno 104] Connection reset by peer\n",
			"exited with status 1", "ConnectionResetError: [Errno 104]", "reset"},
		{"select's FD_SETSIZE", "Traceback (most recent call last):\n  File \"server.py\", line 13, in <module>\nValueError: filedescriptor out of range in select()\n",
			"exited with status 1", "ValueError: filedescriptor out of range", "fdsetsize"},
		{"java", "Exception in thread \"main\" java.net.SocketException: Too many open files\n\tat java.base/sun.nio.ch.Net.accept(Native Method)\n",
			"exited with status 1", "java.net.SocketException: Too many open files", "emfile"},
		{"go panic", "panic: runtime error: index out of range [5] with length 4\n\ngoroutine 7 [running]:\n", "exited with status 2", "panic: runtime error: index out of range", "crash"},
		{"node", "node:events:497\n      throw er; // Unhandled 'error' event\n      ^\n\nError: read ECONNRESET\n    at TCP.onStreamRead (node:internal/stream_base_commons:217:20)\n", "exited with status 1", "Error: read ECONNRESET", "reset"},
		{"C segfault", "accepted 5\n", "was killed by signal SIGSEGV (11)", "the server was killed by signal SIGSEGV", "segv"},
		{"tails as a report indents them", "    | Traceback (most recent call last):\n    |   File \"s.py\", line 3\n    | BrokenPipeError: [Errno 32] Broken pipe\n", "running", "BrokenPipeError", "reset"},
	} {
		cause, ok := Crash(c.output, c.status)
		if !ok || !strings.Contains(cause.Line, c.quote) || cause.hint != c.hint {
			t.Errorf("%s: Crash = %+v, %v; want a line quoting %q and hint %q", c.name, cause, ok, c.quote, c.hint)
		}
	}
	for _, quiet := range []string{"", "listening on 9090\nclient connected\nValueError handled, going on\n", "ERROR: bad client\n"} {
		if cause, ok := Crash(quiet, "running"); ok {
			t.Errorf("Crash(%q) = %+v; want none (no traceback, no crash)", quiet, cause)
		}
	}
}

func TestForeign(t *testing.T) {
	others := [][]byte{[]byte("client 1 of 64\n"), []byte("client 2 of 64\n"), []byte("client 3 of 64\n")}
	if i := Foreign([]byte("client 1 of 64\n"), others[2], others); i != 0 {
		t.Errorf("Foreign(client 1's bytes, to client 3) = %d; want 0", i)
	}
	if i := Foreign([]byte("client 3 of"), others[2], others); i != -1 {
		t.Errorf("Foreign(a part of its own bytes) = %d; want -1", i)
	}
	if i := Foreign([]byte("\n"), others[2], others); i != -1 {
		t.Errorf("Foreign(a newline) = %d; want -1: too short to tell", i)
	}
}

func TestHintsInEveryLanguage(t *testing.T) {
	if en, zh := slices.Sorted(maps.Keys(hintsEn)), slices.Sorted(maps.Keys(hintsZh)); !slices.Equal(en, zh) {
		t.Fatalf("hint keys differ: en %v, zh %v", en, zh)
	}
	for _, model := range []string{"single", "multiplex", "selector", "multithread", "multiprocess", "coroutine"} {
		for _, key := range []string{"greeting", "port", "crash", "decode", "reset", "emfile", "fdsetsize", "eagain", "recursion", "memory", "segv", "abort", "shared-buffer"} {
			for _, l := range props.Langs {
				if hint(key, model, l) == "" {
					t.Errorf("no %s hint %q for %s", l, key, model)
				}
			}
		}
	}
	if h := hint("shared-buffer", "selector", props.En); strings.Contains(h, "thread") {
		t.Errorf("a selector server's shared-buffer hint speaks of threads: %s", h)
	}
}

func TestHintOf(t *testing.T) {
	for line, want := range map[string]string{
		GreetingLine([]byte("hello"), "e.toml"): hintsEn["greeting"],
		"x: it listens on 127.0.0.1:1559, not on the port it was given (40213): set `port = 1559` in e.toml, or bind {port}/$PORT": hintsEn["port"],
		SharedBuffer("client 3", "client 1", []byte("client 1 of 64\n")).Line:                                                      hintsEn["shared-buffer/loop"],
		"the server's own error: UnicodeDecodeError: 'utf-8' codec can't decode":                                                   hintsEn["decode"],
		"received 5 of 10 bytes": "",
	} {
		if got := HintOf(line, "selector", props.En); got != want {
			t.Errorf("HintOf(%q) = %q; want %q", line, got, want)
		}
	}
}

func TestGroup(t *testing.T) {
	a := SharedBuffer("client 2", "client 1", []byte("client 1 of 64\n")).Line
	b := SharedBuffer("client 1", "client 7", []byte("6 round 000:gggg")).Line
	if Group(a) != Group(b) {
		t.Errorf("two shared-buffer lines group apart: %q, %q", Group(a), Group(b))
	}
	c, _ := Crash("Traceback (most recent call last):\nUnicodeDecodeError: 'utf-8' codec can't decode byte 0x80\n", "running")
	d, _ := Crash("Traceback (most recent call last):\nUnicodeDecodeError: 'utf-8' codec can't decode byte 0xed\n", "running")
	e, _ := Crash("Traceback (most recent call last):\nConnectionResetError: [Errno 104]\n", "running")
	if Group(c.Line) != Group(d.Line) || Group(c.Line) == Group(e.Line) {
		t.Errorf("crash groups: %q, %q, %q; want the first two alike, the third apart", Group(c.Line), Group(d.Line), Group(e.Line))
	}
}

func TestTranslate(t *testing.T) {
	crash, _ := Crash("Traceback (most recent call last):\nUnicodeDecodeError: 'utf-8' codec can't decode byte 0x80\n", "running")
	for _, c := range []struct{ line, want string }{
		{"x: " + GreetingLine([]byte("hello"), "x/echospec.toml"), `x: 每个回复都以客户端没有发送过的 "hello"（5 字节）开头：请在 x/echospec.toml 中声明 greeting = "hello"`},
		{"x: it listens on 127.0.0.1:1559, not on the port it was given (40213): set `port = 1559` in x/echospec.toml, or bind {port}/$PORT",
			"x: 它监听的是 127.0.0.1:1559，而不是分配给它的端口（40213）：请在 x/echospec.toml 中设置 `port = 1559`，或者绑定 {port}/$PORT"},
		{SharedBuffer("client 2", "a client that has left", []byte("client 1 of 64\n")).Line,
			`客户端 2 收到了 一个已离开的客户端 发送的字节（"client 1 of 64\n"）：服务器把一个客户的数据交给了另一个客户，它的客户共用同一个缓冲区`},
		{crash.Line, "服务器自身的错误：UnicodeDecodeError: 'utf-8' codec can't decode byte 0x80"},
		{"received 0 of 15 bytes", "received 0 of 15 bytes"},
	} {
		if got := Translate(c.line, props.Zh); got != c.want {
			t.Errorf("Translate(%q) =\n  %s\nwant\n  %s", c.line, got, c.want)
		}
		if got := Translate(c.line, props.En); got != c.line {
			t.Errorf("Translate(%q, en) = %q; want it unchanged", c.line, got)
		}
	}
}
