// Package exprpos reads where expr-lang places a compile error. It is the
// one place that knows expr's conventions: lines are 1-based, columns
// 0-based and counted in runes, and some errors (expr.AsBool's "expected
// bool, but got int") carry no position at all.
package exprpos

import (
	"errors"
	"fmt"
	"strings"

	"github.com/expr-lang/expr/file"
)

// Pos is a position inside an expression: 1-based line, 1-based column in
// runes. The zero Pos means the error has no position.
type Pos struct {
	Line, Col int
}

// Of returns the message of an expr compile error, without the source
// excerpt expr appends, and where in the expression the problem is.
func Of(err error) (msg string, pos Pos) {
	var fe *file.Error
	if errors.As(err, &fe) {
		if fe.Line > 0 {
			pos = Pos{Line: fe.Line, Col: fe.Column + 1}
		}
		return fe.Message, pos
	}
	return strings.TrimSpace(err.Error()), Pos{}
}

// Describe returns "line L, column C: message" for an error with a
// position and the message alone otherwise.
func Describe(err error) string {
	msg, pos := Of(err)
	if pos.Line == 0 {
		return msg
	}
	return fmt.Sprintf("line %d, column %d: %s", pos.Line, pos.Col, msg)
}
