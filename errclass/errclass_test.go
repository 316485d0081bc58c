package errclass_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/wfehq/wfe/errclass"
)

// kindError stands for a transport error that knows its class.
type kindError struct{ class errclass.Class }

func (e kindError) Error() string              { return "transport: " + string(e.class) }
func (e kindError) ErrorClass() errclass.Class { return e.class }

func TestOf(t *testing.T) {
	plain := errors.New("boom")
	for _, tc := range []struct {
		name string
		err  error
		want errclass.Class
	}{
		{"nil", nil, ""},
		{"plain error", plain, errclass.Unclassified},
		{"wrapped plain error", fmt.Errorf("step 1: %w", plain), errclass.Unclassified},
		{"marked", errclass.Mark(errclass.Retryable, plain), errclass.Retryable},
		{"marked, then wrapped", fmt.Errorf("ctx: %w", errclass.Mark(errclass.Permanent, plain)), errclass.Permanent},
		{"outermost mark wins", errclass.Mark(errclass.Permanent, errclass.Mark(errclass.Retryable, plain)), errclass.Permanent},
		{"classifier in the chain", fmt.Errorf("import: %w", kindError{errclass.Retryable}), errclass.Retryable},
		{"unclassified classifier does not hide the inner class",
			errclass.Mark(errclass.Unclassified, errclass.Mark(errclass.Retryable, plain)), errclass.Retryable},
		{"joined: first classified branch", errors.Join(plain, kindError{errclass.Permanent}), errclass.Permanent},
	} {
		if got := errclass.Of(tc.err); got != tc.want {
			t.Errorf("%s: Of = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestMarkKeepsTheChain(t *testing.T) {
	err := fmt.Errorf("read: %w", errclass.Mark(errclass.Retryable, io.ErrUnexpectedEOF))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("errors.Is does not see through the mark: %v", err)
	}
	if err.Error() != "read: unexpected EOF" {
		t.Errorf("message changed: %q", err.Error())
	}
	if errclass.Mark(errclass.Permanent, nil) != nil {
		t.Error("Mark(nil) is not nil")
	}
	if !errclass.Is(err, errclass.Retryable) || errclass.Is(err, errclass.Permanent) {
		t.Error("Is disagrees with Of")
	}
}
