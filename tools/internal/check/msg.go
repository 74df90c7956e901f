package check

import (
	"fmt"
	"strings"

	"github.com/echospec/echospec/props"
)

// msgs are check's own sentences, in every language: what happened, then
// what to check. The properties' and setup steps' texts are in props.
var msgs = map[string]map[props.Lang]string{
	// The run.
	"compiling": {
		props.En: "compiling the suite (go test -c ./spec; it is kept in the cache until the kit changes)",
		props.Zh: "正在编译检查套件（go test -c ./spec；编译结果会缓存，直到检查工具本身改变）",
	},
	"building": {
		props.En: "building and starting %s",
		props.Zh: "正在编译并启动 %s",
	},
	"live": {
		props.En: "spec %d of %d · %s · %s · %s",
		props.Zh: "第 %d 项，共 %d 项 · %s · %s · %s",
	},
	"spec-end": {
		props.En: "[%d/%d] %s %s (%s)",
		props.Zh: "[%d/%d] %s %s（%s）",
	},
	"passed":     {props.En: "passed", props.Zh: "通过"},
	"failed":     {props.En: "failed", props.Zh: "失败"},
	"skipped":    {props.En: "skipped", props.Zh: "跳过"},
	"not-judged": {props.En: "not judged: its setup failed", props.Zh: "未判定：准备步骤失败"},
	// The summary.
	"summary": {
		props.En: "%s (%s): %d passed, %d failed, %d skipped in %s",
		props.Zh: "%s（%s）：%d 项通过，%d 项失败，%d 项跳过，用时 %s",
	},
	"fam-passed": {
		props.En: "%d passed",
		props.Zh: "%d 项通过",
	},
	"fam-failed": {
		props.En: "%d failed: %s",
		props.Zh: "%d 项失败：%s",
	},
	"fam-notjudged": {
		props.En: "%d not judged (setup failed): %s",
		props.Zh: "%d 项未判定（准备步骤失败）：%s",
	},
	"not-judged-count": {
		props.En: "%d not judged: a step that only sets the property up failed, so the property itself was not checked.",
		props.Zh: "%d 项未判定：只是为该属性做准备的步骤失败了，属性本身没有被检查。",
	},
	"fam-advice": {
		props.En: "%d advice, beyond the course: %s",
		props.Zh: "%d 项建议（超出教程范围）：%s",
	},
	"advice-count": {
		props.En: "%d advice, beyond what the tutorial teaches, did not hold: each is shown below, and none changes the exit status.",
		props.Zh: "%d 项建议（超出教程所教的内容）未满足：每项都在下面列出，均不影响退出码。",
	},
	"advice": {
		props.En: "%d advice, beyond the course, in catalogue order; worth knowing, and no effect on the exit status:",
		props.Zh: "%d 项建议，超出教程范围，按属性目录中的顺序列出；值得了解，但不影响退出码：",
	},
	"advice-only": {
		props.En: "Every property the course teaches passed; only advice did not hold (%s, beyond the course), so check exits 0.",
		props.Zh: "教程所教的属性全部通过；只有建议项未满足（%s，超出教程范围），因此 check 以 0 退出。",
	},
	"partly-count": {
		props.En: "%d judged only in part: their outcome stands for what was checked; not checked here:",
		props.Zh: "%d 项只做了部分判定：结果只代表已检查的部分；这里没有检查：",
	},
	"fam-skipped": {
		props.En: "%d skipped: %s",
		props.Zh: "%d 项跳过：%s",
	},
	"fam-notrun": {
		props.En: "%d not run: %s",
		props.Zh: "%d 项未运行：%s",
	},
	"parts-sep": {props.En: "; ", props.Zh: "；"},
	"skip-item": {props.En: "%s (%s)", props.Zh: "%s（%s）"},
	"fam-na": {
		props.En: "skipped: does not apply to the %s model",
		props.Zh: "跳过：不适用于 %s 模型",
	},
	"all-passed": {
		props.En: "Every property checked passed.",
		props.Zh: "所有检查的属性都通过了。",
	},
	"not-all-run": {
		props.En: "%d of the properties selected were not run: the suite ended before them; its output ends with:",
		props.Zh: "所选属性中有 %d 项没有运行：检查套件在运行它们之前就结束了；它最后的输出是：",
	},
	"failures": {
		props.En: "%d failed or not judged, in catalogue order; each once, in full:",
		props.Zh: "%d 项失败或未判定，按属性目录中的顺序列出，每项一次，完整信息如下：",
	},
	"requirement": {props.En: "requirement:", props.Zh: "要求："},
	"happened":    {props.En: "what happened:", props.Zh: "发生了什么："},
	"want":        {props.En: "want:", props.Zh: "期望："},
	"sent":        {props.En: "sent:", props.Zh: "发送："},
	"received":    {props.En: "received:", props.Zh: "收到："},
	"hint":        {props.En: "hint:", props.Zh: "提示："},
	"output-once": {
		props.En: "the server's last output (%s), in %s's spec:",
		props.Zh: "服务器最后的输出（%s，%s 检查项中）：",
	},
	"cut-chars": {
		props.En: "… (%d more characters)",
		props.Zh: "…（还有 %d 个字符）",
	},
	"cut-lines": {
		props.En: "… (%d earlier lines not shown)",
		props.Zh: "…（前面还有 %d 行未显示）",
	},
	"cut-bytes": {
		props.En: "… (%s earlier bytes not kept)",
		props.Zh: "…（前面 %s 字节未保留）",
	},
	"no-output": {
		props.En: "the server's last output: none was captured",
		props.Zh: "服务器最后的输出：没有捕获到",
	},
	"tutorial": {props.En: "tutorial:", props.Zh: "教程原文："},
	// Exit status 2.
	"live-every": {
		props.En: "✗ all %d specs fail at once, for one reason (below)",
		props.Zh: "✗ 全部 %d 项检查因同一个原因立即失败（见下文）",
	},
	"root-cause-all": {
		props.En: "%s: one cause fails every property, so none was checked:",
		props.Zh: "%s：一个原因使所有属性都失败，因此没有检查任何属性：",
	},
	"root-causes": {
		props.En: "%d root cause(s) the kit saw, each once, with the failures it explains:",
		props.Zh: "检查工具发现了 %d 个根本原因，每个只列一次，并列出它导致的失败：",
	},
	"explains":      {props.En: "explains:", props.Zh: "导致的失败："},
	"cause":         {props.En: "cause:", props.Zh: "原因："},
	"hint-of-cause": {props.En: "see root cause (%d) above", props.Zh: "见上面的根本原因（%d）"},
	// The sandbox (launch.Layers), said once when a layer is missing.
	"sandbox-missing": {
		props.En: "note: the server's sandbox has no %s layer here: %s",
		props.Zh: "注意：这里服务器的沙箱缺少“%s”这一层：%s",
	},
	"layer-user":      {props.En: "user", props.Zh: "独立用户"},
	"layer-files":     {props.En: "files", props.Zh: "文件隔离"},
	"layer-processes": {props.En: "processes", props.Zh: "进程隔离"},
	"layer-memory":    {props.En: "memory", props.Zh: "内存上限"},
	"layer-disk":      {props.En: "disk", props.Zh: "磁盘上限"},
	"cannot-run": {
		props.En: "%s could not be built or started, so no property was checked:",
		props.Zh: "%s 无法编译或启动，因此没有检查任何属性：",
	},
	"no-manifest": {
		props.En: "%s has no echospec.toml: write one with `{cmd} init %s`, then choose the model in it",
		props.Zh: "%s 中没有 echospec.toml：先运行 `{cmd} init %s` 生成一个，再在其中选择并发模型（model）",
	},
	"bad-manifest": {
		props.En: "the manifest is not valid, so nothing was run:",
		props.Zh: "清单文件（echospec.toml）无效，因此没有运行任何检查：",
	},
	"no-verdict": {
		props.En: "the suite ended (%v) without a verdict; its output ends with:",
		props.Zh: "检查套件结束了（%v），但没有给出结论；它最后的输出是：",
	},
	"compile-failed": {
		props.En: "the suite could not be compiled: run check from the echospec folder ({check} DIR):",
		props.Zh: "无法编译检查套件：请在 echospec 目录中运行（{check} DIR）：",
	},
	"unknown-id": {
		props.En: "--only %s: no such property; `{cmd} list` shows them all",
		props.Zh: "--only %s：没有这个属性；`{cmd} list` 会列出全部属性",
	},
	"unknown-family": {
		props.En: "--family %s: no such family; the families are %s",
		props.Zh: "--family %s：没有这个类别；类别有 %s",
	},
	"none-selected": {
		props.En: "no property of the selection applies to the %s model: `{cmd} list` shows which models each applies to",
		props.Zh: "所选的属性都不适用于 %s 模型：`{cmd} list` 会列出每个属性适用的模型",
	},
	"bad-lang": {
		props.En: "--lang %s: check speaks en and zh",
		props.Zh: "--lang %s：check 支持 en 和 zh",
	},
	// Watch mode.
	"watching": {
		props.En: "watching %s: saving a file runs the check again; Ctrl-C stops",
		props.Zh: "正在监视 %s：保存文件会重新检查；按 Ctrl-C 停止",
	},
	"changed": {
		props.En: "%s changed: checking again",
		props.Zh: "%s 已修改：重新检查",
	},
	"interrupted": {
		props.En: "stopped by %s; nothing is left running",
		props.Zh: "已因 %s 停止；没有留下任何运行中的进程",
	},
	"sig-int":  {props.En: "Ctrl-C (SIGINT)", props.Zh: "Ctrl-C（SIGINT）"},
	"sig-term": {props.En: "SIGTERM", props.Zh: "SIGTERM（终止信号）"},
	"sig-hup":  {props.En: "SIGHUP (the terminal was closed)", props.Zh: "SIGHUP（终端已关闭）"},
	"went": {
		props.En: "%s: %s → %s",
		props.Zh: "%s：%s → %s",
	},
	"changes-none": {
		props.En: "no property changed since the last run",
		props.Zh: "与上次相比没有属性发生变化",
	},
	"changes": {
		props.En: "since the last run:",
		props.Zh: "与上次相比：",
	},
	"not-run": {props.En: "not run", props.Zh: "未运行"},
	// init.
	"init-wrote": {
		props.En: "wrote %s for %s: choose the model in it (it guesses %s), then run `{check} %s`",
		props.Zh: "已为 %[2]s 写好 %[1]s：请在其中选择并发模型（目前猜测为 %[3]s），然后运行 `{check} %[4]s`",
	},
	"init-exists": {
		props.En: "%s exists already; check leaves it as it is (remove it to write a new one)",
		props.Zh: "%s 已经存在；check 不会覆盖它（删掉它才能重新生成）",
	},
	"init-none": {
		props.En: "found no server in %s: init knows server.py, server.c, main.go, Server.java, server.js and main.rs (or src/main.rs with Cargo.toml)",
		props.Zh: "在 %s 中没有找到服务器：init 认识 server.py、server.c、main.go、Server.java、server.js 和 main.rs（或带 Cargo.toml 的 src/main.rs）",
	},
	// list.
	"list-applies": {
		props.En: "applies to:",
		props.Zh: "适用于：",
	},
	"list-advisory": {
		props.En: "advice: beyond the course; shown, but it does not fail check, and weighs 0 unless a rubric gives it weight",
		props.Zh: "建议项：超出教程范围；会显示，但不会使 check 失败，除非评分规则给它权重，否则计 0 分",
	},
	"list-every": {
		props.En: "every model",
		props.Zh: "所有模型",
	},
	"model-names": {
		props.En: "single|multiprocess|multithread|coroutine|multiplex|selector",
		props.Zh: "single（单进程）|multiprocess（多进程）|multithread（多线程）|coroutine（协程）|multiplex（IO多路复用）|selector",
	},
	"list-pool-only": {
		props.En: "with pool = N",
		props.Zh: "需 pool = N",
	},
	"list-no-pool": {
		props.En: "without a pool",
		props.Zh: "无池时",
	},
	"list-mech": {
		props.En: "mechanism = %q",
		props.Zh: "mechanism = %q 时",
	},
	"usage":       {props.En: "usage:", props.Zh: "用法："},
	"usage-flags": {props.En: "flags:", props.Zh: "选项："},
	"usage-check": {
		props.En: "build and test the server in DIR (default .)",
		props.Zh: "编译并检查 DIR 中的服务器（默认为当前目录）",
	},
	"usage-list": {
		props.En: "the properties: ID, the models each applies to, requirement",
		props.Zh: "列出所有属性：编号、适用的模型、要求",
	},
	"usage-init": {
		props.En: "write a commented echospec.toml for the server in DIR",
		props.Zh: "为 DIR 中的服务器生成带注释的 echospec.toml",
	},
	"flags": {props.En: "[flags]", props.Zh: "[选项]"},
	"flag-lang": {
		props.En: "the language of every message: en or zh (default: from $LC_ALL, $LC_MESSAGES or $LANG)",
		props.Zh: "所有信息使用的语言：en 或 zh（默认取自 $LC_ALL、$LC_MESSAGES 或 $LANG）",
	},
	"flag-watch": {
		props.En: "run again whenever a file in DIR changes; Ctrl-C stops",
		props.Zh: "DIR 中的文件一有改动就重新检查；按 Ctrl-C 停止",
	},
	"flag-only": {
		props.En: "check only these properties, e.g. --only ECHO-4 or --only ECHO-4,LIFE-1 (repeatable)",
		props.Zh: "只检查这些属性，例如 --only ECHO-4 或 --only ECHO-4,LIFE-1（可以重复给出）",
	},
	"flag-family": {
		props.En: "check only these families, e.g. --family reset (repeatable): %s",
		props.Zh: "只检查这些类别，例如 --family reset（可以重复给出）：%s",
	},
	"flag-patience": {
		props.En: "multiply every deadline by this factor, e.g. 2 on a slow machine (also $ECHOSPEC_PATIENCE)",
		props.Zh: "把每个时限乘以这个系数，例如在慢机器上用 2（也可以用 $ECHOSPEC_PATIENCE 设置）",
	},
	"flag-suite": {
		props.En: "a suite compiled with go test -c ./spec, instead of compiling one now",
		props.Zh: "使用一个已用 go test -c ./spec 编译好的检查套件，而不是现在编译",
	},
	"flag-default": {props.En: " (default %s)", props.Zh: "（默认为 %s）"},
	"one-folder": {
		props.En: "one folder at a time, not %s",
		props.Zh: "一次只能检查一个目录，而不是 %s",
	},
	"bad-patience": {
		props.En: "--patience %v: it must be a positive factor, e.g. 2 on a slow machine",
		props.Zh: "--patience %v：它必须是一个正的系数，例如在慢机器上用 2",
	},
	"flag-serial": {
		props.En: "run the specs one at a time (by default two suites run at once, for a server that takes {port})",
		props.Zh: "逐项依次运行检查（默认对使用 {port} 的服务器同时运行两个检查套件）",
	},
	// The echospec command.
	"echospec-usage": {
		props.En: `usage: echospec COMMAND [flags]
  echospec check [DIR]      build and test the server in DIR (--watch, --only ECHO-4, --family reset, --lang zh)
  echospec init [DIR]       write a commented echospec.toml for the server in DIR
  echospec list             the properties and the models each applies to
  echospec grade DIR...     grade a class: every folder with an echospec.toml
  echospec merge SHARD...   join the outputs of grade --shard runs
  echospec gradescope       build a Gradescope autograder (--manifest teacher/echospec.toml)
  echospec github DIR       the GitHub Action's run: a job summary and annotations
Exit status: 0 passed (advice beyond the course aside), 1 a property failed, 2 the manifest or the server is broken.
"echospec COMMAND --help" lists a command's flags.`,
		props.Zh: `用法：echospec 命令 [选项]
  echospec check [DIR]      编译并检查 DIR 中的服务器（--watch、--only ECHO-4、--family reset、--lang zh）
  echospec init [DIR]       为 DIR 中的服务器生成带注释的 echospec.toml
  echospec list             列出所有属性及其适用的模型
  echospec grade DIR...     给全班评分：每个含 echospec.toml 的目录是一份作业
  echospec merge SHARD...   合并 grade --shard 各分片的输出
  echospec gradescope       生成 Gradescope 自动评分包（--manifest teacher/echospec.toml）
  echospec github DIR       GitHub Action 的运行：作业摘要和注释
退出码：0 全部通过（超出教程范围的建议项除外），1 有属性失败，2 清单或服务器有问题。
"echospec 命令 --help" 会列出该命令的选项。`,
	},
	"echospec-unknown": {
		props.En: "echospec: no command %q",
		props.Zh: "echospec：没有 %q 这个命令",
	},
}

// progName is how the student runs check: "go run ./tools/check", or
// "echospec" (then check itself is "echospec check").
var progName = "go run ./tools/check"

// usage is check's usage in l, its commands' columns aligned.
func usage(l props.Lang) string {
	rows := [][2]string{
		{checkCommand() + " " + msg(l, "flags") + " [DIR]", msg(l, "usage-check")},
		{progName + " list", msg(l, "usage-list")},
		{progName + " init [DIR]", msg(l, "usage-init")},
	}
	w := 0
	for _, r := range rows {
		w = max(w, columns(r[0]))
	}
	var b strings.Builder
	b.WriteString(msg(l, "usage") + "\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "  %s   %s\n", pad(r[0], w), r[1])
	}
	b.WriteString(msg(l, "usage-flags"))
	return b.String()
}

// checkCommand is the command that checks a server.
func checkCommand() string {
	if progName == "echospec" {
		return "echospec check"
	}
	return progName
}

// Message is the sentence key of check's catalogue in l, formatted with
// args: the echospec command's own sentences live here too.
func Message(l props.Lang, key string, args ...any) string { return msg(l, key, args...) }

// msg is the sentence key in l, formatted with args; {check} and {cmd} in
// it become the commands that run a check and a subcommand (init, list).
func msg(l props.Lang, key string, args ...any) string {
	t, ok := msgs[key][l]
	if !ok {
		t = msgs[key][props.En]
	}
	if strings.Contains(t, "{") {
		t = strings.NewReplacer("{check}", checkCommand(), "{cmd}", progName).Replace(t)
	}
	if len(args) == 0 {
		return t
	}
	return fmt.Sprintf(t, args...)
}
