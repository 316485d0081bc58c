// Package conditions holds the built-in workflow conditions:
// WFConditionIsNull, WFConditionIsNotNull, WFConditionEquals and
// WFConditionExpression (expr-lang).
package conditions

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/wfehq/wfe/engine"
)

// Names of the built-in conditions, their inputs and check values.
const (
	IsNull     = "WFConditionIsNull"
	IsNotNull  = "WFConditionIsNotNull"
	Equals     = "WFConditionEquals"
	Expression = "WFConditionExpression"

	NullInput   = "WFConditionNull.IN_VALUE"
	EqualsInput = "WFConditionEquals.IN_VALUE"
	EqualsValue = "WFConditionEquals.VALUE"
	ExprValue   = "WFConditionExpression.EXPR"
)

// Register adds the built-in conditions to reg.
func Register(reg *engine.Registry) {
	reg.RegisterCondition(nullCondition(IsNull, true))
	reg.RegisterCondition(nullCondition(IsNotNull, false))
	reg.RegisterCondition(equalsCondition())
	reg.RegisterCondition(ExpressionCondition{})
}

// Null reports whether a value counts as null for WFConditionIsNull and
// WFConditionIsNotNull: nil (also a missing context variable and a typed
// nil pointer) and the empty string are null. A closed work space is not
// null: it is still the result of an import.
func Null(v any) bool {
	if engine.IsNil(v) {
		return true
	}
	s, ok := v.(string)
	return ok && s == ""
}

func nullCondition(name string, wantNull bool) engine.Condition {
	what := "is null (nil, missing or the empty string)"
	if !wantNull {
		what = "is not null (neither nil, missing nor the empty string)"
	}
	return engine.ConditionFunc{
		S: engine.ConditionSpec{
			Name:        name,
			Description: "holds when the input " + what,
			Inputs:      []engine.Param{{Name: NullInput, Type: engine.TypeAny, Required: true, Description: "the value to test"}},
		},
		P: func(in engine.PrepareInput) (engine.Checker, error) {
			return func(_ context.Context, inputs []any) (bool, error) {
				return Null(inputs[0]) == wantNull, nil
			}, nil
		},
	}
}

func equalsCondition() engine.Condition {
	return engine.ConditionFunc{
		S: engine.ConditionSpec{
			Name:        Equals,
			Description: "holds when the input, shown as text, equals the check value (a missing input equals the empty string)",
			Inputs:      []engine.Param{{Name: EqualsInput, Type: engine.TypeAny, Required: true, Description: "the value to compare"}},
			CheckValues: []engine.Param{{Name: EqualsValue, Type: engine.TypeString, Required: true, Description: "the expected value"}},
		},
		P: func(in engine.PrepareInput) (engine.Checker, error) {
			want, _ := in.CheckValues[EqualsValue].(string)
			return func(_ context.Context, inputs []any) (bool, error) {
				if s, ok := inputs[0].(string); ok {
					return s == want, nil
				}
				return engine.FormatValue(inputs[0]) == want, nil
			}, nil
		},
	}
}

// ExpressionCondition is WFConditionExpression: the check value
// WFConditionExpression.EXPR is an expr-lang expression that must yield a
// boolean. Every input (ContextToConditionMap ToName) becomes a variable
// of that name, so a mail rule maps the context variable holding the mail
// to the input "mail" and reads mail.from. The expression is compiled once,
// when the workflow is compiled.
type ExpressionCondition struct {
	// Types gives example values for inputs whose type is known in advance
	// (e.g. "mail" -> a mail value), so field names are checked at compile
	// time. Inputs without an entry are untyped and checked at run time.
	Types map[string]any
}

var _ engine.Condition = ExpressionCondition{}

func (ExpressionCondition) Spec() engine.ConditionSpec {
	return engine.ConditionSpec{
		Name:        Expression,
		Description: "holds when the expr-lang expression yields true; each input is a variable named by its ToName",
		AnyInputs:   true,
		CheckValues: []engine.Param{{Name: ExprValue, Type: engine.TypeString, Required: true, Description: `expression, e.g. mail.from == "boss@example.com" && mail.subject contains "Angebot"`}},
	}
}

func (e ExpressionCondition) Prepare(in engine.PrepareInput) (engine.Checker, error) {
	src, _ := in.CheckValues[ExprValue].(string)
	if strings.TrimSpace(src) == "" {
		return nil, &engine.PositionError{CheckValue: ExprValue, Err: errors.New("empty expression")}
	}
	// The environment is a struct with one field per input, tagged with the
	// input's name: untyped inputs are interface fields, so the expression
	// may use them in any way that works at run time, while unknown names
	// are compile errors.
	fields := make([]reflect.StructField, len(in.Inputs))
	for i, name := range in.Inputs {
		typ := reflect.TypeFor[any]()
		if ex, ok := e.Types[name]; ok && ex != nil {
			typ = reflect.TypeOf(ex)
		}
		fields[i] = reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: typ, Tag: reflect.StructTag(fmt.Sprintf(`expr:%q`, name))}
	}
	envType := reflect.StructOf(fields)
	prog, err := expr.Compile(src, expr.Env(reflect.New(envType).Elem().Interface()), expr.AsBool())
	if err != nil {
		return nil, engine.ExprError(ExprValue, err)
	}
	x := &exprChecker{prog: prog, names: append([]string(nil), in.Inputs...), envType: envType}
	return x.check, nil
}

type exprChecker struct {
	prog    *vm.Program
	names   []string
	envType reflect.Type
}

func (x *exprChecker) check(_ context.Context, inputs []any) (bool, error) {
	env := reflect.New(x.envType).Elem()
	for i, v := range inputs {
		if v == nil {
			continue
		}
		f := env.Field(i)
		rv := reflect.ValueOf(v)
		if !rv.Type().AssignableTo(f.Type()) {
			return false, fmt.Errorf("expression input %s holds %T, want %s", x.names[i], v, f.Type())
		}
		f.Set(rv)
	}
	out, err := expr.Run(x.prog, env.Interface())
	if err != nil {
		return false, fmt.Errorf("expression: %w", err)
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("expression yielded %T, want bool", out)
	}
	return b, nil
}
