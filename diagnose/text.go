package diagnose

import (
	"strings"

	"github.com/echospec/echospec/props"
)

// A hint is worded for one of two kinds of server: one loop serving every
// client (single, multiplex, selector), or a worker per client (a
// process, a thread, a coroutine). "" holds a hint for both.
const (
	loop   = "loop"
	worker = "worker"
)

// kind is the kind of server model is.
func kind(model string) string {
	switch model {
	case "multiprocess", "multithread", "coroutine":
		return worker
	}
	return loop
}

// hint is the hint key in l for model: the kind's own wording if there is
// one, else the one for both.
func hint(key, model string, l props.Lang) string {
	table := hintsEn
	if l == props.Zh {
		table = hintsZh
	}
	if h, ok := table[key+"/"+kind(model)]; ok {
		return h
	}
	return table[key]
}

// HintOf is the hint of the cause named in a failure's line, cause (as
// Cause.Line or a start's headline words it), in l for model; "" if the
// line is none of this package's.
func HintOf(line, model string, l props.Lang) string {
	for _, k := range []struct{ phrase, key string }{
		{"that the client did not send: declare greeting", "greeting"},
		{", not on the port it was given (", "port"},
		{sharedWords, "shared-buffer"},
	} {
		if strings.Contains(line, k.phrase) {
			return hint(k.key, model, l)
		}
	}
	if _, quote, ok := strings.Cut(line, crashWords); ok {
		return hint(classify(quote), model, l)
	}
	return ""
}

// Every hint, in English; hintsZh has each in Chinese (a test checks).
var hintsEn = map[string]string{
	"greeting":             "the server sends these bytes first on every connection, before it echoes anything; the kit reads them as part of each echo until the manifest declares them: add the greeting = line shown, or stop sending them",
	"port":                 "the server binds a port of its own instead of the one the kit gives it: either declare that port in echospec.toml (port = N; the kit then runs it alone, or in a network of its own), or take the port from the command line ({port}) or $PORT",
	"crash":                "the server's own error, quoted above, is what broke this property: fix the line its traceback or message points at (an error raised while serving one client must be caught, that client closed, and the server go on)",
	"decode":               "the server decodes the bytes it receives as text (UTF-8) and fails on bytes that are not: an echo server passes bytes through unchanged — send back what recv() returned, without decode()/encode()",
	"reset/loop":           "a client that reset or closed its connection raised an error that nothing caught, and it ended the loop that serves every client: catch errors around each client's recv()/send() (ConnectionResetError, BrokenPipeError; EPIPE/ECONNRESET in C), close that socket, remove it from the loop, and go on",
	"reset/worker":         "a client that reset or closed its connection raised an error in the code serving it: catch it there (ConnectionResetError, BrokenPipeError; EPIPE/ECONNRESET in C, and ignore SIGPIPE), close that connection and end that worker, not the server",
	"emfile":               "accept() failed with EMFILE: the server had no file descriptor left for a new client. Catch that error (it must not end the server), keep serving the clients already connected, and call accept() again only once a descriptor is free (after a client leaves), not at once in a loop, which spins",
	"fdsetsize":            "select() cannot watch a descriptor of 1024 (FD_SETSIZE) or above, and the server died on one: refuse (close) a new client whose descriptor would be too large, or use poll/epoll, which have no such limit",
	"eagain":               "a non-blocking send() or recv() raised EAGAIN (BlockingIOError) and nothing caught it: on a non-blocking socket that only means \"not now\" — keep the unsent bytes and wait until the socket is readable or writable again",
	"recursion":            "the server's recursion grew with the clients or the data until the stack ran out: serve clients in a loop, not by calling the serving function again",
	"memory":               "the server ran out of memory: it keeps data it should have sent on (or lets a buffer grow without bound); echo what arrives and read no more while a client does not take its echo",
	"segv":                 "the server read or wrote memory it does not own and was killed (a segmentation fault): check every buffer length given to recv(), send(), read() and memcpy(), the fd_set index (FD_SETSIZE) and every array indexed by a descriptor; run it under gcc -fsanitize=address to find the line",
	"abort":                "the server aborted (SIGABRT): its runtime or libc found a bug, often a double free or a corrupted heap; what it printed before ending says which, and gcc -fsanitize=address points at the line",
	"shared-buffer/loop":   "keep what each client sent in a buffer of its own (in a dict keyed by the socket, or in the selector key's data) and write it back only to that client's socket when it is writable: one list for every client hands one client's bytes to whichever socket is writable first",
	"shared-buffer/worker": "each worker must echo from a buffer of its own: a buffer, list or queue shared by every worker hands one client's bytes to another — make it local to the code that serves one connection",
}

var hintsZh = map[string]string{
	"greeting":             "服务器在每个连接上先发送这几个字节，然后才开始回显；在 echospec.toml 声明它之前，检查工具会把它当成每次回显的一部分：按上面显示的那一行加上 greeting = ...，或者不再发送它",
	"port":                 "服务器绑定了自己写死的端口，而不是检查工具给它的端口：要么在 echospec.toml 里声明这个端口（port = N；检查工具会单独运行它，或放在它自己的网络里），要么从命令行（{port}）或环境变量 $PORT 读取端口",
	"crash":                "上面引用的服务器自身的错误导致了此属性失败：修正它的 traceback 或信息所指的那一行（为某个客户服务时抛出的错误要捕获，关闭那个客户的连接，服务器继续运行）",
	"decode":               "服务器把收到的字节当作文本（UTF-8）解码，遇到不是 UTF-8 的字节就出错：回显服务器应当原样传递字节——recv() 返回什么就发送什么，不要 decode()/encode()",
	"reset/loop":           "客户端强制关闭（reset）或关闭连接时抛出的错误没有被捕获，结束了为所有客户服务的循环：在每个客户的 recv()/send() 外面捕获错误（ConnectionResetError、BrokenPipeError；C 语言中是 EPIPE/ECONNRESET），关闭这个socket，把它从循环中移除，然后继续",
	"reset/worker":         "客户端强制关闭（reset）或关闭连接时，为它服务的代码抛出了错误：在那里捕获它（ConnectionResetError、BrokenPipeError；C 语言中是 EPIPE/ECONNRESET，并忽略 SIGPIPE），关闭这个连接，结束这个工作者，而不是整个服务器",
	"emfile":               "accept() 失败，错误是 EMFILE：服务器已经没有文件描述符留给新的客户了。捕获这个错误（它不能结束服务器），继续为已连接的客户服务，等有描述符空出来（某个客户离开之后）再调用 accept()，不要立刻在循环里重试，那样会空转",
	"fdsetsize":            "select() 无法监视编号大于等于 1024（FD_SETSIZE）的描述符，服务器因此退出：描述符过大的新客户要拒绝（关闭），或者改用没有这个限制的 poll/epoll",
	"eagain":               "非阻塞的 send() 或 recv() 抛出了 EAGAIN（BlockingIOError），没有被捕获：在非阻塞socket上它只表示“现在不行”——保存没发出去的字节，等socket再次可读或可写",
	"recursion":            "服务器的递归随着客户或数据增长，直到栈用完：用循环为客户服务，不要再次调用服务函数本身",
	"memory":               "服务器内存耗尽：它保存了本该发出去的数据（或者让缓冲区无限增长）；收到什么就回显什么，客户不读回显时就不要再读它的数据",
	"segv":                 "服务器读写了不属于它的内存，被杀死（段错误）：检查传给 recv()、send()、read() 和 memcpy() 的每个长度、fd_set 的下标（FD_SETSIZE），以及每个用描述符做下标的数组；用 gcc -fsanitize=address 运行可以找到出错的那一行",
	"abort":                "服务器中止了（SIGABRT）：它的运行时或 libc 发现了错误，常见的是重复释放或堆被破坏；它退出前输出的内容说明了是哪一种，gcc -fsanitize=address 可以指出出错的那一行",
	"shared-buffer/loop":   "为每个客户单独保存它发来的数据（放在以socket为键的字典里，或 selector 的 key.data 中），socket可写时只写回给这个客户：所有客户共用一个列表，会把一个客户的数据交给最先可写的那个socket",
	"shared-buffer/worker": "每个工作者都要用自己的缓冲区回显：所有工作者共用的缓冲区、列表或队列会把一个客户的数据交给另一个客户——把它放到只为一个连接服务的代码内部",
}

// Group is the key under which a report groups the failures whose cause
// line is line: one per kind for a shared buffer (the clients named
// differ from spec to spec), one per error class for the server's own
// error (the bytes its message quotes differ), the line itself otherwise.
func Group(line string) string {
	switch {
	case strings.Contains(line, sharedWords):
		return "shared-buffer"
	case strings.HasPrefix(line, crashWords):
		class, _, _ := strings.Cut(strings.TrimPrefix(line, crashWords), ":")
		return crashWords + class
	}
	return line
}
