package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wfehq/wfe/engine"
)

func noRun(context.Context, *engine.Call) error { return nil }

func action(name string, params []engine.Param, outs ...engine.Output) engine.Action {
	return engine.ActionFunc{S: engine.ActionSpec{Name: name, Params: params, Outputs: outs}, F: noRun}
}

// AddAction refuses a bad spec with an error naming the action and the
// fault, and registers nothing then.
func TestAddActionRefusals(t *testing.T) {
	str := engine.TypeString
	for _, tc := range []struct {
		name string
		act  engine.Action
		want []string // parts of the message
	}{
		{"nil action", nil, []string{"nil action"}},
		{"empty name", action("", nil), []string{"engine.ActionFunc", "empty name"}},
		{"duplicate name", action("Dup", nil), []string{`action "Dup"`, "already registered"}},
		{"parameter without data type", action("NoType", []engine.Param{{Name: "Who"}}),
			[]string{`action "NoType"`, `parameter "Who"`, "no data type", "engine.TypeAny"}},
		{"unknown data type", action("BadType", []engine.Param{{Name: "When", Type: "java.util.Dat"}}),
			[]string{`action "BadType"`, `parameter "When"`, `"java.util.Dat"`, "not registered", `did you mean "java.util.Date"?`}},
		{"nameless parameter", action("NoName", []engine.Param{{Type: str}}), []string{`action "NoName"`, "parameter 1 has no name"}},
		{"parameter twice", action("Twice", []engine.Param{{Name: "A", Type: str}, {Name: "A", Type: str}}),
			[]string{`action "Twice"`, `parameter "A" is declared twice`}},
		{"default that does not convert", action("BadDefault", []engine.Param{{Name: "N", Type: engine.TypeInteger, Default: "ten"}}),
			[]string{`action "BadDefault"`, `default of parameter "N"`, `"ten" is not an integer`}},
		{"output without data type", action("BadOut", nil, engine.Output{Name: "Result"}),
			[]string{`action "BadOut"`, `output "Result" has no data type`}},
		{"output of unknown type", action("BadOutType", nil, engine.Output{Name: "Result", Type: "Money"}),
			[]string{`action "BadOutType"`, `output "Result"`, `"Money"`}},
	} {
		reg := engine.NewRegistry()
		if err := reg.AddAction(action("Dup", nil)); err != nil {
			t.Fatal(err)
		}
		err := reg.AddAction(tc.act)
		if !errors.Is(err, engine.ErrBadSpec) {
			t.Errorf("%s: err = %v, want ErrBadSpec", tc.name, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", tc.name, err, w)
			}
		}
		if tc.act != nil && tc.act.Spec().Name != "Dup" {
			if _, lerr := reg.Action(tc.act.Spec().Name); lerr == nil {
				t.Errorf("%s: the refused action was registered", tc.name)
			}
		}
	}
}

func TestAddActionAccepts(t *testing.T) {
	reg := engine.NewRegistry()
	ok := action("Fine", []engine.Param{
		{Name: "Who", Type: "String", Default: "world"}, // an alias is a known type
		{Name: "Anything", Type: engine.TypeAny},
		{Name: "Count", Type: engine.TypeInteger, Default: "3"},
	}, engine.Output{Name: "Result", Type: engine.TypeWorkSpace})
	if err := reg.AddAction(ok); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Action("Fine"); err != nil {
		t.Fatal(err)
	}
}

// RegisterAction, for built-ins, panics with AddAction's error.
func TestRegisterActionPanicsWithTheReason(t *testing.T) {
	defer func() {
		r := recover()
		err, _ := r.(error)
		if !errors.Is(err, engine.ErrBadSpec) || !strings.Contains(err.Error(), `action "NoType"`) {
			t.Errorf("recovered %v", r)
		}
	}()
	engine.NewRegistry().RegisterAction(action("NoType", []engine.Param{{Name: "Who"}}))
}

func TestAddConditionRefusals(t *testing.T) {
	cond := func(name string, inputs, checks []engine.Param) engine.Condition {
		return engine.ConditionFunc{S: engine.ConditionSpec{Name: name, Inputs: inputs, CheckValues: checks},
			P: func(engine.PrepareInput) (engine.Checker, error) { return nil, nil }}
	}
	for _, tc := range []struct {
		name string
		c    engine.Condition
		want string
	}{
		{"nil", nil, "nil condition"},
		{"empty name", cond("", nil, nil), "empty name"},
		{"duplicate", cond("Dup", nil, nil), `condition "Dup": a condition of this name is already registered`},
		{"input without type", cond("C1", []engine.Param{{Name: "IN"}}, nil), `condition "C1": input "IN" has no data type`},
		{"check value of unknown type", cond("C2", nil, []engine.Param{{Name: "V", Type: "Decimal"}}), `condition "C2": check value "V" has data type "Decimal"`},
		{"check value default", cond("C3", nil, []engine.Param{{Name: "V", Type: engine.TypeBoolean, Default: "maybe"}}), `condition "C3": default of check value "V"`},
	} {
		reg := engine.NewRegistry()
		if err := reg.AddCondition(cond("Dup", nil, nil)); err != nil {
			t.Fatal(err)
		}
		err := reg.AddCondition(tc.c)
		if !errors.Is(err, engine.ErrBadSpec) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one saying %q", tc.name, err, tc.want)
		}
	}
}

func TestAddDataTypeRefusals(t *testing.T) {
	parse := func(s string) (any, error) { return s, nil }
	accept := func(v any) (any, error) { return v, nil }
	for _, tc := range []struct {
		name string
		dt   engine.DataType
		want string
	}{
		{"empty name", engine.DataType{Parse: parse, Accept: accept}, "empty name"},
		{"no Parse", engine.DataType{Name: "Money", Accept: accept}, `data type "Money": Parse and Accept are both required`},
		{"taken name", engine.DataType{Name: engine.TypeString, Parse: parse, Accept: accept}, `"java.lang.String" is already registered`},
		{"taken alias", engine.DataType{Name: "Money", Aliases: []string{"int"}, Parse: parse, Accept: accept}, `data type "Money": the name "int" is already registered`},
		{"empty alias", engine.DataType{Name: "Money", Aliases: []string{""}, Parse: parse, Accept: accept}, `data type "Money": alias 1 is empty`},
		{"reserved", engine.DataType{Name: engine.TypeAny, Parse: parse, Accept: accept}, "reserved"},
	} {
		err := engine.NewRegistry().AddDataType(tc.dt)
		if !errors.Is(err, engine.ErrBadSpec) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one saying %q", tc.name, err, tc.want)
		}
	}
	// A data type registered first may be used by an action added after it.
	reg := engine.NewRegistry()
	if err := reg.AddDataType(engine.DataType{Name: "Money", Parse: parse, Accept: accept}); err != nil {
		t.Fatal(err)
	}
	if err := reg.AddAction(action("Pay", []engine.Param{{Name: "Amount", Type: "Money"}})); err != nil {
		t.Fatal(err)
	}
}
