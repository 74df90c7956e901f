package props

import (
	"path/filepath"
	"strings"
)

// Code is the programming language a server is written in, as far as its
// manifest tells: a hint that names a language's construct (finally, a
// with block, goto to the close, MSG_NOSIGNAL) names the student's.
type Code string

// The languages of code a manifest's command or build names.
const (
	Unknown Code = ""
	C       Code = "c"
	Python  Code = "python"
	Java    Code = "java"
	Node    Code = "node"
	Go      Code = "go"
	Rust    Code = "rust"
)

// CodeOf is the language of a server built by build and run by command
// (a manifest's arrays): the compiler or interpreter they name, else the
// extension of the file they run; Unknown when neither tells.
func CodeOf(command, build []string) Code {
	for _, argv := range [][]string{build, command} {
		if len(argv) == 0 {
			continue
		}
		prog := strings.TrimSuffix(filepath.Base(argv[0]), ".exe")
		switch {
		case prog == "gcc" || prog == "cc" || prog == "clang" || strings.HasPrefix(prog, "gcc-") || strings.HasPrefix(prog, "clang-"):
			return C
		case strings.HasPrefix(prog, "python") || prog == "pypy3" || prog == "uv":
			return Python
		case prog == "java" || prog == "javac" || prog == "mvn" || prog == "gradle":
			return Java
		case prog == "node" || prog == "nodejs" || prog == "npm" || prog == "bun" || prog == "deno":
			return Node
		case prog == "go":
			return Go
		case prog == "cargo" || prog == "rustc":
			return Rust
		}
		for _, a := range argv[1:] {
			switch filepath.Ext(a) {
			case ".c":
				return C
			case ".py":
				return Python
			case ".java":
				return Java
			case ".js", ".mjs":
				return Node
			case ".go":
				return Go
			case ".rs":
				return Rust
			}
		}
	}
	return Unknown
}

// InCode is In(l) with the hint worded for code where the property's
// hint names a language's construct and there is a wording for code.
func (p Property) InCode(l Lang, code Code) Property {
	p = p.In(l)
	if h, ok := codeHints[p.ID][code]; ok {
		if l == Zh {
			p.Hint = h.zh
		} else {
			p.Hint = h.en
		}
	}
	return p
}

type codeHint struct{ en, zh string }

// codeHints are the hints that name a language's construct, per language
// of code; a property or a language not here keeps the catalogue's hint,
// which names the constructs of several.
var codeHints = map[string]map[Code]codeHint{
	"ECHO-2": {
		Python: {"bytes came back changed, or not at all: data.decode() raises on, or alters, bytes that are not valid UTF-8 — keep the data as bytes and send back exactly what recv() returned, with no decode()/encode()",
			"返回的字节被改动了，或者根本没有返回：data.decode() 遇到不是合法 UTF-8 的字节会抛出异常或改动它们——把数据当作 bytes，原样发回 recv() 返回的内容，不要 decode()/encode()"},
		C: {"bytes came back changed, or not at all: a NUL byte ends a C string — echo the n bytes recv() returned with send(fd, buf, n, 0), never strlen(buf), strcpy() or printf(\"%s\") on the data",
			"返回的字节被改动了，或者根本没有返回：NUL 字节会结束一个 C 字符串——用 send(fd, buf, n, 0) 发回 recv() 返回的 n 个字节，不要对数据用 strlen(buf)、strcpy() 或 printf(\"%s\")"},
	},
	"ECHO-4": {
		Python: {"the echo stopped short of 8 MiB once the client fell behind: sock.send(data) may write only part of data, and on a non-blocking socket raises BlockingIOError when the buffer is full — keep what was not written (data[n:]) and send it when select() says the socket is writable, or use sock.sendall(data) on a blocking socket",
			"客户端读得慢了之后，回显不到 8 MiB 就停了：sock.send(data) 可能只写出 data 的一部分，在非阻塞socket上缓冲区满时还会抛出 BlockingIOError——保存没写出去的部分（data[n:]），等 select() 报告socket可写时再发，或者在阻塞socket上用 sock.sendall(data)"},
		C: {"the echo stopped short of 8 MiB once the client fell behind: send() returns how many bytes it wrote, which may be fewer than asked, or -1 with errno EAGAIN on a non-blocking socket — keep buf + n and the count left, and send the rest when poll()/epoll says the socket is writable (POLLOUT/EPOLLOUT), or loop until all is sent on a blocking one",
			"客户端读得慢了之后，回显不到 8 MiB 就停了：send() 返回实际写出的字节数，可能比要求的少；在非阻塞socket上还可能返回 -1 且 errno 为 EAGAIN——记下 buf + n 和剩余的字节数，等 poll()/epoll 报告socket可写（POLLOUT/EPOLLOUT）时再发剩下的，或者在阻塞socket上循环发送直到全部发完"},
	},
	"LIFE-2": {
		Python: {"the server's descriptor count grew as clients left: a socket stays open until the server closes it — close every accepted socket when its client is done, on every path: use `with conn:` or try/finally, and keep no finished clients in a list",
			"客户端离开后，服务器的描述符数量不断增长：socket在服务器关闭它之前一直占着——每个客户端结束后都要关闭对应的socket，包括出错的路径：用 `with conn:` 或 try/finally，并且不要在列表里留着已经结束的客户端"},
		C: {"the server's descriptor count grew as clients left: a socket stays open until the server closes it — call close(fd) when recv() returns 0 or -1, on every path (a goto to one close at the end of the function), and remove it from the fd_set/poll array/epoll set",
			"客户端离开后，服务器的描述符数量不断增长：socket在服务器关闭它之前一直占着——recv() 返回 0 或 -1 时都要 close(fd)，每条路径都不能漏（出错时 goto 到函数末尾唯一的 close），并把它从 fd_set / poll 数组 / epoll 集合中移除"},
		Java: {"the server's descriptor count grew as clients left: a socket stays open until the server closes it — open each accepted Socket in try-with-resources (try (Socket s = server.accept()) { ... }), so that it is closed on every path",
			"客户端离开后，服务器的描述符数量不断增长：socket在服务器关闭它之前一直占着——用 try-with-resources 打开每个接受的 Socket（try (Socket s = server.accept()) { ... }），这样每条路径都会关闭它"},
		Go: {"the server's descriptor count grew as clients left: a connection stays open until the server closes it — start each connection's function with defer conn.Close(), so that it is closed on every return",
			"客户端离开后，服务器的描述符数量不断增长：连接在服务器关闭它之前一直占着——在处理每个连接的函数开头写 defer conn.Close()，这样每次返回时都会关闭它"},
		Node: {"the server's descriptor count grew as clients left: a socket stays open until it is ended — call socket.end() on 'end' and socket.destroy() on 'error', and keep no finished sockets in a list",
			"客户端离开后，服务器的描述符数量不断增长：socket在结束之前一直占着——在 'end' 事件里调用 socket.end()，在 'error' 事件里调用 socket.destroy()，并且不要在列表里留着已经结束的socket"},
		Rust: {"the server's descriptor count grew as clients left: a TcpStream is closed when it is dropped — do not keep finished streams in a Vec or a map; let each go out of scope when its client is done",
			"客户端离开后，服务器的描述符数量不断增长：TcpStream 在被 drop 时才关闭——不要把已经结束的连接留在 Vec 或 map 里，客户端结束后让它离开作用域"},
	},
	"RESET-1": {
		Python: {"the server stopped serving after a client aborted: conn.recv() raises ConnectionResetError when a client resets the connection — catch it (except OSError) around that client's recv(), close its socket and keep serving the others",
			"一个客户端强制关闭连接后，服务器不再服务：客户端重置连接时 conn.recv() 会抛出 ConnectionResetError——在这个客户端的 recv() 外面捕获它（except OSError），关闭它的socket，继续服务其他客户端"},
		C: {"the server stopped serving after a client aborted: recv() returns -1 with errno ECONNRESET when a client resets the connection — treat -1 like 0 for that client: close(fd), drop it from the loop, and keep serving the others (do not exit() or break the accept loop)",
			"一个客户端强制关闭连接后，服务器不再服务：客户端重置连接时 recv() 返回 -1，errno 为 ECONNRESET——对这个客户端把 -1 当作 0 处理：close(fd)，把它从循环中移除，继续服务其他客户端（不要 exit()，也不要跳出 accept 循环）"},
	},
	"MODEL-2": {
		Python: {"the listening process kept its copy of each connection: after os.fork() parent and child both hold the socket, and the client gets no EOF while the parent's copy is open — call conn.close() in the parent right after fork() (or after Process(...).start())",
			"监听进程保留了每个连接的副本：os.fork() 之后父子进程都持有这个socket，只要父进程的副本还开着，客户端就收不到 EOF——fork() 之后（或 Process(...).start() 之后）立即在父进程中调用 conn.close()"},
		C: {"the listening process kept its copy of each connection: after fork() parent and child both hold the descriptor, and the client gets no EOF while the parent's copy is open — close(connfd) in the parent right after fork(), and close(listenfd) in the child",
			"监听进程保留了每个连接的副本：fork() 之后父子进程都持有这个描述符，只要父进程的副本还开着，客户端就收不到 EOF——fork() 之后立即在父进程中 close(connfd)，并在子进程中 close(listenfd)"},
	},
	"MODEL-3": {
		Python: {"finished children stayed behind as zombies (state Z): a child's exit waits until its parent collects it — call os.waitpid(-1, os.WNOHANG) in a loop (e.g. in a signal.SIGCHLD handler), or signal.signal(signal.SIGCHLD, signal.SIG_IGN)",
			"结束的子进程成了僵尸进程（状态 Z）：子进程退出后要等父进程回收——循环调用 os.waitpid(-1, os.WNOHANG)（例如在 signal.SIGCHLD 的处理函数里），或者 signal.signal(signal.SIGCHLD, signal.SIG_IGN)"},
		C: {"finished children stayed behind as zombies (state Z): a child's exit waits until its parent collects it — in a SIGCHLD handler loop on while (waitpid(-1, NULL, WNOHANG) > 0); (installed with sigaction and SA_RESTART so that accept() is not interrupted), or signal(SIGCHLD, SIG_IGN)",
			"结束的子进程成了僵尸进程（状态 Z）：子进程退出后要等父进程回收——在 SIGCHLD 处理函数中循环 while (waitpid(-1, NULL, WNOHANG) > 0);（用 sigaction 并加上 SA_RESTART 安装，免得 accept() 被中断），或者 signal(SIGCHLD, SIG_IGN)"},
	},
	"PROC-1": {
		Python: {"the restarted server could not bind its port (OSError: [Errno 98] Address already in use): the killed server's connections keep the port busy in TIME_WAIT — call sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1) before sock.bind()",
			"重启后的服务器绑定不了端口（OSError: [Errno 98] Address already in use）：被杀死的服务器的连接在 TIME_WAIT 状态中仍占着端口——在 sock.bind() 之前调用 sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)"},
		C: {"the restarted server could not bind its port (bind: Address already in use): the killed server's connections keep the port busy in TIME_WAIT — int one = 1; setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); before bind()",
			"重启后的服务器绑定不了端口（bind: Address already in use）：被杀死的服务器的连接在 TIME_WAIT 状态中仍占着端口——在 bind() 之前执行 int one = 1; setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);"},
		Java: {"the restarted server could not bind its port (BindException: Address already in use): the killed server's connections keep the port busy in TIME_WAIT — create the ServerSocket unbound, call setReuseAddress(true), then bind()",
			"重启后的服务器绑定不了端口（BindException: Address already in use）：被杀死的服务器的连接在 TIME_WAIT 状态中仍占着端口——先创建未绑定的 ServerSocket，调用 setReuseAddress(true)，再 bind()"},
	},
	"CAP-4": {
		Python: {"the server failed past select()'s FD_SETSIZE of 1,024: select.select() raises ValueError (filedescriptor out of range) for a socket whose fileno() is 1,024 or more — close such a client at once (check conn.fileno() after accept()), or use selectors.DefaultSelector / select.poll(), and keep serving the others",
			"超过 select() 的 FD_SETSIZE（1,024）后服务器出错了：socket的 fileno() 达到 1,024 或以上时，select.select() 会抛出 ValueError（filedescriptor out of range）——accept() 之后检查 conn.fileno()，把这样的客户端立即关闭，或者改用 selectors.DefaultSelector / select.poll()，继续服务其他客户端"},
		C: {"the server failed past select()'s FD_SETSIZE of 1,024: FD_SET(fd, &set) with fd >= FD_SETSIZE writes past the fd_set and corrupts the stack — after accept(), close(fd) at once if fd >= FD_SETSIZE, or use poll() or epoll, and keep serving the others",
			"超过 select() 的 FD_SETSIZE（1,024）后服务器出错了：fd >= FD_SETSIZE 时 FD_SET(fd, &set) 会写到 fd_set 之外，破坏栈——accept() 之后如果 fd >= FD_SETSIZE 就立即 close(fd)，或者改用 poll() 或 epoll，继续服务其他客户端"},
	},
	"RESET-2": {
		Python: {"the server died or stopped when a client aborted during a large echo: sock.send() to an aborted client raises BrokenPipeError or ConnectionResetError — catch them (except OSError) around that client's send(), close its socket and keep serving the others",
			"服务器正在写一大段回显时客户端强制关闭了连接，服务器随之退出或停止：对已断开的客户端调用 sock.send() 会抛出 BrokenPipeError 或 ConnectionResetError——在这个客户端的 send() 外面捕获它们（except OSError），关闭它的socket，继续服务其他客户端"},
		C: {"the server died or stopped when a client aborted during a large echo: send() to an aborted client raises SIGPIPE, which kills the process, or fails with EPIPE/ECONNRESET — send with send(fd, p, n, MSG_NOSIGNAL) (or signal(SIGPIPE, SIG_IGN) at start), and on -1 close that client's fd and go on",
			"服务器正在写一大段回显时客户端强制关闭了连接，服务器随之退出或停止：对已断开的客户端 send() 会触发 SIGPIPE 信号把进程杀死，或者以 EPIPE/ECONNRESET 失败——用 send(fd, p, n, MSG_NOSIGNAL) 发送（或在开头调用 signal(SIGPIPE, SIG_IGN)），返回 -1 时关闭这个客户端的 fd 并继续"},
	},
	"RESET-3": {
		Python: {"a descriptor leaked on each aborted client: an exception that skips close() loses one socket per reset until the process reaches its limit — close the client's socket on every path: serve it inside `with conn:` or close it in finally, not only after a clean EOF",
			"每个强制断开的客户端都泄漏了一个描述符：跳过 close() 的异常路径每次复位都会丢掉一个socket，直到进程达到上限——每条路径都要关闭客户端的socket：在 `with conn:` 里服务它，或者在 finally 中关闭它，而不只是在正常收到 EOF 之后"},
		C: {"a descriptor leaked on each aborted client: an error return that skips close() loses one socket per reset until the process reaches its limit — on every error of recv()/send() (-1 with ECONNRESET or EPIPE) goto the one close(fd) at the end of the client's code; send with MSG_NOSIGNAL so that SIGPIPE does not end the process first",
			"每个强制断开的客户端都泄漏了一个描述符：跳过 close() 的错误返回每次复位都会丢掉一个socket，直到进程达到上限——recv()/send() 每次出错（返回 -1，errno 为 ECONNRESET 或 EPIPE）都 goto 到客户端代码末尾唯一的 close(fd)；用 MSG_NOSIGNAL 发送，免得 SIGPIPE 先把进程杀死"},
		Java: {"a descriptor leaked on each aborted client: an IOException that skips close() loses one socket per reset until the process reaches its limit — open each accepted Socket in try-with-resources, and catch the IOException of that client only",
			"每个强制断开的客户端都泄漏了一个描述符：跳过 close() 的 IOException 每次复位都会丢掉一个socket，直到进程达到上限——用 try-with-resources 打开每个接受的 Socket，并只为这个客户端捕获 IOException"},
		Go: {"a descriptor leaked on each aborted client: a return on a read or write error that skips Close() loses one connection per reset until the process reaches its limit — defer conn.Close() first thing in each connection's goroutine",
			"每个强制断开的客户端都泄漏了一个描述符：读写出错时直接返回、跳过 Close()，每次复位都会丢掉一个连接，直到进程达到上限——在每个连接的 goroutine 一开始就 defer conn.Close()"},
		Node: {"a descriptor leaked on each aborted client: a socket whose 'error' (ECONNRESET) is not handled is never destroyed — add socket.on('error', () => socket.destroy()) to every connection",
			"每个强制断开的客户端都泄漏了一个描述符：没有处理 'error'（ECONNRESET）的socket永远不会被销毁——给每个连接加上 socket.on('error', () => socket.destroy())"},
		Rust: {"a descriptor leaked on each aborted client: a stream kept after its read or write returned Err is never dropped — on Err, return from the client's function (or remove it from the map) so that the TcpStream is dropped",
			"每个强制断开的客户端都泄漏了一个描述符：读写返回 Err 之后仍被保留的连接永远不会被 drop——遇到 Err 就从处理这个客户端的函数返回（或把它从 map 中移除），让 TcpStream 被 drop"},
	},
}
