package engine_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/wfehq/wfe/engine"
)

// Greet is a custom action: one parameter, one output.
type Greet struct{}

var _ engine.Action = Greet{}

func (Greet) Spec() engine.ActionSpec {
	return engine.ActionSpec{
		Name:    "GreetAction",
		Params:  []engine.Param{{Name: "Who", Type: engine.TypeString, Default: "world"}},
		Outputs: []engine.Output{{Name: "Greeting", Type: engine.TypeString}},
	}
}

func (Greet) Run(ctx context.Context, call *engine.Call) error {
	g := "hello, " + call.String("Who")
	call.Logf("%s (run as %s)", g, call.RunAs())
	call.SetOutput("Greeting", g)
	return nil
}

func Example_registerAction() {
	reg := engine.NewRegistry()
	if err := reg.AddAction(Greet{}); err != nil { // a bad spec is refused here, naming the action
		fmt.Println(err)
		return
	}

	const xml = `<?xml version="1.0" encoding="UTF-8"?>
<WorkFlowMapping WorkFlowID="Greet" Description="greets" ExecutionType="100">
<InternalDescription>Greets someone.</InternalDescription>
<Step No="1">
<Event Name="TimerWFEvent">
<EventToContextMap/>
</Event>
<Actions>
<Action Name="GreetAction">
<ContextToActionMap>
<ValueMapping Name="Who">
<Parameter Name="Who" DataType="java.lang.String" Value="Anna"/>
</ValueMapping>
</ContextToActionMap>
</Action>
</Actions>
</Step>
</WorkFlowMapping>`
	prog, err := engine.CompileBytes("greet.xml", []byte(xml), reg)
	if err != nil {
		fmt.Println(err)
		return
	}
	rec, err := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{RunAs: "jdoe"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rec.Status, rec.Log)
	// Output: ok [hello, Anna (run as jdoe)]
}

func Example_diagnostic() {
	reg := engine.NewRegistry()
	reg.RegisterAction(Greet{})
	xml := strings.Join([]string{
		`<?xml version="1.0" encoding="UTF-8"?>`,
		`<WorkFlowMapping WorkFlowID="Greet" Description="greets" ExecutionType="100">`,
		`<InternalDescription>Greets someone.</InternalDescription>`,
		`<Step No="1">`,
		`<Event Name="TimerWFEvent"><EventToContextMap/></Event>`,
		`<Actions>`,
		`<Action Name="GreetActon">`,
		`<ContextToActionMap/>`,
		`</Action>`,
		`</Actions>`,
		`</Step>`,
		`</WorkFlowMapping>`,
	}, "\n")
	_, err := engine.CompileBytes("greet.xml", []byte(xml), reg)
	fmt.Println(err)
	// Output: greet.xml:7:1: unknown action "GreetActon" (did you mean "GreetAction"? is its package registered?)
}

func ExampleRegistry_AddAction() {
	reg := engine.NewRegistry()
	err := reg.AddAction(engine.ActionFunc{
		S: engine.ActionSpec{Name: "StampAction", Params: []engine.Param{{Name: "When", Type: "java.util.Dat"}}},
		F: func(context.Context, *engine.Call) error { return nil },
	})
	fmt.Println(err)
	// Output: engine: action "StampAction": parameter "When" has data type "java.util.Dat", which is not registered (did you mean "java.util.Date"? known: java.lang.String, java.lang.Integer, java.lang.Long, java.lang.Boolean, java.util.Date, de.cursor.jevi.server.system.WorkSpace; register a data type before the actions using it): bad registration
}
