package basic_test

import (
	"strings"
	"testing"

	"github.com/wfehq/wfe/actions/basic"
	"github.com/wfehq/wfe/engine"
)

// A ${Name} that no step or event can have set is a validation warning at
// its own line and column; names that are set are not reported.
func TestUnsetVariableWarnings(t *testing.T) {
	reg := engine.NewRegistry()
	basic.Register(reg)
	doc := strings.Join([]string{
		`<?xml version="1.0" encoding="UTF-8"?>`,
		`<WorkFlowMapping WorkFlowID="Vars" Description="vars" ExecutionType="100">`,
		`<InternalDescription>vars</InternalDescription>`,
		`<Step No="1">`,
		`<Event Name="TimerWFEvent"><EventToContextMap><SimpleMapping FromName="subject" ToName="Subject"/></EventToContextMap></Event>`,
		`<Actions>`,
		`<Action Name="SetContextAction"><ContextToActionMap>`,
		`<ValueMapping Name="N"><Parameter Name="Name" DataType="String" Value="Status"/></ValueMapping>`,
		`<ValueMapping Name="V"><Parameter Name="Value" DataType="String" Value="open"/></ValueMapping>`,
		`</ContextToActionMap></Action>`,
		`<Action Name="LogAction"><ContextToActionMap>`,
		// line 12: ${Subject} and ${Status} are set; ${Stauts} is not (its "${" is at column 108, counted in the raw text with &quot;)
		`<ValueMapping Name="M"><Parameter Name="Message" DataType="String" Value="&quot;${Subject}&quot; ${Status} ${Stauts}"/></ValueMapping>`,
		`</ContextToActionMap></Action>`,
		`<Action Name="LogAction"><ContextToActionMap>`,
		// lines 15-16: a value over two lines; ${Who} starts line 16 at column 3
		`<ValueMapping Name="M2"><Parameter Name="Message" DataType="String" Value="first`,
		`  ${Who} second"/></ValueMapping>`,
		`</ContextToActionMap></Action>`,
		`</Actions>`,
		`</Step>`,
		`</WorkFlowMapping>`,
	}, "\n")
	prog, err := engine.CompileBytes("vars.xml", []byte(doc), reg)
	if err != nil {
		t.Fatal(err)
	}
	ws := prog.Warnings()
	if len(ws) != 2 {
		t.Fatalf("warnings: %v", ws)
	}
	for i, want := range []struct {
		line, col int
		parts     []string
	}{
		{12, 108, []string{"${Stauts}", "parameter Message of LogAction", `context variable "Stauts"`, `did you mean "Status"?`}},
		{16, 3, []string{"${Who}", `context variable "Who"`}},
	} {
		w := ws[i]
		if w.Line != want.line || w.Col != want.col || w.Code != engine.CodeUnsetVariable {
			t.Errorf("warning %d at %d:%d code %s, want %d:%d: %v", i, w.Line, w.Col, w.Code, want.line, want.col, w)
		}
		for _, p := range want.parts {
			if !strings.Contains(w.Message, p) {
				t.Errorf("warning %d %q does not say %q", i, w.Message, p)
			}
		}
	}
	// The column points at the "${" in the document.
	lines := strings.Split(doc, "\n")
	if got := lines[11][ws[0].Col-1:]; !strings.HasPrefix(got, "${Stauts}") {
		t.Errorf("column %d points at %q", ws[0].Col, got)
	}
}

// When SetContextAction may take the variable's name from the context,
// any name may be set, and nothing is reported.
func TestUnsetVariableNameFromContext(t *testing.T) {
	reg := engine.NewRegistry()
	basic.Register(reg)
	doc := oneStep(
		actionXML("SetContextAction", "Var=Name=String=", "V=Value=String=x"),
		actionXML("SetContextAction", "N=Name=String=Var", "V=Value=String=Other"),
		actionXML("LogAction", "M=Message=String=${Anything}"),
	)
	prog, err := engine.CompileBytes("vars.xml", doc, reg)
	if err != nil {
		t.Fatal(err)
	}
	if ws := prog.Warnings(); len(ws) != 0 {
		t.Errorf("warnings %v", ws)
	}
}
