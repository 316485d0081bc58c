package conditions_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wfehq/wfe/conditions"
	"github.com/wfehq/wfe/engine"
)

type ws struct{ closed bool }

func (w *ws) WorkSpaceName() string           { return "ws" }
func (w *ws) Close(ctx context.Context) error { w.closed = true; return nil }
func (w *ws) Closed() bool                    { return w.closed }

func prepare(t *testing.T, name string, inputs []string, checks map[string]any) engine.Checker {
	t.Helper()
	reg := engine.NewRegistry()
	conditions.Register(reg)
	c, err := reg.Condition(name)
	if err != nil {
		t.Fatal(err)
	}
	chk, err := c.Prepare(engine.PrepareInput{Inputs: inputs, CheckValues: checks})
	if err != nil {
		t.Fatal(err)
	}
	return chk
}

func TestNull(t *testing.T) {
	var nilWS *ws
	isNull := prepare(t, conditions.IsNull, []string{conditions.NullInput}, nil)
	notNull := prepare(t, conditions.IsNotNull, []string{conditions.NullInput}, nil)
	for _, tc := range []struct {
		v    any
		null bool
	}{
		{nil, true}, {"", true}, {nilWS, true},
		{"x", false}, {int64(0), false}, {false, false}, {&ws{}, false}, {&ws{closed: true}, false},
	} {
		got, err := isNull(context.Background(), []any{tc.v})
		if err != nil || got != tc.null {
			t.Errorf("IsNull(%#v) = %v, %v; want %v", tc.v, got, err, tc.null)
		}
		got, err = notNull(context.Background(), []any{tc.v})
		if err != nil || got == tc.null {
			t.Errorf("IsNotNull(%#v) = %v, %v; want %v", tc.v, got, err, !tc.null)
		}
	}
}

func TestEquals(t *testing.T) {
	eq := prepare(t, conditions.Equals, []string{conditions.EqualsInput}, map[string]any{conditions.EqualsValue: "42"})
	for _, tc := range []struct {
		v    any
		want bool
	}{{"42", true}, {int64(42), true}, {"42 ", false}, {nil, false}, {true, false}} {
		if got, err := eq(context.Background(), []any{tc.v}); err != nil || got != tc.want {
			t.Errorf("Equals(%#v) = %v, %v; want %v", tc.v, got, err, tc.want)
		}
	}
	empty := prepare(t, conditions.Equals, []string{conditions.EqualsInput}, map[string]any{conditions.EqualsValue: ""})
	if got, _ := empty(context.Background(), []any{nil}); !got {
		t.Error("a missing input should equal the empty string")
	}
}

type mail struct {
	From    []string `expr:"from"`
	Subject string   `expr:"subject"`
}

func TestExpression(t *testing.T) {
	x := prepare(t, conditions.Expression, []string{"mail", "limit"}, map[string]any{
		conditions.ExprValue: `"boss@example.com" in mail.from && mail.subject contains "Angebot" && limit > 2`,
	})
	m := mail{From: []string{"boss@example.com"}, Subject: "Ihr Angebot"}
	if got, err := x(context.Background(), []any{m, int64(3)}); err != nil || !got {
		t.Errorf("got %v, %v; want true", got, err)
	}
	if got, err := x(context.Background(), []any{m, int64(1)}); err != nil || got {
		t.Errorf("got %v, %v; want false", got, err)
	}
	if _, err := x(context.Background(), []any{nil, int64(1)}); err == nil {
		t.Error("nil mail: want a run-time error")
	}
}

func TestExpressionTypedInputs(t *testing.T) {
	c := conditions.ExpressionCondition{Types: map[string]any{"mail": mail{}}}
	_, err := c.Prepare(engine.PrepareInput{Inputs: []string{"mail"}, CheckValues: map[string]any{conditions.ExprValue: "mail.sender == 'x'"}})
	var pe *engine.PositionError
	if !errors.As(err, &pe) || pe.CheckValue != conditions.ExprValue || pe.Column != 6 || !strings.Contains(pe.Err.Error(), "sender") {
		t.Fatalf("err = %#v", err)
	}
	chk, err := c.Prepare(engine.PrepareInput{Inputs: []string{"mail"}, CheckValues: map[string]any{conditions.ExprValue: "mail.subject == 'x'"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chk(context.Background(), []any{"not a mail"}); err == nil || !strings.Contains(err.Error(), "input mail holds string") {
		t.Errorf("err = %v", err)
	}
}

func TestExpressionCompileErrors(t *testing.T) {
	c := conditions.ExpressionCondition{}
	for src, pos := range map[string][2]int{ // 1-based line and column; 0 0: no position
		"a +":    {1, 3},
		"b == 1": {1, 1},
		"1 + 1":  {0, 0}, // not a bool: no position
		"   ":    {0, 0},
	} {
		_, err := c.Prepare(engine.PrepareInput{Inputs: []string{"a"}, CheckValues: map[string]any{conditions.ExprValue: src}})
		var pe *engine.PositionError
		if !errors.As(err, &pe) || pe.Line != pos[0] || pe.Column != pos[1] {
			t.Errorf("%q: err = %#v, want line and column %v", src, err, pos)
		}
	}
}
