package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/schema"
)

// checkedAction refuses the literal "bad" for its parameter P.
type checkedAction struct{ engine.ActionFunc }

func (checkedAction) CheckLiteral(param string, value any) error {
	if param == "P" && value == "bad" {
		return errors.New("the value bad is refused")
	}
	return nil
}

func TestLiteralCheckerRefusesLiteralAtCompile(t *testing.T) {
	reg := engine.NewRegistry()
	reg.RegisterAction(checkedAction{engine.ActionFunc{
		S: engine.ActionSpec{Name: "Checked", Params: []engine.Param{{Name: "P", Type: engine.TypeString}}},
		F: func(context.Context, *engine.Call) error { return nil },
	}})
	doc := func(v string) []byte {
		return []byte(`<WorkFlowMapping WorkFlowID="W">
<Step No="1"><Event Name="TimerWFEvent"/><Actions><Action Name="Checked"><ContextToActionMap>
<ValueMapping Name="P"><Parameter Name="P" DataType="java.lang.String" Value="` + v + `"/></ValueMapping>
</ContextToActionMap></Action></Actions></Step></WorkFlowMapping>`)
	}
	if _, err := engine.CompileBytes("ok.xml", doc("good"), reg); err != nil {
		t.Fatalf("good literal: %v", err)
	}
	_, err := engine.CompileBytes("bad.xml", doc("bad"), reg)
	var ds schema.Diagnostics
	if !errors.As(err, &ds) || len(ds) != 1 {
		t.Fatalf("bad literal: want one diagnostic, got %v", err)
	}
	d := ds[0]
	if d.Code != engine.CodeBadLiteral || d.Line != 3 || !strings.Contains(d.Message, "the value bad is refused") {
		t.Fatalf("diagnostic = %+v", d)
	}
}
