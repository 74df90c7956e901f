// Command gnet is the anchor of echospec's benchmark: a TCP echo server on
// gnet v2, a leading Go event-loop library, written as gnet's own echo
// example is. make bench measures the reference servers against it in the
// same run, on the same machine, so its ratios mean something where
// absolute rates would not.
//
// It is a module of its own, so the kit's go.mod never depends on gnet.
//
//	gnet -port 9090 [-loops N]
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/panjf2000/gnet/v2"
)

// echo is gnet's event handler: whatever arrives goes straight back.
type echo struct {
	gnet.BuiltinEventEngine
	addr string
}

func (e *echo) OnBoot(gnet.Engine) gnet.Action {
	fmt.Fprintf(os.Stderr, "listening on %s\n", e.addr)
	return gnet.None
}

func (e *echo) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Next(-1)
	_, _ = c.Write(buf)
	return gnet.None
}

func main() {
	port := flag.Int("port", 9090, "TCP port to listen on")
	loops := flag.Int("loops", 0, "event loops; 0: one per CPU this process may use (gnet's Multicore)")
	flag.Parse()

	addr := fmt.Sprintf("127.0.0.1:%d", *port)
	opts := []gnet.Option{gnet.WithMulticore(true), gnet.WithLockOSThread(true)}
	if *loops > 0 {
		opts = append(opts, gnet.WithNumEventLoop(*loops))
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		os.Exit(0)
	}()
	log.Fatal(gnet.Run(&echo{addr: addr}, "tcp://"+addr, opts...))
}
