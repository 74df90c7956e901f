package grade

import (
	"fmt"

	"github.com/echospec/echospec/props"
	"github.com/echospec/echospec/verdict"
)

// msgs are the sentences of grade's outputs a student or a teacher reads
// (the job summary and its annotations, report.html, results.json's
// output), in every language; the properties' texts are in props, the
// suite's failures are put into the language by detail.
var msgs = map[string]map[props.Lang]string{
	// Outcomes, as a count's noun ("2 unstable").
	"o-passed":     {props.En: "passed", props.Zh: "通过"},
	"o-failed":     {props.En: "failed", props.Zh: "失败"},
	"o-not judged": {props.En: "not judged", props.Zh: "未判定"},
	"o-unstable":   {props.En: "unstable", props.Zh: "不稳定"},
	"o-timed out":  {props.En: "timed out", props.Zh: "超时"},
	"o-skipped":    {props.En: "skipped", props.Zh: "跳过"},
	"o-n.a.":       {props.En: "n.a.", props.Zh: "不适用"},
	"runs":         {props.En: "%d of %d runs passed", props.Zh: "%[2]d 次运行中 %[1]d 次通过"},
	"hint":         {props.En: "hint: %s", props.Zh: "提示：%s"},
	// Issues.
	"issues-unstable":   {props.En: "unstable: %s", props.Zh: "不稳定：%s"},
	"issues-notjudged":  {props.En: "not judged: %s", props.Zh: "未判定：%s"},
	"issues-timedout":   {props.En: "timed out: %s", props.Zh: "超时：%s"},
	"issues-unstable-1": {props.En: "%s (%d of %d runs passed)", props.Zh: "%s（%[3]d 次运行中 %[2]d 次通过）"},
	// grade's lines on the terminal.
	"g-start": {
		props.En: "grade: %d submissions, %d at once, seed %d (--seed %d runs the same order and payloads)",
		props.Zh: "grade：%d 份作业，同时评 %d 份，种子 %d（--seed %d 可以重现同样的顺序和数据）",
	},
	"g-repeat": {
		props.En: "grade: each suite runs %d times, seeds %d to %d",
		props.Zh: "grade：每个检查套件运行 %d 次，种子从 %d 到 %d",
	},
	"g-done": {
		props.En: "graded %d submissions in %v (%d at once); outputs in %s (report.html, grades.csv, …); no process of the run is left",
		props.Zh: "已评完 %d 份作业，用时 %v（同时评 %d 份）；输出在 %s（report.html、grades.csv 等）；本次运行没有留下任何进程",
	},
	"g-table":     {props.En: "submission\tmodel\tscore\tfailed", props.Zh: "作业\t模型\t得分\t失败"},
	"g-every":     {props.En: "every spec: %s", props.Zh: "所有检查项：%s"},
	"g-skipped":   {props.En: "not graded, every spec skipped: %s", props.Zh: "没有评分，所有检查项都被跳过：%s"},
	"g-aside":     {props.En: " (%s)", props.Zh: "（%s）"},
	"p-failed":    {props.En: "failed %s", props.Zh: "失败 %s"},
	"p-notjudged": {props.En: "not judged %s", props.Zh: "未判定 %s"},
	"p-graded": {
		props.En: "grade: [%d/%d] %s (%s) in %v: %s",
		props.Zh: "grade：[%d/%d] %s（%s）用时 %v：%s",
	},
	"p-bar": {
		props.En: "%s %d/%d graded, %d running, %d could not run  %v",
		props.Zh: "%s 已评 %d/%d，%d 份正在运行，%d 份无法运行  %v",
	},
	// summary.md.
	"s-graded": {props.En: "%d submissions, graded with %s (out of %s).", props.Zh: "共 %d 份作业，按 %s 评分（满分 %s）。"},
	"s-mean":   {props.En: " Mean %s, median %s.", props.Zh: "平均分 %s，中位数 %s。"},
	"s-table": {
		props.En: "| submission | model | score | failed | reason | scored on |",
		props.Zh: "| 作业 | 模型 | 得分 | 失败 | 原因 | 计分属性数 |",
	},
	"s-every": {props.En: "every spec", props.Zh: "所有检查项"},
	"s-ignored": {
		props.En: "## Keys of students' manifests not used\n\nThe course's manifest decides them.",
		props.Zh: "## 学生清单中没有被采用的键\n\n这些由课程的清单决定。",
	},
	"s-failed-head": {
		props.En: "## Properties failed, most often first\n\nNot counting submissions that could not be run at all.\n\n| ID | requirement | failed by |",
		props.Zh: "## 失败的属性，最常见的在前\n\n不计完全无法运行的作业。\n\n| 编号 | 要求 | 失败的作业 |",
	},
	"s-advice-head": {
		props.En: "## Advice, most often first: no points lost\n\nProperties beyond the course (or weighed 0 by the rubric) that did not hold: shown to each student as advice, and worth nothing.\n\n| ID | requirement | did not hold for |",
		props.Zh: "## 建议，最常见的在前：不扣分\n\n超出课程范围（或评分标准给权重 0）而没有满足的属性：作为建议展示给每个学生，不计分。\n\n| 编号 | 要求 | 没有满足的作业 |",
	},
	"s-where": {
		props.En: "## Where each score's points went\n\nWhat each property cost (its points lost add up to %s minus the score), why a property was not counted, and the root cause the diagnosis found behind failures.",
		props.Zh: "## 每份作业的分数扣在哪里\n\n每项属性扣了多少分（扣分加起来等于 %s 减去得分）、某个属性为什么不计分，以及诊断在失败背后找到的根本原因。",
	},
	"s-sub-1":      {props.En: "%s: %s of %s, scored on %d property", props.Zh: "%s：%s / %s，按 %d 项属性计分"},
	"s-sub":        {props.En: "%s: %s of %s, scored on %d properties", props.Zh: "%s：%s / %s，按 %d 项属性计分"},
	"s-lost-all":   {props.En: "lost %s: every property counted (%d), as nothing could be checked: %s", props.Zh: "扣 %s 分：所有计分的属性（%d 项），因为什么都无法检查：%s"},
	"s-lost-whole": {props.En: "lost %s: the whole score: %s", props.Zh: "扣 %s 分：全部得分：%s"},
	"s-lost":       {props.En: "lost %s: %s (%s) %s", props.Zh: "扣 %s 分：%s（%s）%s"},
	"s-cause-n":    {props.En: ", cause %d", props.Zh: "，原因 %d"},
	"s-cause":      {props.En: "cause %d: %s; explains %s", props.Zh: "原因 %d：%s；导致的失败：%s"},
	"s-nc":         {props.En: "not counted, %d %s: %s: %s", props.Zh: "不计分，%d 项%s：%s：%s"},
	"s-bars": {
		props.En: "Each bar is a tenth of %[1]s points, from its lower bound up to, not including, its upper one (%[1]s itself in the top bar).",
		props.Zh: "每一条是 %[1]s 分的十分之一：从下界起、到上界为止（不含上界；%[1]s 分本身计入最高的一条）。",
	},
	// The GitHub job.
	"gh-seed": {
		props.En: "echospec: seed %d (--seed %d runs the same order and payloads)",
		props.Zh: "echospec：种子 %d（--seed %d 可以重现同样的顺序和数据）",
	},
	"gh-group":           {props.En: "the suite's output", props.Zh: "检查套件的输出"},
	"gh-nothing-title":   {props.En: "echospec: nothing could be judged", props.Zh: "echospec：无法判定任何属性"},
	"gh-nothing":         {props.En: "echospec: nothing could be judged: %s", props.Zh: "echospec：无法判定任何属性：%s"},
	"gh-unstable-title":  {props.En: "%s (unstable)", props.Zh: "%s（不稳定）"},
	"gh-notjudged-title": {props.En: "%s (not judged)", props.Zh: "%s（未判定）"},
	"gh-unstable-note":   {props.En: "%s: %s", props.Zh: "%s：%s"},
	"list-sep":           {props.En: ", ", props.Zh: "、"},
	"gh-more": {
		props.En: "%d more properties failed; the job summary lists them all",
		props.Zh: "另有 %d 项属性失败；作业摘要列出了全部",
	},
	"gh-more-title": {props.En: "echospec: and more", props.Zh: "echospec：更多"},
	"gh-issues":     {props.En: "echospec: %s", props.Zh: "echospec：%s"},
	"gh-passed":     {props.En: "echospec: every property passed (%s)", props.Zh: "echospec：所有属性都通过了（%s）"},
	"gh-title":      {props.En: "## echospec: %s (%s)", props.Zh: "## echospec：%s（%s）"},
	"gh-nothing-md": {props.En: "**Nothing could be judged:** %s", props.Zh: "**无法判定任何属性：** %s"},
	"overrun-md":    {props.En: "**Stopped at its time limit:** %s", props.Zh: "**到达时间上限，已被停止：** %s"},
	"gh-table": {
		props.En: "| family | verdict | passed | failed | other |",
		props.Zh: "| 类别 | 结论 | 通过 | 失败 | 其他 |",
	},
	"gh-v-passed":  {props.En: "✅ passed", props.Zh: "✅ 通过"},
	"gh-v-failed":  {props.En: "❌ failed", props.Zh: "❌ 失败"},
	"gh-v-skipped": {props.En: "⏭ skipped", props.Zh: "⏭ 跳过"},
	"gh-firsts":    {props.En: "### The first failure of each family", props.Zh: "### 每个类别的第一个失败"},
	"gh-unstable":  {props.En: "Unstable: %s.", props.Zh: "不稳定：%s。"},
	"gh-notjudged": {
		props.En: "Not judged: a step that only sets this property up failed.",
		props.Zh: "未判定：只是为这个属性做准备的步骤失败了。",
	},
	"gh-score": {
		props.En: "Score with the default rubric: %s / %s.",
		props.Zh: "按默认评分标准的得分：%s / %s。",
	},
	// results.json (Gradescope).
	"gs-unstable": {
		props.En: "unstable: %s; a failing run said:",
		props.Zh: "不稳定：%s；一次失败的运行给出的信息：",
	},
	"gs-notjudged": {
		props.En: "not judged: a step that only sets this property up failed, so the property itself was not checked (it scores as the rubric's not_judged says):",
		props.Zh: "未判定：只是为这个属性做准备的步骤失败了，属性本身没有被检查（按评分标准中 not_judged 的规定计分）：",
	},
	"gs-notcounted":     {props.En: "Not counted: %s", props.Zh: "不计分：%s"},
	"gs-nc-notjudged":   {props.En: "%s (not judged: %s)", props.Zh: "%s（未判定：%s）"},
	"gs-nc-skipped":     {props.En: "%s (skipped: %s)", props.Zh: "%s（跳过：%s）"},
	"gs-manifest-loads": {props.En: "echospec.toml loads", props.Zh: "echospec.toml 能够加载"},
	// report.html.
	"r-title": {props.En: "echospec grades", props.Zh: "echospec 成绩"},
	"r-intro": {
		props.En: "%d submissions, scored out of %s with %s. A property that does not apply to a submission's model (n.a.), that was skipped with a reason, or that the rubric weighs 0 (advisory) is not counted, so two submissions may be scored on different numbers of properties; each section below says which and why, and what each property lost cost. A property is <em>not judged</em> when a step that only sets it up failed; it scores as the rubric's not_judged says.",
		props.Zh: "共 %d 份作业，按 %[3]s 评分，满分 %[2]s。不适用于作业所用模型的属性（不适用）、因某个原因被跳过的属性，以及评分标准给权重 0 的属性（建议项）不计分，所以两份作业计分的属性数可能不同；下面每一节都会说明是哪些、为什么，以及每项失败扣了多少分。只是为某个属性做准备的步骤失败时，该属性<em>未判定</em>，按评分标准中 not_judged 的规定计分。",
	},
	"r-all-passed":  {props.En: "✓ all passed", props.Zh: "✓ 全部通过"},
	"r-some-failed": {props.En: "◐ some failed", props.Zh: "◐ 部分失败"},
	"r-all-failed":  {props.En: "✗ all failed", props.Zh: "✗ 全部失败"},
	"o-advisory":    {props.En: "advisory", props.Zh: "建议项"},
	"advice-label":  {props.En: adviceLabel, props.Zh: "建议（不计分）"},
	"advice-note": {
		props.En: adviceNote,
		props.Zh: "建议，不计分：这个属性超出了课程的范围（或者评分标准给它的权重是 0），所以不扣分；但它发现的问题值得了解。",
	},
	"gh-v-advice": {props.En: "💡 advice (no points)", props.Zh: "💡 建议（不计分）"},
	"gh-passed-advice": {
		props.En: "echospec: every property the course teaches passed (%s); %s: %s",
		props.Zh: "echospec：课程要求的属性全部通过（%s）；%s：%s",
	},
	"gs-advice-name": {props.En: " (advice: no points)", props.Zh: "（建议：不计分）"},
	"gs-partly":      {props.En: "partly judged: not checked here: %s", props.Zh: "只判定了一部分：这里没有检查的是：%s"},
	"item-sep":       {props.En: "; ", props.Zh: "；"},
	"r-scores":       {props.En: "Scores", props.Zh: "得分分布"},
	"r-more":         {props.En: " and %d more", props.Zh: "，另有 %d 份"},
	"r-bars": {
		props.En: "Each bar is a tenth of %[1]s points: scores from its lower bound up to, not including, its upper one (%[1]s itself in the top bar).",
		props.Zh: "每一条是 %[1]s 分的十分之一：得分从下界起、到上界为止（不含上界；%[1]s 分本身计入最高的一条）。",
	},
	"r-advice-only": {props.En: "ⓘ advice only", props.Zh: "ⓘ 仅有建议"},
	"r-scored-on": {
		props.En: "Scored on <strong>%[1]d</strong> properties",
		props.Zh: "按 <strong>%[1]d</strong> 项属性计分",
	},
	"r-scored-on-1": {
		props.En: "Scored on <strong>%[1]d</strong> property",
		props.Zh: "按 <strong>%[1]d</strong> 项属性计分",
	},
	"r-nc-below":     {props.En: "; %d not counted (below)", props.Zh: "；%d 项不计分（见下文）"},
	"r-period":       {props.En: ".", props.Zh: "。"},
	"r-lost-total":   {props.En: " Points lost: %s, which is %s minus the score.", props.Zh: "扣分：%s，即 %s 减去得分。"},
	"r-lost-summary": {props.En: "points lost, per property", props.Zh: "每项属性的扣分"},
	"r-col-property": {props.En: "property", props.Zh: "属性"},
	"r-col-outcome":  {props.En: "outcome", props.Zh: "结果"},
	"r-col-why":      {props.En: "why", props.Zh: "原因"},
	"r-col-lost":     {props.En: "points lost", props.Zh: "扣分"},
	"r-whole-score":  {props.En: "the whole score", props.Zh: "全部得分"},
	"r-cause-n":      {props.En: "(cause %d)", props.Zh: "（原因 %d）"},
	"r-total":        {props.En: "total", props.Zh: "合计"},
	"r-root-cause":   {props.En: "Root cause", props.Zh: "根本原因"},
	"r-root-causes":  {props.En: "Root causes", props.Zh: "根本原因"},
	"r-causes-found": {
		props.En: " (the diagnosis found what broke these properties):",
		props.Zh: "（诊断找到了使这些属性失败的原因）：",
	},
	"r-explains":  {props.En: "explains %s", props.Zh: "导致的失败：%s"},
	"r-nc-head":   {props.En: "<strong>Not counted</strong>, so they cost nothing:", props.Zh: "<strong>不计分</strong>，所以不扣分："},
	"r-nc-rubric": {props.En: ` (the rubric's not_judged = "not_counted")`, props.Zh: `（评分标准中 not_judged = "not_counted"）`},
	"r-colon":     {props.En: ": ", props.Zh: "："},
	"r-semicolon": {props.En: "; ", props.Zh: "；"},
	"r-advice-head": {
		props.En: "<strong>Advice, no points lost</strong>: properties beyond the course (or weighed 0 by the rubric) that did not hold; worth knowing, worth nothing.",
		props.Zh: "<strong>建议，不扣分</strong>：超出课程范围（或评分标准给权重 0）而没有满足的属性；值得了解，但不计分。",
	},
	"r-partly-head": {
		props.En: "<strong>Judged only in part</strong> (the outcome stands for what was checked); not checked here:",
		props.Zh: "<strong>只判定了一部分</strong>（结果只代表检查过的部分）；这里没有检查的是：",
	},
	"r-not-counted-small": {props.En: "not counted", props.Zh: "不计分"},
	"r-advice-small":      {props.En: "advice: no points", props.Zh: "建议：不计分"},
	"r-cause-above":       {props.En: "Root cause %d, above.", props.Zh: "见上面的根本原因 %d。"},
	"r-legend": {
		props.En: "Each cell is one family: the properties passed / those counted. Advice is a property beyond the course (today the cap family, unless the rubric weighs it) or weighed 0 by the rubric: shown, never scored.",
		props.Zh: "每格是一个类别：通过的属性数 / 计分的属性数。建议项是超出课程范围的属性（目前是 cap 类别，除非评分标准给了它权重），或评分标准给权重 0 的属性：会显示，但从不计分。",
	},
	"r-submission": {props.En: "submission", props.Zh: "作业"},
	"r-model":      {props.En: "model", props.Zh: "模型"},
	"r-score":      {props.En: "score", props.Zh: "得分"},
	"r-ignored":    {props.En: "Keys of its echospec.toml not used:", props.Zh: "它的 echospec.toml 中没有被采用的键："},
	"r-overrun":    {props.En: "Stopped at its time limit:", props.Zh: "到达时间上限，已被停止："},
	"r-reason": {
		props.En: "Nothing could be checked, so every property fails:",
		props.Zh: "什么都无法检查，因此所有属性都算失败：",
	},
	"r-whole": {
		props.En: "the whole message, with the end of the server's output",
		props.Zh: "完整的信息，以及服务器输出的结尾",
	},
	"r-unstable":      {props.En: "unstable: %s", props.Zh: "不稳定：%s"},
	"r-timedout":      {props.En: "timed out", props.Zh: "超时"},
	"r-notjudged":     {props.En: "not judged: its setup failed", props.Zh: "未判定：准备步骤失败"},
	"r-hint":          {props.En: "Hint:", props.Zh: "提示："},
	"r-hint-setup":    {props.En: "Hint (for the setup step):", props.Zh: "提示（针对准备步骤）："},
	"r-server":        {props.En: "the server's state and the end of its output", props.Zh: "服务器的状态和输出的结尾"},
	"r-not-counted":   {props.En: "<strong>Not counted</strong> (skipped):", props.Zh: "<strong>不计分</strong>（跳过）："},
	"r-passed":        {props.En: "Passed:", props.Zh: "通过："},
	"r-not-run":       {props.En: "not run", props.Zh: "未运行"},
	"r-skipped-count": {props.En: "%d skipped", props.Zh: "%d 项跳过"},
	"r-outcome-count": {props.En: ", %d %s", props.Zh: "，%d 项%s"},
}

// tr is the sentence key in l, formatted with args.
func tr(l props.Lang, key string, args ...any) string {
	t, ok := msgs[key][l]
	if !ok {
		t = msgs[key][props.En]
	}
	if len(args) == 0 {
		return t
	}
	return fmt.Sprintf(t, args...)
}

// outcomeName is o in l.
func outcomeName(l props.Lang, o Outcome) string { return tr(l, "o-"+string(o)) }

// runsText is how many runs passed, in l.
func runsText(l props.Lang, r verdict.Runs) string { return tr(l, "runs", r.Passed, r.Ran) }
