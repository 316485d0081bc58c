package basic_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wfehq/wfe/actions/basic"
	"github.com/wfehq/wfe/engine"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{"a": "1", "name": "Anna"}
	look := func(n string) string { return vars[n] }
	for in, want := range map[string]string{
		"plain":                 "plain",
		"${a}":                  "1",
		"hi ${name}, ${a}${a}!": "hi Anna, 11!",
		"${missing}.":           ".",
		"open ${a":              "open ${a",
		"$a {a} ${}":            "$a {a} ",
	} {
		if got := basic.Expand(in, look); got != want {
			t.Errorf("Expand(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLogAndSetContext(t *testing.T) {
	reg := engine.NewRegistry()
	basic.Register(reg)
	const doc = `<?xml version="1.0" encoding="UTF-8"?>
<WorkFlowMapping WorkFlowID="Basic" Description="basic actions" ExecutionType="100">
<InternalDescription>Sets variables and logs them.</InternalDescription>
<Step No="1">
<Event Name="TimerWFEvent">
<EventToContextMap/>
</Event>
<Actions>
<Action Name="SetContextAction">
<ContextToActionMap>
<ValueMapping Name="N1"><Parameter Name="Name" DataType="String" Value="Status"/></ValueMapping>
<ValueMapping Name="V1"><Parameter Name="Value" DataType="java.lang.String" Value="S_ACTSTATUS-E"/></ValueMapping>
</ContextToActionMap>
</Action>
<Action Name="SetContextAction">
<ContextToActionMap>
<ValueMapping Name="N2"><Parameter Name="Name" DataType="String" Value="Since"/></ValueMapping>
<ValueMapping Name="V2"><Parameter Name="Value" DataType="java.util.Date" Value="2024-05-01"/></ValueMapping>
</ContextToActionMap>
</Action>
<Action Name="LogAction">
<ContextToActionMap>
<ValueMapping Name="Msg"><Parameter Name="Message" DataType="java.lang.String" Value="status ${Status} since ${Since} by ${Who}"/></ValueMapping>
</ContextToActionMap>
</Action>
</Actions>
</Step>
</WorkFlowMapping>`
	prog, err := engine.CompileBytes("basic.xml", []byte(doc), reg)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{RunAs: "jdoe"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "status S_ACTSTATUS-E since 2024-05-01T00:00:00Z by "; len(rec.Log) != 1 || rec.Log[0] != want {
		t.Errorf("log %q, want %q", rec.Log, want)
	}
	// Msg in the context wins over the literal.
	prog2, err := engine.CompileBytes("basic.xml", []byte(strings.Replace(doc, `<EventToContextMap/>`, `<EventToContextMap><SimpleMapping FromName="m" ToName="Msg"/></EventToContextMap>`, 1)), reg)
	if err != nil {
		t.Fatal(err)
	}
	rec, err = prog2.Run(context.Background(), engine.Event{Name: "TimerWFEvent", Fields: map[string]any{"m": "from the event: ${Status}"}}, engine.RunOptions{})
	if err != nil || len(rec.Log) != 1 || rec.Log[0] != "from the event: S_ACTSTATUS-E" {
		t.Errorf("err %v log %q", err, rec.Log)
	}
}
