package spec_test

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/echospec/echospec/diagnose"
	"github.com/echospec/echospec/launch"
	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/netns"
	"github.com/echospec/echospec/probe"
)

// smokeBase bounds each of the smoke start's echoes, before patience: an
// idle server echoes a line in milliseconds, and a server that does not
// is judged by the specs, not here.
const smokeBase = 2 * time.Second

// smokeReplies is how many clients the smoke start echoes once for: two,
// one after the other, so that bytes found before both echoes are the
// server's on every connection, not chance.
const smokeReplies = 2

// undeclaredGreeting echoes two lines for each of smokeReplies clients,
// one at a time, on a server whose manifest declares no greeting, and
// names the cause if every first reply was the same bytes followed by the
// echo and every second reply the echo alone: the server greets, and every
// spec would fail on its greeting (the tutorial's select server sends
// "hello"). Bytes before every reply are no greeting but a wrong echo, and
// anything else is left to the specs too.
func undeclaredGreeting(ctx context.Context, tg *manifest.Target, srv *launch.Server, ns *netns.NS) error {
	if len(tg.Greeting) > 0 {
		return nil
	}
	var replies []diagnose.Reply
	for i := range smokeReplies {
		payload := []byte(fmt.Sprintf("echospec smoke test, client %d\n", i+1))
		var c *probe.Conn
		err := ns.Do(func() (err error) {
			c, err = probe.Dial(ctx, srv.Addr(), scaled(dialBase))
			return err
		})
		if err != nil {
			return nil
		}
		got := smokeEcho(c, payload, scaled(smokeBase))
		again := []byte(fmt.Sprintf("echospec smoke test, client %d again\n", i+1))
		gotAgain := smokeEcho(c, again, scaled(smokeBase))
		c.Close()
		if !bytes.Equal(gotAgain, again) {
			return nil
		}
		replies = append(replies, diagnose.Reply{Sent: payload, Got: got})
	}
	if g, ok := diagnose.Greeting(replies); ok {
		return &launch.Error{Headline: tg.Name + ": " + diagnose.GreetingLine(g, tg.File)}
	}
	return nil
}

// smokeEcho sends payload and reads until what came back ends with it, the
// server closes or stops, 4 KiB came back, or d passes.
func smokeEcho(c *probe.Conn, payload []byte, d time.Duration) []byte {
	if c.Send(payload, d) != nil {
		return nil
	}
	const max = 4 << 10
	_ = c.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, max)
	var got []byte
	for len(got) < max && !bytes.HasSuffix(got, payload) {
		k, err := c.Read(buf[:max-len(got)])
		got = append(got, buf[:k]...)
		if err != nil {
			break
		}
	}
	return got
}
