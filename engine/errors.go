package engine

import (
	"errors"
	"fmt"

	"github.com/wfehq/wfe/errclass"
)

// ErrorClass says whether a failed run may succeed when simply tried
// again. It is wfe's one classification (package errclass), shared with
// the mail transport and every action.
type ErrorClass = errclass.Class

const (
	// ClassPermanent: retrying without a change (credentials, configuration,
	// data) fails again.
	ClassPermanent = errclass.Permanent
	// ClassRetryable: a transient failure (connection reset, server busy,
	// deadline); the next run may succeed.
	ClassRetryable = errclass.Retryable
	// ClassUnclassified: the error says nothing about its class; run
	// records show it as such.
	ClassUnclassified = errclass.Unclassified
)

// Sentinel errors of the engine; match them with errors.Is.
var (
	// ErrStepBudget: a run executed more steps than its budget allows.
	ErrStepBudget = errors.New("step budget exhausted")
	// ErrStepTwice: a step was reached a second time in one run.
	ErrStepTwice = errors.New("step reached twice in one run")
	// ErrDeadline: a run took longer than its deadline.
	ErrDeadline = errors.New("run deadline exceeded")
	// ErrParamType: a context value does not fit the parameter's data type.
	ErrParamType = errors.New("value does not fit the data type")
	// ErrMissingParam: a required parameter has no value at run time.
	ErrMissingParam = errors.New("required parameter has no value")
)

// Permanent marks err as permanent: the same run fails again unless
// something is changed. Permanent(nil) is nil.
func Permanent(err error) error { return errclass.Mark(errclass.Permanent, err) }

// Retryable marks err as transient: a later run may succeed.
// Retryable(nil) is nil.
func Retryable(err error) error { return errclass.Mark(errclass.Retryable, err) }

// ClassOf returns the class of err: the outermost class in its chain
// (Permanent or Retryable marks, and errors such as mailbox.Error that
// know their class), ClassUnclassified when none and "" for nil.
func ClassOf(err error) ErrorClass { return errclass.Of(err) }

// IsRetryable reports whether err is of class ClassRetryable.
func IsRetryable(err error) bool { return ClassOf(err) == ClassRetryable }

// actionError names the step and action an error happened in.
func actionError(stepNo int, action string, line int, err error) error {
	return fmt.Errorf("step %d action %s (line %d): %w", stepNo, action, line, err)
}
