package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeCourse writes a teacher's manifest and returns its path.
func writeCourse(t *testing.T, body string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "teacher.toml")
	if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

const teacher = "model = \"multithread\"\npool = 4\ncommand = [\"python3\", \"server.py\", \"{port}\"]\n"

// A student who declares another model and a pool of one is judged
// against the course's model, and told so; their command is used.
func TestCourseDecidesTheModel(t *testing.T) {
	c, err := LoadCourse(writeCourse(t, "name = \"assignment-1\"\n"+teacher), StudentMaySet)
	if err != nil {
		t.Fatal(err)
	}
	dir := write(t, "model = \"coroutine\"\npool = 1\ncommand = [\"./server\", \"{port}\"]\ngreeting = \"hi\\n\"\n[expect]\nfail = [\"ECHO-4\"]\n[expect.reasons]\nECHO-4 = \"received\"\n")
	tg, notes, err := c.Apply(dir)
	if err != nil {
		t.Fatal(err)
	}
	if tg.Model != "multithread" || tg.Pool != 4 || strings.Join(tg.Command, " ") != "./server {port}" || string(tg.Greeting) != "hi\n" || tg.Dir != dir || tg.Name != "alice" {
		t.Fatalf("Apply = %+v; want the course's model and pool, the student's command and greeting, in the student's folder", tg)
	}
	if strings.Join(tg.Expect.Fail, ",") != "ECHO-4" {
		t.Fatalf("Expect = %+v; want the student's own [expect]", tg.Expect)
	}
	want := []string{
		`echospec.toml sets model = "coroutine", but model is the course's to decide (its manifest, which sets "multithread"), so it is not used.`,
		`echospec.toml sets pool = 1, but pool is the course's to decide (its manifest, which sets 4), so it is not used.`,
	}
	if strings.Join(notes, "\n") != strings.Join(want, "\n") {
		t.Fatalf("notes = %q; want %q", notes, want)
	}
}

// Keys the student does not set, or sets as the course does, get no note;
// a submission with no manifest of its own is the course's.
func TestCourseWithoutStudentManifest(t *testing.T) {
	c, err := LoadCourse(writeCourse(t, teacher), []string{"command"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tg, notes, err := c.Apply(dir)
	if err != nil || len(notes) > 0 || tg.Model != "multithread" || tg.Dir != dir {
		t.Fatalf("Apply(no manifest) = %+v, %q, %v", tg, notes, err)
	}
	dir = write(t, "model = \"multithread\"\ngreeting = \"hi\"\n")
	tg, notes, err = c.Apply(dir)
	if err != nil || len(notes) != 1 || !strings.Contains(notes[0], "sets greeting") || tg.Greeting != nil {
		t.Fatalf("Apply(greeting not allowed) = %+v, %q, %v; want one note, on greeting", tg, notes, err)
	}
	tgs, err := c.Discover(filepath.Dir(dir))
	if err != nil || len(tgs) != 1 || tgs[0].Dir != dir {
		t.Fatalf("Discover = %v, %v", tgs, err)
	}
}

func TestCourseErrors(t *testing.T) {
	for _, tc := range []struct{ course, student, want string }{
		{teacher + "[expect]\nfail = [\"ECHO-1\"]\n[expect.reasons]\nECHO-1 = \"x\"\n", "", `remove [expect]`},
		{"model = \"coroutine\"\npool = 4\ncommand = [\"x\"]\n", "", `key "pool" is set, but model "coroutine" has no pool`},
		{teacher, "port = \"x\"\n", `alice/echospec.toml: key "port" has the wrong type`},
		{teacher, "prot = 1\n", `unknown key "prot"`},
		{teacher, "port = 0\n", `(with the course's`},
	} {
		c, err := LoadCourse(writeCourse(t, tc.course), StudentMaySet)
		if err == nil {
			_, _, err = c.Apply(write(t, tc.student))
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("course %q, student %q: %v; want an error containing %q", tc.course, tc.student, err, tc.want)
		}
	}
	if _, err := LoadCourse(writeCourse(t, teacher), []string{"command", "pool"}); err == nil || !strings.Contains(err.Error(), `"pool" is the course's to set`) {
		t.Errorf("may set pool: %v; want it refused", err)
	}
}

// A student's file that is not TOML is not used, with a note.
func TestCourseBadStudentTOML(t *testing.T) {
	c, err := LoadCourse(writeCourse(t, teacher), StudentMaySet)
	if err != nil {
		t.Fatal(err)
	}
	tg, notes, err := c.Apply(write(t, "command = [\n"))
	if err != nil || len(notes) != 1 || !strings.Contains(notes[0], "not valid TOML") || tg.Command[0] != "python3" {
		t.Fatalf("Apply = %+v, %q, %v", tg, notes, err)
	}
}
