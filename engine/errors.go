package engine

import (
	"errors"
	"fmt"
)

// ErrorClass says whether a failed run may succeed when simply tried again.
type ErrorClass string

const (
	// ClassPermanent: retrying without a change (credentials, configuration,
	// data) fails again. Unclassified errors are permanent.
	ClassPermanent ErrorClass = "permanent"
	// ClassRetryable: a transient failure (connection reset, server busy,
	// deadline); the next run may succeed.
	ClassRetryable ErrorClass = "retryable"
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

type classified struct {
	class ErrorClass
	err   error
}

func (c *classified) Error() string { return c.err.Error() }
func (c *classified) Unwrap() error { return c.err }

// Permanent marks err as permanent: the same run fails again unless
// something is changed. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &classified{ClassPermanent, err}
}

// Retryable marks err as transient: a later run may succeed.
// Retryable(nil) is nil.
func Retryable(err error) error {
	if err == nil {
		return nil
	}
	return &classified{ClassRetryable, err}
}

// ClassOf returns the class of err: the outermost Permanent or Retryable
// mark in its chain, ClassPermanent for unclassified errors and "" for nil.
func ClassOf(err error) ErrorClass {
	if err == nil {
		return ""
	}
	var c *classified
	if errors.As(err, &c) {
		return c.class
	}
	return ClassPermanent
}

// IsRetryable reports whether err is marked Retryable.
func IsRetryable(err error) bool { return ClassOf(err) == ClassRetryable }

// stepError names the step and action an error happened in.
func actionError(stepNo int, action string, line int, err error) error {
	return fmt.Errorf("step %d action %s (line %d): %w", stepNo, action, line, err)
}
