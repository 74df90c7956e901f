//go:build unix

package grade

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// TestKubernetesJobOfThePage takes the Indexed Job that
// docs/grading-at-scale.md prints, decodes it strictly into Kubernetes'
// own batch/v1 types (an unknown, misplaced or mistyped field fails), and
// runs the grade command of each of its completions with the environment
// the Job controller and the kubelet give that pod: JOB_COMPLETION_INDEX
// from the pod's completion-index label, the container's env, and
// $(VAR) expanded in the command. The page's merge command then joins the
// shards, which must equal one run of the class byte for byte.
func TestKubernetesJobOfThePage(t *testing.T) {
	page, err := os.ReadFile("../../../docs/grading-at-scale.md")
	if err != nil {
		t.Fatal(err)
	}
	manifest, mergeLine := kubernetesSection(t, string(page))
	var job batchv1.Job
	if err := yaml.UnmarshalStrict([]byte(manifest), &job); err != nil {
		t.Fatalf("docs/grading-at-scale.md: the Indexed Job is not a valid batch/v1 Job: %v", err)
	}
	spec := job.Spec
	switch {
	case job.APIVersion != "batch/v1" || job.Kind != "Job":
		t.Fatalf("apiVersion %q, kind %q; want batch/v1 Job", job.APIVersion, job.Kind)
	case spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion:
		t.Fatal("completionMode is not Indexed: the pods would get no JOB_COMPLETION_INDEX")
	case spec.Completions == nil || *spec.Completions < 2:
		t.Fatal("completions is not set to 2 or more: an Indexed Job needs it, and one shard is no test")
	case spec.Parallelism == nil || *spec.Parallelism < 1 || *spec.Parallelism > *spec.Completions:
		t.Fatalf("parallelism %v; want 1 to completions", spec.Parallelism)
	case spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever && spec.Template.Spec.RestartPolicy != corev1.RestartPolicyOnFailure:
		t.Fatalf("restartPolicy %q: a Job's pods take Never or OnFailure", spec.Template.Spec.RestartPolicy)
	case len(spec.Template.Spec.Containers) != 1:
		t.Fatalf("%d containers; want the one that grades", len(spec.Template.Spec.Containers))
	}
	completions := int(*spec.Completions)

	// The class, and a folder for each volume the container mounts.
	t.Setenv("GRADE_FAKE_SUITE", "verdict")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	ctr := spec.Template.Spec.Containers[0]
	mounts := map[string]string{}
	for _, m := range ctr.VolumeMounts {
		mounts[m.MountPath] = filepath.Join(tmp, "volume-"+m.Name)
		if err := os.MkdirAll(mounts[m.MountPath], 0o755); err != nil {
			t.Fatal(err)
		}
	}
	onHost := func(arg string) string {
		for mp, dir := range mounts {
			if arg == mp || strings.HasPrefix(arg, mp+"/") {
				return dir + strings.TrimPrefix(arg, mp)
			}
		}
		return arg
	}
	class := onHost("/class")
	if class == "/class" {
		t.Fatal("the container mounts no /class: the command grades /class")
	}
	for i := range 7 {
		dir := filepath.Join(class, fmt.Sprintf("s%d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "echospec.toml"), []byte("model = \"single\"\ncommand = [\"./server\"]\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	var shards []string
	var args []string
	for index := range completions {
		env := podEnv(t, &job, index)
		if env["JOB_COMPLETIONS"] != strconv.Itoa(completions) {
			t.Fatalf("the container's JOB_COMPLETIONS is %q, the Job's completions %d: --shard auto would split the class wrongly", env["JOB_COMPLETIONS"], completions)
		}
		cmd := append(slices.Clone(ctr.Command), ctr.Args...)
		if len(cmd) < 2 || filepath.Base(cmd[0]) != "grade" {
			t.Fatalf("the container runs %q; want the grade binary itself (PID 1 gets the SIGTERM at the deadline)", cmd)
		}
		args = nil
		for _, a := range cmd[1:] {
			args = append(args, onHost(expandK8s(a, env)))
		}
		if i := slices.Index(args, "--suite"); i >= 0 && i+1 < len(args) {
			args[i+1] = self // the fake suite, for speed
		} else {
			t.Fatalf("the command %q has no --suite: the image holds no Go to compile one", cmd)
		}
		for _, v := range []string{"JOB_COMPLETION_INDEX", "JOB_COMPLETIONS", "STRATEGY_JOB_INDEX", "STRATEGY_JOB_TOTAL", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN"} {
			t.Setenv(v, "")
		}
		for k, v := range env {
			t.Setenv(k, v)
		}
		if err := gradeMain(context.Background(), append(args, "--parallel", "2")); err != nil {
			t.Fatalf("pod %d: grade %q: %v", index, args, err)
		}
		if i := slices.Index(args, "--out"); i >= 0 && i+1 < len(args) {
			shards = append(shards, args[i+1])
		}
	}
	if len(shards) != completions || shards[0] == shards[1] {
		t.Fatalf("shard folders %q; want one per completion, each its own", shards)
	}

	// The page's merge command, its paths on the volume.
	f := strings.Fields(mergeLine)
	at := slices.Index(f, "merge")
	if at < 0 {
		t.Fatalf("the merge command %q has no merge", mergeLine)
	}
	var margs []string
	for _, a := range f[at+1:] {
		margs = append(margs, onHost(a))
	}
	if err := mergeMain(margs); err != nil {
		t.Fatalf("%s: %v", mergeLine, err)
	}
	mergedOut := margs[slices.Index(margs, "--out")+1]

	// One run of the class: the same command without --shard auto.
	t.Setenv("JOB_COMPLETION_INDEX", "")
	var one []string
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "--shard":
			i++
		case "--out":
			one = append(one, "--out", filepath.Join(tmp, "one"))
			i++
		default:
			one = append(one, args[i])
		}
	}
	if err := gradeMain(context.Background(), one); err != nil {
		t.Fatalf("grade %q: %v", one, err)
	}
	compareOutputs(t, "kubernetes", filepath.Join(tmp, "one"), mergedOut)
}

// kubernetesSection is the Job's YAML and the merge command that follows
// it in the page's Kubernetes section.
func kubernetesSection(t *testing.T, page string) (manifest, merge string) {
	t.Helper()
	_, sec, ok := strings.Cut(page, "\n## Kubernetes")
	if !ok {
		t.Fatal("docs/grading-at-scale.md has no Kubernetes section")
	}
	if i := strings.Index(sec, "\n## "); i >= 0 {
		sec = sec[:i]
	}
	_, y, ok1 := strings.Cut(sec, "\n```yaml\n")
	manifest, rest, ok2 := strings.Cut(y, "\n```")
	_, m, ok3 := strings.Cut(rest, "\n```sh\n")
	merge, _, ok4 := strings.Cut(m, "\n```")
	if !ok1 || !ok2 || !ok3 || !ok4 {
		t.Fatal("docs/grading-at-scale.md, Kubernetes section: want a ```yaml block (the Job), then a ```sh block (the merge)")
	}
	return manifest, strings.TrimSpace(merge)
}

// podEnv is the environment of the Job's container in the pod of
// completion index: what the Job controller adds to the template (the
// completion-index label, and JOB_COMPLETION_INDEX from it through the
// downward API), resolved as the kubelet resolves it.
func podEnv(t *testing.T, job *batchv1.Job, index int) map[string]string {
	t.Helper()
	pod := job.Spec.Template.DeepCopy()
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	pod.Labels[batchv1.JobCompletionIndexAnnotation] = strconv.Itoa(index)
	pod.Annotations[batchv1.JobCompletionIndexAnnotation] = strconv.Itoa(index)
	ctr := &pod.Spec.Containers[0]
	if !slices.ContainsFunc(ctr.Env, func(e corev1.EnvVar) bool { return e.Name == "JOB_COMPLETION_INDEX" }) {
		ctr.Env = append(ctr.Env, corev1.EnvVar{Name: "JOB_COMPLETION_INDEX", ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{FieldPath: fmt.Sprintf("metadata.labels['%s']", batchv1.JobCompletionIndexAnnotation)}}})
	}
	env := map[string]string{}
	fieldRef := regexp.MustCompile(`^metadata\.(labels|annotations)\['([^']+)'\]$`)
	for _, e := range ctr.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = expandK8s(e.Value, env)
		case e.ValueFrom.FieldRef != nil && fieldRef.MatchString(e.ValueFrom.FieldRef.FieldPath):
			m := fieldRef.FindStringSubmatch(e.ValueFrom.FieldRef.FieldPath)
			if m[1] == "labels" {
				env[e.Name] = pod.Labels[m[2]]
			} else {
				env[e.Name] = pod.Annotations[m[2]]
			}
		default:
			t.Fatalf("env %s: this test resolves values and label or annotation fieldRefs only", e.Name)
		}
	}
	return env
}

// expandK8s expands $(VAR) as Kubernetes does in a container's command,
// args and env: a defined VAR is replaced, an undefined one is left as
// written, and $$ is a $.
func expandK8s(s string, env map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+end]
			if v, ok := env[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+end+1])
			}
			i += end
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
