package check

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/props"
)

// init reads the port and the greeting of each of the tutorial's servers
// as the fixture bank declares them.
func TestInitReadsTheTutorialsPortAndGreeting(t *testing.T) {
	for _, c := range []struct {
		fixture  string
		port     int
		greeting string
	}{
		{"tutorial-single", 9090, ""},
		{"tutorial-multiprocess", 9090, ""},
		{"tutorial-multithread", 9090, ""},
		{"tutorial-gevent", 9090, ""},
		{"tutorial-select", 1559, "hello"},
		{"tutorial-selector", 5002, ""},
	} {
		src, err := os.ReadFile(filepath.Join("..", "..", "..", "fixtures", "students", c.fixture, "server.py"))
		if err != nil {
			t.Fatal(err)
		}
		if got := fixedPort(string(src)); got != c.port {
			t.Errorf("%s: fixedPort = %d; want %d", c.fixture, got, c.port)
		}
		if got := greetingSent(string(src)); got != c.greeting {
			t.Errorf("%s: greetingSent = %q; want %q", c.fixture, got, c.greeting)
		}
	}
}

func TestInitReadsPortsAndGreetings(t *testing.T) {
	for _, c := range []struct {
		name, src string
		port      int
		greeting  string
	}{
		{"C htons literal", "addr.sin_port = htons(1559);\nint c = accept(s, 0, 0);\nsend(c, \"hi\\n\", 3, 0);\nread(c, buf, 10);", 1559, "hi\n"},
		{"C htons macro", "#define PORT 5002\naddr.sin_port = htons(PORT);\n", 5002, ""},
		{"C reads argv", "addr.sin_port = htons(atoi(argv[1]));\n", 0, ""},
		{"Python reads argv with a default", "import sys\nport = int(sys.argv[1]) if len(sys.argv) > 1 else 9090\ns.bind(('', 9090))\n", 0, ""},
		{"Go", "ln, _ := net.Listen(\"tcp\", \":9090\")\nc, _ := ln.Accept()\nc.Write([]byte(\"welcome\\r\\n\"))\n", 9090, "welcome\r\n"},
		{"Node", "net.createServer((s) => {\n  s.write('hello\\n');\n  s.on('data', d => s.write(d));\n}).listen(7000);\n", 7000, "hello\n"},
		{"Java", "ServerSocket ss = new ServerSocket(8080);\nSocket c = ss.accept();\nSystem.out.println(\"connected\");\nout.println(\"hi\");\n", 8080, "hi\n"},
		{"Python prints, does not greet", "conn, addr = s.accept()\nprint('connected', addr)\ndata = conn.recv(1024)\nconn.sendall(b'unused')\n", 0, ""},
		{"Python b-literal", "conn, _ = s.accept()\n# conn.send(b'old')\nconn.send(b'Welcome!\\n')\n", 0, "Welcome!\n"},
	} {
		if got := fixedPort(c.src); got != c.port {
			t.Errorf("%s: fixedPort = %d; want %d", c.name, got, c.port)
		}
		if got := greetingSent(c.src); got != c.greeting {
			t.Errorf("%s: greetingSent = %q; want %q", c.name, got, c.greeting)
		}
	}
}

// init writes port = N and the greeting for the tutorial's select server,
// and the manifest loads with them.
func TestInitWritesPortAndGreeting(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "..", "fixtures", "students", "tutorial-select", "server.py"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range props.Langs {
		dir := t.TempDir()
		must(t, os.WriteFile(filepath.Join(dir, "server.py"), src, 0o644))
		var out, errs bytes.Buffer
		if code := run([]string{"init", "--lang", string(l), dir}, &out, &errs); code != 0 {
			t.Fatalf("init (%s): exit %d: %s", l, code, errs.String())
		}
		tg, err := manifest.Load(dir)
		if err != nil {
			t.Fatalf("init (%s) wrote a manifest that does not load: %v", l, err)
		}
		if tg.Port != 1559 || string(tg.Greeting) != "hello" || slices.Contains(tg.Command, "{port}") {
			t.Errorf("init (%s): port %d, greeting %q, command %q; want 1559, \"hello\", no {port}", l, tg.Port, tg.Greeting, tg.Command)
		}
	}
}
