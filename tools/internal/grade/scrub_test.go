package grade

import "testing"

func TestScrubTakesOutWhatEveryRunChanges(t *testing.T) {
	for _, c := range []struct {
		in    string
		fixed int
		want  string
	}{
		{"server py-x (pid 8189, port 38511): exited with status 1", 0, "server py-x (pid {pid}, port {port}): exited with status 1"},
		{"connect to 127.0.0.1:37431: dial tcp 127.0.0.1:37431: connect: connection refused", 0, "connect to 127.0.0.1:{port}: dial tcp 127.0.0.1:{port}: connect: connection refused"},
		{"read tcp 127.0.0.1:51534->127.0.0.1:9090: read: connection reset by peer", 9090, "read tcp 127.0.0.1:{port}->127.0.0.1:9090: read: connection reset by peer"},
		{"dial tcp [::1]:40001: refused; TCP Server starting up on port 9090", 9090, "dial tcp [::1]:{port}: refused; TCP Server starting up on port 9090"},
		{"  sent:     12 bytes\n  received: 0 bytes, then the server closed the connection with a reset (x) after 4ms\n  hint: h", 0, "  sent:     12 bytes\n  received: 0 bytes, then the server closed the connection with a reset (x)\n  hint: h"},
		{"  received: 2,621,440 bytes, then nothing for 4s (connection still open) after 1m6.1s", 0, "  received: 2,621,440 bytes, then nothing for 4s (connection still open)"},
		{"received 102,400 bytes (100 KiB) after 4s; 210 socket descriptors", 0, "received 102,400 bytes (100 KiB) after 4s; 210 socket descriptors"},
	} {
		if got := scrubText(c.in, c.fixed); got != c.want {
			t.Errorf("scrubText(%q, %d)\n got %q\nwant %q", c.in, c.fixed, got, c.want)
		}
	}
	v := Verdict{Why: map[string]string{"ECHO-1": "pid 7"}, Detail: map[string]string{"ECHO-1": "port 5"}, Reason: "127.0.0.1:80 did not listen on port 80 (pid 9)"}
	scrub(&v, 0)
	if v.Why["ECHO-1"] != "pid {pid}" || v.Detail["ECHO-1"] != "port {port}" || v.Reason != "127.0.0.1:{port} did not listen on the port the kit chose (pid {pid})" {
		t.Errorf("scrub: why %q, detail %q, reason %q; want each scrubbed", v.Why["ECHO-1"], v.Detail["ECHO-1"], v.Reason)
	}
}
