package schema

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

const seedPath = "../testdata/workflows/ImportMails.xml"

func mustParseFile(t *testing.T, path string) *WorkFlowMapping {
	t.Helper()
	w, err := ParseFile(path)
	if err != nil {
		t.Fatalf("ParseFile(%s): %v", path, err)
	}
	return w
}

func TestParseSeed(t *testing.T) {
	w := mustParseFile(t, seedPath)
	if w.WorkFlowID != "ImportMails" || w.Description != "Import mails" || w.ExecutionType != "100" {
		t.Errorf("root attributes = %q %q %q", w.WorkFlowID, w.Description, w.ExecutionType)
	}
	if w.InternalDescription != "Importiert mails." {
		t.Errorf("InternalDescription = %q", w.InternalDescription)
	}
	if w.Source.Encoding != EncodingISO88591 {
		t.Errorf("Encoding = %q", w.Source.Encoding)
	}
	if w.Pos != (Pos{3, 1}) {
		t.Errorf("root Pos = %v", w.Pos)
	}
	if len(w.Steps) != 2 {
		t.Fatalf("%d steps, want 2", len(w.Steps))
	}
	s1, s2 := w.Steps[0], w.Steps[1]
	if s1.No != 1 || s1.NoText != "1" || s2.No != 2 || s2.Pos != (Pos{25, 1}) {
		t.Errorf("step numbers: %+v %+v", s1, s2)
	}
	if s1.Event == nil || s1.Event.Name != "TimerWFEvent" || len(s1.Event.ToContext) != 0 {
		t.Errorf("step 1 event = %+v", s1.Event)
	}
	if len(s1.FollowingSteps) != 1 || s1.FollowingSteps[0].No != 2 || s1.FollowingSteps[0].Pos != (Pos{22, 1}) {
		t.Errorf("step 1 following = %+v", s1.FollowingSteps)
	}
	if len(s1.Actions) != 1 || s1.Actions[0].Name != "ImportMailsAction" || len(s1.Actions[0].Mappings) != 2 {
		t.Fatalf("step 1 actions = %+v", s1.Actions)
	}
	want := []struct {
		vm, name, typ, value string
		valuePos             Pos
	}{
		{"SessionId", "SessionId", "java.lang.String", "", Pos{13, 64}},
		{"MailConfigMatchCode", "MailConfigMatchCode", "java.lang.String", "123", Pos{16, 74}},
	}
	for i, m := range s1.Actions[0].Mappings {
		p := m.Parameter
		if m.Name != want[i].vm || p == nil || p.Name != want[i].name || p.DataType != want[i].typ ||
			p.Value != want[i].value || !p.HasValue || p.ValuePos != want[i].valuePos {
			t.Errorf("mapping %d = %+v / %+v, want %+v", i, m, p, want[i])
		}
	}
	if s2.Event == nil || s2.Event.Name != "ImportMailsAction" || len(s2.FollowingSteps) != 0 {
		t.Errorf("step 2 = %+v event %+v", s2, s2.Event)
	}
	if len(s2.Conditions) != 1 {
		t.Fatalf("step 2 conditions = %+v", s2.Conditions)
	}
	c := s2.Conditions[0]
	if c.Name != "WFConditionIsNotNull" || len(c.CheckValues) != 0 || len(c.Inputs) != 1 ||
		c.Inputs[0].FromName != "ImportResult" || c.Inputs[0].ToName != "WFConditionNull.IN_VALUE" {
		t.Errorf("condition = %+v inputs %+v", c, c.Inputs)
	}
	a := s2.Actions[0]
	if a.Name != "CloseWorkSpaceAction" || len(a.Mappings) != 2 || a.Mappings[1].Name != "ImportResult" ||
		a.Mappings[1].Parameter.Name != "WorkSpace" ||
		a.Mappings[1].Parameter.DataType != "de.cursor.jevi.server.system.WorkSpace" {
		t.Errorf("step 2 action = %+v", a)
	}
}

func TestBytesUnmodified(t *testing.T) {
	paths, _ := filepath.Glob("../testdata/workflows/*.xml")
	if len(paths) == 0 {
		t.Fatal("no fixtures")
	}
	for _, path := range paths {
		w := mustParseFile(t, path)
		orig := readFile(t, path)
		if !bytes.Equal(w.Bytes(), orig) {
			t.Errorf("%s: Bytes() differs from the file", path)
		}
		out, err := w.Edit().Bytes()
		if err != nil || !bytes.Equal(out, orig) {
			t.Errorf("%s: empty edit changed the document (err %v)", path, err)
		}
	}
}

func TestParseReturnsDiagnostics(t *testing.T) {
	_, err := Parse("x.xml", []byte(`<WorkFlowMapping><Step No="a"/></WorkFlowMapping>`))
	var ds Diagnostics
	if !errors.As(err, &ds) || len(ds) == 0 {
		t.Fatalf("err = %v, want Diagnostics", err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
