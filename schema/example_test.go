package schema_test

import (
	"errors"
	"fmt"

	"github.com/wfehq/wfe/schema"
)

func ExampleParse() {
	doc := `<?xml version="1.0" encoding="ISO-8859-1"?>
<WorkFlowMapping WorkflowID="Demo">
<Step No="1">
<Event Name="TimerWFEvent"/>
</Step>
</WorkFlowMapping>`
	_, err := schema.Parse("demo.xml", []byte(doc))
	var ds schema.Diagnostics
	if errors.As(err, &ds) {
		for _, d := range ds {
			fmt.Println(d.Code, d.Path)
			fmt.Println(d)
		}
	}
	// Output:
	// unknown-attr WorkFlowMapping
	// demo.xml:2:18: unknown attribute WorkflowID on <WorkFlowMapping> (did you mean WorkFlowID?)
}

func ExampleEditor() {
	doc := `<WorkFlowMapping WorkFlowID='Import' ExecutionType="100" >
<Step No="1"><Event Name="TimerWFEvent"/><Actions><Action Name="LogAction"><ContextToActionMap>
<ValueMapping Name="Message"><Parameter Name="Message" DataType="java.lang.String" Value="hi"/></ValueMapping>
</ContextToActionMap></Action></Actions></Step>
</WorkFlowMapping>`
	w, err := schema.Parse("import.xml", []byte(doc))
	if err != nil {
		fmt.Println(err)
		return
	}
	msg := w.Steps[0].Actions[0].Mappings[0].Parameter
	out, err := w.Edit().SetWorkFlowID("Import copy").SetParameterValue(msg, `say "hello"`).Bytes()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	// Output:
	// <WorkFlowMapping WorkFlowID='Import copy' ExecutionType="100" >
	// <Step No="1"><Event Name="TimerWFEvent"/><Actions><Action Name="LogAction"><ContextToActionMap>
	// <ValueMapping Name="Message"><Parameter Name="Message" DataType="java.lang.String" Value="say &quot;hello&quot;"/></ValueMapping>
	// </ContextToActionMap></Action></Actions></Step>
	// </WorkFlowMapping>
}
