package diagnose

import (
	"regexp"
	"strings"

	"github.com/echospec/echospec/props"
)

// The lines of causes in Chinese: each English line's fixed words, with
// what it quotes (bytes, ports, files, the server's own words) kept as
// they are.
var zhLines = []struct {
	re *regexp.Regexp
	zh string
}{
	{regexp.MustCompile(`^(.*?)every reply began with (".*") \(([0-9]+) bytes?\) that the client did not send: declare greeting = (".*") in (.*)$`),
		"${1}每个回复都以客户端没有发送过的 ${2}（${3} 字节）开头：请在 ${5} 中声明 greeting = ${4}"},
	{regexp.MustCompile("^(.*?)it listens on (.*), not on the port it was given \\(([0-9]+)\\): set `port = ([0-9]+)` in (.*), or bind \\{port\\}/\\$PORT$"),
		"${1}它监听的是 ${2}，而不是分配给它的端口（${3}）：请在 ${5} 中设置 `port = ${4}`，或者绑定 {port}/$$PORT"},
	{regexp.MustCompile(`^(.*?)(client [0-9]+|a client that has left) received bytes that (client [0-9]+|a client that has left) sent \((".*")\)` + regexp.QuoteMeta(sharedWords) + `$`),
		"${1}${2} 收到了 ${3} 发送的字节（${4}）：服务器把一个客户的数据交给了另一个客户，它的客户共用同一个缓冲区"},
	{regexp.MustCompile(`^(.*?)` + regexp.QuoteMeta(crashWords) + `(.*)$`), "${1}服务器自身的错误：${2}"},
}

var zhClients = strings.NewReplacer("a client that has left", "一个已离开的客户端", "client ", "客户端 ")

// Translate puts a cause's line, or a headline that ends with one, into
// l; any other line comes back as it is.
func Translate(line string, l props.Lang) string {
	if l != props.Zh {
		return line
	}
	for i, z := range zhLines {
		if m := z.re.FindStringSubmatchIndex(line); m != nil {
			out := string(z.re.ExpandString(nil, z.zh, line, m))
			if i == 2 { // the clients' names, outside the quoted bytes
				q := strings.Index(out, "（")
				out = zhClients.Replace(out[:q]) + out[q:]
			}
			return out
		}
	}
	return line
}
