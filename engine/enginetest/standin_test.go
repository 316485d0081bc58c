package enginetest_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/wfehq/wfe/actions/basic"
	"github.com/wfehq/wfe/actions/bccimport"
	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/actions/rules"
	"github.com/wfehq/wfe/actions/sendmail"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/engine/enginetest"
)

// realRegistry holds every action wfe ships, registered without a store
// (enough to read their specs).
func realRegistry() *engine.Registry {
	reg := engine.NewRegistry()
	basic.Register(reg)
	mailimport.Register(reg, mailimport.Deps{})
	sendmail.Register(reg, sendmail.Deps{})
	bccimport.Register(reg, mailimport.Deps{})
	rules.Register(reg, mailimport.Deps{})
	groupwaresync.Register(reg, groupwaresync.Deps{})
	return reg
}

// The engine's stand-ins cannot drift from the real actions: every
// stand-in declares the same parameters (name, data type, required,
// default, secret, template, variable-setting, in order) and outputs
// (name, data type, secret) as the real action of its name.
func TestStandInsMatchTheRealActions(t *testing.T) {
	reg := realRegistry()
	for _, stand := range enginetest.StandIns() {
		act, err := reg.Action(stand.Name)
		if err != nil {
			t.Errorf("stand-in %s has no real action: %v", stand.Name, err)
			continue
		}
		real := act.Spec()
		if got, want := paramShapes(stand.Params), paramShapes(real.Params); !slices.Equal(got, want) {
			t.Errorf("stand-in %s parameters\n got %q\nwant %q", stand.Name, got, want)
		}
		if got, want := outputShapes(stand.Outputs), outputShapes(real.Outputs); !slices.Equal(got, want) {
			t.Errorf("stand-in %s outputs\n got %q\nwant %q", stand.Name, got, want)
		}
	}
}

// paramShapes shows everything of a parameter that compiling and running
// depend on (descriptions may differ).
func paramShapes(ps []engine.Param) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = fmt.Sprintf("%s type=%s required=%v default=%q secret=%v template=%v sets=%v",
			p.Name, p.Type, p.Required, p.Default, p.Secret, p.Template, p.SetsVariable)
	}
	return out
}

func outputShapes(os []engine.Output) []string {
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = fmt.Sprintf("%s type=%s secret=%v", o.Name, o.Type, o.Secret)
	}
	return out
}
