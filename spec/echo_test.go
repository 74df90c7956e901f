package spec_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/probe"
)

// echoLag is how long ECHO-4's writer must make no progress before its
// reader starts. It only sets how hard the server's send buffer is pressed:
// a correct server passes with any value. 100 ms let a server that drops
// partial sends pass at load 15 on 2 cores (a starved server stalls the
// writer too, before its buffer is full); patience stretches it, as a
// slower machine starves the server longer.
const echoLag = 250 * time.Millisecond

// nothingMore checks that no byte follows an echo of sent bytes on c
// (padding, a prompt, a second copy) for trailWindow.
func (s *session) nothingMore(c *probe.Conn, sent int) {
	GinkgoHelper()
	window := scaled(trailWindow)
	By(fmt.Sprintf("expecting nothing more for %v", window))
	extra, quiet, err := c.Quiet(window)
	must(err, "reading after the echo")
	check(quiet, func() string {
		return fmt.Sprintf("the echo was followed by more: after the %s sent came back, %s more arrived, starting %s", probe.Size(sent), probe.Size(len(extra)), probe.HexAt(extra, 0))
	})
}

// trailWindow is how long ECHO-1 and ECHO-4 listen, after the echo, for bytes that
// should not come (padding, a prompt, a second copy).
const trailWindow = 300 * time.Millisecond

var _ = family("echo", func(tg *manifest.Target) {
	spec(tg, "ECHO-1", defaultSpec, func(ctx SpecContext, s *session) {
		By("sending a short line and reading it back")
		c := s.dial(ctx)
		msg := []byte("hello, echospec\n")
		s.echo(c, msg, 0, "in one write")
		s.nothingMore(c, len(msg))
	})

	spec(tg, "ECHO-2", defaultSpec, func(ctx SpecContext, s *session) {
		var payload []byte
		for i := range 256 {
			payload = append(payload, byte(i))
		}
		payload = append(payload, 0, 0, 0, 0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x90, 0x28, 0xbc, '\n', 0)
		By("sending every byte value 0-255, NULs and invalid UTF-8 sequences")
		s.echo(s.dial(ctx), payload, 0, "(bytes 0x00-0xff, then NULs and invalid UTF-8) in one write")
	})

	spec(tg, "ECHO-3", defaultSpec, func(ctx SpecContext, s *session) {
		c := s.dial(ctx)
		must(c.SetNoDelay(true), "setting TCP_NODELAY")
		By("sending 1,000 bytes as one-byte writes while reading")
		s.echo(c, randomBytes(1000, 3), 1, "as 1,000 one-byte writes")
		By("sending 256 KiB in one write on the same connection")
		s.echo(c, randomBytes(256<<10, 33), 0, "in one write")
	})

	spec(tg, "ECHO-4", defaultSpec*2, func(ctx SpecContext, s *session) {
		// A 64 KiB receive buffer keeps what the connection can hold in
		// flight (the server's send buffer, up to 4 MiB, and ours) well
		// under 8 MiB: a server that drops what send() did not take must
		// lose bytes. With autotuning the client's buffer could grow to
		// 6 MiB, and a dropping server could get lucky.
		c := s.dialSmall(ctx, 64<<10)
		By("sending 8 MiB of random bytes through a 64 KiB receive buffer, reading the echo whenever the writes stall")
		// The reader lags, so the server's send buffer fills up: that is
		// when one send() writes only part of what it is given.
		// One byte over 8 MiB, so the server's last read is a short one.
		payload := randomBytes(8<<20+1, 4)
		ex := c.EchoLagging(payload, 64<<10, scaled(stallBase), scaled(echoLag),
			"(random) in 64 KiB writes, reading once the server has taken it all or stopped taking it")
		s.expectEcho(ex)
		s.nothingMore(c, len(payload))
	})

	spec(tg, "ECHO-5", defaultSpec, func(ctx SpecContext, s *session) {
		c := s.dial(ctx)
		must(c.SetNoDelay(true), "setting TCP_NODELAY")
		By("sending 1,000 short requests, each read back before the next")
		for i := range 1000 {
			msg := []byte(fmt.Sprintf("request %04d\n", i))
			s.echo(c, msg, 0, fmt.Sprintf("as request %d of 1,000", i+1))
		}
	})
})
