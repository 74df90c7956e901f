package grade

import (
	"flag"
	"fmt"
	"strings"

	"github.com/echospec/echospec/manifest"
	"github.com/echospec/echospec/props"
	"github.com/echospec/echospec/rlimit"
)

// printUsage writes grade's usage and flags in the language of a --lang
// among args, else the locale's: English as usage and PrintDefaults word
// it, Chinese from zhHelp (a flag it lacks keeps its English words).
func printUsage(fs *flag.FlagSet, args []string) {
	w := fs.Output()
	if helpLang(args) != props.Zh {
		fmt.Fprint(w, usage)
		fs.PrintDefaults()
		return
	}
	fmt.Fprint(w, zhUsage)
	fs.VisitAll(func(f *flag.Flag) {
		text := f.Usage
		if zh, ok := zhHelp[f.Name]; ok {
			text = zh
		}
		fmt.Fprintf(w, "  --%s\n    \t%s", f.Name, text)
		if d := f.DefValue; d != "" && d != "false" && d != "0" {
			fmt.Fprintf(w, "（默认为 %s）", d)
		}
		fmt.Fprintln(w)
	})
}

// helpLang is the language of a --lang among args, else the locale's.
func helpLang(args []string) props.Lang {
	for i, a := range args {
		name := strings.TrimLeft(a, "-")
		if v, ok := strings.CutPrefix(name, "lang="); ok && a != name {
			if l, good := props.ParseLang(v); good {
				return l
			}
		}
		if name == "lang" && a != name && i+1 < len(args) {
			if l, good := props.ParseLang(args[i+1]); good {
				return l
			}
		}
	}
	return props.LocaleLang()
}

const zhUsage = `用法：grade [选项] DIR...
      grade merge [--out DIR] [--rubric FILE] [--expect] SHARD_OUT...
      grade reasons OUT_DIR
      grade gradescope [--root /autograder]
      grade github DIR

DIR 之中或之下每个含有 echospec.toml 的目录都是一份作业。
merge 读取每个分片输出目录中的 grade.json，写出全班的输出，就像一次评完一样。
reasons 从 OUT_DIR/grade.json 中列出每份作业、每个编号的失败的第一行，
用来挑选 [expect.reasons] 的短语。
github 为 GitHub Actions 作业（action.yml）在 DIR 中的服务器上运行检查套件：
作业摘要、::error 注释和退出码。
gradescope 是 Gradescope 自动评分器 run_autograder 的主体（make gradescope
生成评分包）：它用评分包中的清单和评分标准给 root/submission 评分，并写出
root/results/results.json。

选项：
`

// zhHelp are grade's flags' texts in Chinese.
var zhHelp = map[string]string{
	"out":             "输出写到的目录（make fixtures 用 out/grade）",
	"parallel":        "同时评分的作业数（检查套件大部分时间在等待）",
	"patience":        "把检查套件的每个时限以及 --timeout 乘以这个系数",
	"timeout":         "一份作业的检查套件可以运行多久（乘以 --patience），超时即被停止",
	"shard":           "只评第 i 个分片（共 n 个，例如 2/4）：按名字每隔 n 份取一份；用 `grade merge` 合并各分片的输出；auto：取自 Kubernetes Indexed Job、GitHub Actions matrix 或 Slurm array",
	"shards":          "配合 --shard auto：引擎的变量没有给出时，一共有多少个分片",
	"rubric":          "评分标准的 TOML 文件（默认：内置的 " + DefaultRubricFile + "）",
	"expect":          "除非每份作业失败的正好是它清单中 [expect] 列出的编号（以及 may_fail 中的任意编号），且每项都因其 [expect.reasons] 中的短语失败，否则以非零码退出",
	"suite":           "运行一个已编译的检查套件（go test -c ./spec），而不是现在编译",
	"repeat":          "每份作业的检查套件运行 N 次（种子 S、S+1、……）：既通过又失败的编号是不稳定的，按评分标准中 unstable = 的规定计分",
	"seed":            "检查套件的随机种子（检查项的顺序和数据）；每次运行都会打印所用的种子（默认：取自时钟）",
	"lang":            "所有输出中要求、提示和失败信息的语言：en 或 zh（默认与 check 一样取自 $LC_ALL、$LC_MESSAGES 或 $LANG；grade.json 和 --expect 保持检查套件的英文）",
	"rerun-failed":    "之前一次运行的 grade.json：只重新评那次失败、未判定、超时或不稳定的部分，并合并进来（不需要 DIR）",
	"manifest":        "课程的清单：它决定每份作业的模型、池、机制和限制；学生自己的 echospec.toml 只能设置 --student-may-set 中的键，输出会说明它的哪些键没有被采用",
	"student-may-set": "配合 --manifest：学生自己的 echospec.toml 可以设置的键，用逗号分隔（绝不能包括 " + strings.Join(manifest.CourseOnly, "、") + "）",
	"unsandboxed":     "不用沙箱评分：每份作业都以你的用户运行，能读写你的文件和其他作业，还能杀死评分程序；只用于本身就隔离每份作业的机器（Gradescope 容器）。不加这个选项时，如果这台机器不能给每个服务器独立的用户、文件和进程，grade 会拒绝评分",
	"memory":          "每个服务器的内存上限，例如 2GiB（默认为 " + rlimit.Bytes(rlimit.Defaults.Memory) + "）",
	"disk":            "每个服务器的磁盘上限：它的目录副本、/tmp 和 /dev/shm 加在一起，例如 1GiB（默认为 " + rlimit.Bytes(rlimit.Defaults.Disk) + "）",
}
