package exprpos_test

import (
	"testing"

	"github.com/expr-lang/expr"

	"github.com/wfehq/wfe/internal/exprpos"
)

func TestOf(t *testing.T) {
	for _, tc := range []struct {
		src  string
		msg  string
		pos  exprpos.Pos
		desc string
	}{
		{"1 +", "unexpected token EOF", exprpos.Pos{Line: 1, Col: 3}, "line 1, column 3: unexpected token EOF"},
		{"y == 1", "unknown name y", exprpos.Pos{Line: 1, Col: 1}, "line 1, column 1: unknown name y"},
		{"x ==\n  )", `unexpected token Bracket(")")`, exprpos.Pos{Line: 2, Col: 3}, `line 2, column 3: unexpected token Bracket(")")`},
		{`"ü" + )`, `unexpected token Bracket(")")`, exprpos.Pos{Line: 1, Col: 7}, `line 1, column 7: unexpected token Bracket(")")`}, // runes, not bytes
		{"1 + 2", "expected bool, but got int", exprpos.Pos{}, "expected bool, but got int"},                                          // no position
	} {
		_, err := expr.Compile(tc.src, expr.Env(map[string]any{"x": 1}), expr.AsBool())
		if err == nil {
			t.Fatalf("%q compiled", tc.src)
		}
		msg, pos := exprpos.Of(err)
		if msg != tc.msg || pos != tc.pos {
			t.Errorf("%q: Of = %q, %+v; want %q, %+v", tc.src, msg, pos, tc.msg, tc.pos)
		}
		if d := exprpos.Describe(err); d != tc.desc {
			t.Errorf("%q: Describe = %q, want %q", tc.src, d, tc.desc)
		}
	}
}
