package engine_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wfehq/wfe/conditions"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/schema"
)

// exprDoc is a workflow whose expression condition has value expr
// (written raw into the attribute; line 6 holds the CheckValue).
func exprDoc(expr string) []byte {
	return []byte(strings.Join([]string{
		`<?xml version="1.0" encoding="UTF-8"?>`,
		`<WorkFlowMapping WorkFlowID="Expr" Description="expr" ExecutionType="100">`,
		`<InternalDescription>expr</InternalDescription>`,
		`<Step No="1"><Event Name="TimerWFEvent"><EventToContextMap/></Event>`,
		`<Conditions><Condition Name="WFConditionExpression"><ContextToConditionMap><SimpleMapping FromName="S" ToName="s"/></ContextToConditionMap><CheckValuesMap>`,
		`<CheckValue Name="WFConditionExpression.EXPR" Value="` + expr + `"/>`,
		`</CheckValuesMap></Condition></Conditions>`,
		`<Actions/></Step>`,
		`</WorkFlowMapping>`,
	}, "\n"))
}

// Expression errors point at the character expr names, in the document:
// across entity references and raw line breaks inside the value, and at
// the value's start for an error without a position.
func TestExpressionErrorPositions(t *testing.T) {
	reg := engine.NewRegistry()
	conditions.Register(reg)
	const valueCol = 54 // column of the first character of the Value attribute on line 6
	for _, tc := range []struct {
		expr      string
		line, col int
		msg       string
	}{
		{`s == &quot;x&quot; &amp;&amp; t`, 6, valueCol + 30, "unknown name t"},
		{"s == &quot;x&quot; &amp;&amp;\n  t > 1", 7, 3, "unknown name t"}, // raw line break in the value
		{"s ==\r\n  )", 7, 3, `unexpected token Bracket(")")`},             // CR LF is one line break
		{"1 + 1", 6, valueCol, "expected bool, but got int"},               // no position: the value
	} {
		_, err := engine.CompileBytes("expr.xml", exprDoc(tc.expr), reg)
		var ds schema.Diagnostics
		if !errors.As(err, &ds) || len(ds) != 1 {
			t.Fatalf("%q: %v", tc.expr, err)
		}
		d := ds[0]
		if d.Line != tc.line || d.Col != tc.col || d.Code != engine.CodeBadExpression || !strings.Contains(d.Message, tc.msg) {
			t.Errorf("%q: %d:%d %s %q; want %d:%d %q", tc.expr, d.Line, d.Col, d.Code, d.Message, tc.line, tc.col, tc.msg)
		}
	}
	line6 := string(exprDoc("X"))
	line6 = strings.Split(line6, "\n")[5]
	if line6[valueCol-1] != 'X' {
		t.Fatalf("valueCol %d is wrong: %q", valueCol, line6)
	}
}
