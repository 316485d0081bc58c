package schema

import (
	"bytes"
	"strings"
	"testing"
)

func TestFormatSeed(t *testing.T) {
	w := mustParseFile(t, seedPath)
	out, err := Format(w)
	if err != nil {
		t.Fatal(err)
	}
	w2, err := Parse("formatted.xml", out)
	if err != nil {
		t.Fatalf("formatted document does not parse: %v\n%s", err, out)
	}
	again, err := Format(w2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, again) {
		t.Errorf("Format is not stable across a parse:\n%s\n---\n%s", out, again)
	}
	// The example workflow's own layout: Format differs only in the declaration and in
	// the space before the root's closing '>'.
	want := strings.Replace(string(readFile(t, seedPath)), `encoding="ISO-8859-1"`, `encoding="UTF-8"`, 1)
	want = strings.Replace(want, `ExecutionType="100" >`, `ExecutionType="100">`, 1)
	if string(out) != want {
		t.Errorf("Format(seed) =\n%s\nwant\n%s", out, want)
	}
}

func TestFormatBuiltModel(t *testing.T) {
	w := &WorkFlowMapping{WorkFlowID: "Built", Description: "tab\tand \"quotes\" & <é>", Steps: []*Step{{
		No:    1,
		Event: &Event{Name: "TimerWFEvent"},
		Actions: []*Action{{Name: "LogAction", Mappings: []*ValueMapping{{
			Name: "Message", Parameter: &Parameter{Name: "Message", DataType: "java.lang.String", Value: "a\nb"},
		}}}},
		FollowingSteps: []*FollowingStep{{No: 2}},
	}, {No: 2, Event: &Event{Name: "LogAction"}}}}
	var buf bytes.Buffer
	if err := Write(&buf, w); err != nil {
		t.Fatal(err)
	}
	w2, err := Parse("built.xml", buf.Bytes())
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.Bytes())
	}
	if w2.Description != w.Description || w2.Steps[0].Actions[0].Mappings[0].Parameter.Value != "a\nb" ||
		w2.Steps[0].FollowingSteps[0].No != 2 || w2.Steps[1].No != 2 {
		t.Errorf("read back %+v", w2)
	}
	w.Description = "nul\x00"
	if _, err := Format(w); err == nil || !strings.Contains(err.Error(), "Description") {
		t.Errorf("NUL accepted: %v", err)
	}
}

func TestWriteKeepsSource(t *testing.T) {
	w := mustParseFile(t, "testdata/latin1.xml")
	var buf bytes.Buffer
	if err := Write(&buf, w); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), readFile(t, "testdata/latin1.xml")) {
		t.Error("Write changed a parsed document")
	}
}
