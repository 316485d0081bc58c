package engine_test

import (
	"context"
	"testing"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/engine/enginetest"
)

// In a dry run an action's own DryRun parameter is true, whatever its
// default or literal says, and the run record shows DryRun=true.
func TestDryRunSetsTheDryRunParameter(t *testing.T) {
	for _, tc := range []struct {
		dryRun  bool
		literal string // Value of the DryRun parameter in the XML; "" = not mapped
		want    string
	}{
		{true, "", "true"},
		{true, "false", "true"},
		{false, "", "false"}, // the default
		{false, "true", "true"},
	} {
		var seen bool
		reg := engine.NewRegistry()
		reg.RegisterAction(enginetest.ImportMails(func(ctx context.Context, call *engine.Call) error {
			seen = call.Bool("DryRun")
			return nil
		}))
		mapping := ""
		if tc.literal != "" {
			mapping = `<ValueMapping Name="D"><Parameter Name="DryRun" DataType="java.lang.Boolean" Value="` + tc.literal + `"/></ValueMapping>`
		}
		prog := mustCompile(t, wf("Dry", `1|TimerWFEvent|<Actions><Action Name="ImportMailsAction"><ContextToActionMap>
<ValueMapping Name="M"><Parameter Name="MailConfigMatchCode" DataType="java.lang.String" Value="123"/></ValueMapping>`+mapping+`
</ContextToActionMap></Action></Actions>|`), reg)
		rec, err := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{DryRun: tc.dryRun})
		if err != nil {
			t.Fatal(err)
		}
		got := rec.Steps[0].Actions[0].Params["DryRun"]
		if got != tc.want || (got == "true") != seen || rec.DryRun != tc.dryRun {
			t.Errorf("dry run %v, literal %q: record DryRun=%q, action saw %v, record.DryRun %v; want %q",
				tc.dryRun, tc.literal, got, seen, rec.DryRun, tc.want)
		}
	}
}
