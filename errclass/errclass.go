// Package errclass is wfe's one classification of failures: whether trying
// the same work again later may succeed. The engine, the mail transport
// and every action use it, and a run record shows the class of its error.
// An error nobody classified is reported as Unclassified, never silently
// taken for permanent.
//
// An error carries its class by implementing Classifier anywhere in its
// chain: Mark wraps an error with a class, and transport errors
// (mailbox.Error) implement Classifier from their kind.
package errclass

// Class says whether a failure may go away when the work is tried again.
type Class string

const (
	// Unclassified: nothing in the error says; the operator must look.
	Unclassified Class = "unclassified"
	// Permanent: trying again without a change (credentials, configuration,
	// data, the workflow) fails again.
	Permanent Class = "permanent"
	// Retryable: a transient failure (connection reset, server busy,
	// deadline); a later try may succeed.
	Retryable Class = "retryable"
)

// Classifier is implemented by errors that know their class. An error
// whose ErrorClass is Unclassified does not hide the class of the errors
// it wraps.
type Classifier interface {
	ErrorClass() Class
}

type marked struct {
	class Class
	err   error
}

func (m *marked) Error() string     { return m.err.Error() }
func (m *marked) Unwrap() error     { return m.err }
func (m *marked) ErrorClass() Class { return m.class }

// Mark returns err carrying class; errors.Is and errors.As still see
// err through the mark. Mark of a nil error is nil.
func Mark(class Class, err error) error {
	if err == nil {
		return nil
	}
	return &marked{class, err}
}

// Of returns the class of err: the first class other than Unclassified
// found walking its chain from the outside in (the branches of a joined
// error in order), Unclassified when there is none, and "" for nil.
func Of(err error) Class {
	if err == nil {
		return ""
	}
	if c := find(err); c != "" {
		return c
	}
	return Unclassified
}

func find(err error) Class {
	for err != nil {
		if c, ok := err.(Classifier); ok {
			if class := c.ErrorClass(); class != Unclassified && class != "" {
				return class
			}
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if c := find(e); c != "" {
					return c
				}
			}
			return ""
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		default:
			return ""
		}
	}
	return ""
}

// Is reports whether err is of class c.
func Is(err error, c Class) bool { return Of(err) == c }
