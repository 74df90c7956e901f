package detail

import "regexp"

type rule struct {
	re *regexp.Regexp
	zh string
}

// r compiles one rule; ${1}… in zh are re's groups.
func r(re, zh string) rule { return rule{regexp.MustCompile(re), zh} }

// n is a number as the suite writes it (4,215,820; 4.033s; 250ms).
const n = `([0-9](?:[0-9a-zµ]|[,.][0-9])*)`

// sz is a size once the rules of sizes have put it into Chinese.
const sz = `([0-9][0-9,]* 字节(?:（[0-9]+ [KM]iB）)?)`

// zhRules are the suite's phrases in Chinese, longest and most specific
// first: a rule sees what the rules before it left.
var zhRules = []rule{
	// Sizes (probe.Size).
	r(n+` bytes \(([0-9]+) (MiB|KiB)\)`, "${1} 字节（${2} ${3}）"),
	r(`\b1 byte\b`, "1 字节"),
	r(n+` bytes\b`, "${1} 字节"),

	// What happened to an exchange (probe.Exchange.Headline).
	r(`the echo differs from what was sent at offset `+n+` \(received `+n+` of `+sz+`\)`, "回显在偏移 ${1} 处与发送的数据不同（共发送 ${3}，收到 ${2} 字节）"),
	r(`received `+n+` for (.+?) sent: (.+?) more than was sent`, "发送了 ${2}，却收到 ${1}：比发送的多 ${3}"),
	r(`received `+n+` of `+sz+`, then the server closed the connection with a reset \(([^)]*)\)`, "共发送 ${2}，收到 ${1} 字节，随后服务器以复位（RST）关闭了连接（${3}）"),
	r(`received `+n+` of `+sz+`, then the server closed the connection`, "共发送 ${2}，收到 ${1} 字节，随后服务器关闭了连接"),
	r(`received `+n+` of `+sz+`, then nothing for `+n, "共发送 ${2}，收到 ${1} 字节，之后 ${3} 内再没有收到任何数据"),
	r(`received `+n+` of `+sz+`, then the read failed: `, "共发送 ${2}，收到 ${1} 字节，随后读取失败："),
	r(`received `+n+` of `+sz, "共发送 ${2}，收到 ${1} 字节"),
	r(`the whole echo came back, but sending failed: `, "回显全部收到了，但发送失败了："),
	r(`received the whole echo \((.+?)\), then no EOF within `+n, "收到了全部回显（${1}），但 ${2} 内没有收到 EOF"),
	r(`received the whole echo \((.+?)\), then the read failed instead of EOF: `, "收到了全部回显（${1}），随后读取失败，而不是 EOF："),
	r(`received the whole echo \((.+?)\)`, "收到了全部回显（${1}）"),
	r(`; sending had stopped: `, "；发送已经中止："),

	// What was wanted (probe's matchers and the specs).
	r(`^(\s*want:\s+)the same bytes back, then EOF \(the server closing\)`, "${1}原样返回相同的字节，然后是 EOF（服务器关闭连接）"),
	r(`^(\s*want:\s+)the same bytes back`, "${1}原样返回相同的字节"),
	r(`^(\s*want:\s+)its echo, or the connection closed at once`, "${1}它的回显，或者连接被立即关闭"),
	r(`^(\s*want:\s+)only its own bytes back`, "${1}只收回它自己发送的字节"),
	r(`^(\s*want:\s+)its echo`, "${1}它的回显"),

	// How it was sent, and how reading ended (probe.Exchange.Describe).
	r(` \(random\) in `+n+` ([KM]iB) writes, reading once the server has taken it all or stopped taking it`, "（随机数据），每次写 ${1} ${2}，等服务器全部接收或不再接收后再读"),
	r(` \(random\)`, "（随机数据）"),
	r(`as `+n+` one-byte writes`, "分成 ${1} 次单字节写入"),
	r(`\bthen shutdown\(SHUT_WR\)`, "然后 shutdown(SHUT_WR)"),
	r(`\(the greeting, if declared, then the line\)`, "（先是声明的问候语（如有），然后是这一行）"),
	r(`\(the greeting declared in ([^)]+)\)`, "（${1} 中声明的问候语）"),
	r(`, then the server closed the connection with a reset \(([^)]*)\)`, "，随后服务器以复位（RST）关闭了连接（${1}）"),
	r(`, then the server closed the connection`, "，随后服务器关闭了连接"),
	r(`, then EOF\b`, "，然后是 EOF"),
	r(`, then nothing for `+n+` \(connection still open\)`, "，之后 ${1} 内再没有数据（连接仍然打开）"),
	r(`, then no EOF within `+n+` \(the server kept the connection open\)`, "，但 ${1} 内没有 EOF（服务器一直没有关闭连接）"),
	r(`, then the read failed: `, "，随后读取失败："),
	r(` after `+n+`$`, "，用时 ${1}"),
	r(`^(\s*)sending stopped: `, "${1}发送中止："),
	r(`^(\s*)first difference at offset `+n+`:`, "${1}第一处不同在偏移 ${2}："),
	r(`^(\s*)`+n+` extra bytes after the echo: `, "${1}回显之后多出 ${2} 字节："),
	r(`\(ends at `+n+`\)`, "（在 ${1} 处结束）"),

	// The server's state (launch.Server.Report, its status).
	r(`^(\s*)server (\S+) \(pid ([0-9]+), port ([0-9]+)\): running$`, "${1}服务器 ${2}（pid ${3}，端口 ${4}）：运行中"),
	r(`^(\s*)server (\S+) \(pid ([0-9]+), port ([0-9]+)\): `, "${1}服务器 ${2}（pid ${3}，端口 ${4}）："),
	r(`^(\s*)(stderr|stdout) \(last lines\):`, "${1}${2}（最后几行）："),
	r(`）: `, "）："),
	r(`\[\.\.\. ([0-9]+) lines above\]`, "[……上面还有 ${1} 行]"),
	r(`\bexited with status ([0-9]+)`, "已退出，退出码 ${1}"),
	r(`\bwas killed by signal (\S+) \(([0-9]+)\)`, "被信号 ${1}（${2}）杀死"),
	r(`^ended: `, "已结束："),

	// A start or a build that failed (launch).
	r(`: the server (.+?) before listening on port ([0-9]+)`, "：服务器还没有在端口 ${2} 上监听就结束了（${1}）"),
	r(`: the server did not listen on port ([0-9]+) within `+n+` \(it is running`, "：服务器没有在 ${2} 内监听端口 ${1}（它仍在运行"),
	r(`: the server did not listen on port ([0-9]+) within `+n+` \(it `, "：服务器没有在 ${2} 内监听端口 ${1}（它"),
	r(`; check that it binds the port given as \{port\} or \$PORT \(or the manifest's port = N\) and calls listen\(\)`, "；请检查它绑定的是 {port} 或 $$PORT 给出的端口（或清单中的 port = N），并且调用了 listen()"),
	r(` \(it printed nothing\)`, "（它什么也没有输出）"),
	r(` \(last printed: `, "（最后输出："),
	r(`; its (stderr|stdout) ends with:`, "；它的 ${1} 最后是："),
	r(`: no command to run \(`, "：没有要运行的命令（"),
	r(`: no build command \(`, "：没有构建命令（"),
	r(`: cannot start the build `, "：无法启动构建命令 "),
	r(`: cannot start `, "：无法启动 "),
	r(`; a relative path is taken from the manifest's folder `, "；相对路径以清单所在的目录为准："),
	// (the command is quoted, so the rule sees what is on either side)
	r(`: the build $`, "：构建命令 "),
	r(`^ failed \(`, " 失败（"),
	r(`^ did not finish within `+n+`; it was stopped`, " 没有在 ${1} 内完成，已被停止"),
	r(`: the sandbox could not start the server \(`, "：沙箱无法启动服务器（"),
	r(`: cannot make the sandbox: `, "：无法建立沙箱："),
	r(`: interrupted while waiting for the server to listen: `, "：等待服务器监听时被中断："),
	r(`: interrupted during the build: `, "：构建时被中断："),
	r(`permission denied: the file is not executable \(chmod \+x, or run it through its interpreter\)`, "权限不足：文件不可执行（chmod +x，或者通过它的解释器运行）"),
	r(`\bis a directory\b`, "是一个目录"),
	r(`\bexecutable file not found in \$PATH`, "在 $$PATH 中找不到可执行文件"),
	r(`\bno such file or directory\b`, "没有这个文件或目录"),

	// The manifest's errors (manifest.Load); keys, values and examples are
	// quoted or code, so the rules see the words between them.
	r(`: key $`, "：键 "),
	r(`: unknown key $`, "：未知的键 "),
	r(`^; the keys are $`, "；可用的键有 "),
	r(`^ \(check the spelling\)$`, "（请检查拼写）"),
	r(`^ has the wrong type or value \(`, " 的类型或值不对（"),
	r(`\); it should be `, "）；应当是"),
	r(`^ is missing or empty; it should be `, " 缺失或为空；应当是"),
	r(`^ is missing; it should be `, " 缺失；应当是"),
	r(`^ must be positive; it should be `, " 必须是正数；应当是"),
	r(`^ is empty; remove it or name a program; it should be `, " 为空：删掉它，或者写上要运行的程序；应当是"),
	r(` is not a (model|mechanism|port|positive count|pool)\b`, " 不是有效的 ${1}"),
	r(`; it should be `, "；应当是"),
	r(`\bone of $`, "以下之一："),
	r(`^, e\.g\. `, "，例如 "),
	r(`\ban array of strings, e\.g\. `, "字符串数组，例如 "),
	r(`\ban array of strings run once in the folder, e\.g\. `, "在目录中运行一次的字符串数组，例如 "),
	r(`; \{port\} becomes the port, also given as \$PORT`, "；{port} 会换成端口号，端口号也放在 $$PORT 中"),
	r(`\ba string, e\.g\. `, "字符串，例如 "),
	r(`^ \(default: the folder's name\)`, "（默认为目录名）"),
	r(`\ban integer 1-65535 for a server that always listens on one port, e\.g\. port = 9090`, "1 到 65535 之间的整数，用于总是监听固定端口的服务器，例如 port = 9090"),
	r(`\ba duration string or a number of seconds, e\.g\. `, "时长字符串或秒数，例如 "),
	r(`\ba string the server sends first on every connection, e\.g\. `, "服务器在每个连接上最先发送的字符串，例如 "),
	r(`\ba one-line string`, "一行字符串"),
	r(`: no such manifest; a target is a folder with an `, "：没有这个清单；被检查的目标是一个含有 "),
	r(`^ in it$`, " 的目录"),
	r(`\bline ([0-9]+) \(last key $`, "第 ${1} 行（最后一个键 "),
	r(`incompatible types: TOML value has type (\w+); destination has type (\w+)`, "类型不兼容：TOML 中的值是 ${1} 类型，这里需要 ${2} 类型"),
	r(`; fix the TOML syntax there$`, "；请修正那里的 TOML 语法"),
	r(`; fix the TOML syntax$`, "；请修正 TOML 语法"),

	// The specs' frames (spec/failure_test.go and the families).
	r(`the server ended during this spec \(it `, "服务器在这项检查进行中退出了（"),
	r(`: still not so after `+n+`: `, "：过了 ${1} 仍然没有做到："),
	r(`: the spec ran out of time: `, "：这项检查的时间用完了："),
	r(`\bclient ([0-9]+) could not connect`, "客户端 ${1} 无法连接"),
	r(`\bclient ([0-9]+) of ([0-9]+) got neither its echo nor a refusal \(a close\) within `+n+`: `, "第 ${1} 个客户端（共 ${2} 个）在 ${3} 内既没有收到回显，也没有被拒绝（关闭）："),
	r(`\bclient ([0-9]+) got a wrong answer: `, "客户端 ${1} 收到了错误的回复："),
	r(`\bclient ([0-9]+) of ([0-9]+) `, "第 ${1} 个客户端（共 ${2} 个）"),
	r(`^a new client was not served after the others left: `, "其他客户端离开后，新客户端没有得到服务："),
	r(`^the connection to the killed server did not end \(no EOF, no reset\): `, "与被杀死的服务器之间的连接没有结束（没有 EOF，也没有复位）："),
	r(`^nothing was measured: the server was not running at the end of `, "什么也没有测到：服务器在这一步结束时已经不在运行："),
	r(`\bby client ([0-9]+) of ([0-9]+)`, "由第 ${1} 个客户端（共 ${2} 个）"),
	r(`\bby client ([0-9]+)`, "由客户端 ${1}"),
	r(`, with all connected`, "，所有客户端都保持连接"),
	r(`, with the others connected`, "，其他客户端保持连接"),
	r(`\bthe server did not take it within `+n, "服务器没有在 ${1} 内收下它"),
	r(`^the server's writes to the non-reading client blocked`, "服务器向不读数据的客户端写数据时被阻塞"),
	r(`^no zombie processes left after the clients left`, "客户端离开后没有留下僵尸进程"),
	r(`^a new client served after the others left`, "其他客户端离开后，新客户端得到服务"),
	r(`^every process of the server ending after SIGKILL`, "SIGKILL 之后服务器的每个进程都结束"),
	r(`^every process of the server ending within `+n+` of SIGTERM`, "SIGTERM 之后 ${1} 内服务器的每个进程都结束"),
	r(`^the serving children exiting after their clients left`, "客户端离开后，服务它们的子进程退出"),
	r(`^the idle server blocked in its event loop's wait`, "空闲的服务器阻塞在事件循环的等待调用中"),
	r(`^each connection held by a process other than the listening one`, "每个连接都由监听进程以外的进程持有"),
	r(`^the listening process holding none of the 8 connections`, "监听进程不持有这 8 个连接中的任何一个"),
	r(`^echo waiting in the client's receive queue`, "回显在客户端的接收队列中等待"),
	r(`^(\s*)sending `, "${1}发送 "),
	r(` stopped: `, " 中止："),

	// Errors of the operating system the student's code meets by name.
	r(`\bconnection refused\b`, "连接被拒绝（connection refused）"),
	r(`\bconnection reset by peer\b`, "连接被对方复位（connection reset by peer）"),
	r(`\bbroken pipe\b`, "管道已断开（broken pipe）"),
	r(`\bi/o timeout\b`, "I/O 超时"),
}
