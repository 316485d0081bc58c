package mailbox

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/wfehq/wfe/errclass"
)

// Every transport kind maps into wfe's one error classification, and the
// class survives wrapping, so a run record shows it.
func TestKindClass(t *testing.T) {
	for kind, want := range map[Kind]errclass.Class{
		KindAuth:     errclass.Permanent,
		KindTLS:      errclass.Permanent,
		KindRejected: errclass.Permanent,
		KindNetwork:  errclass.Retryable,
		KindTemp:     errclass.Retryable,
		KindOther:    errclass.Unclassified,
	} {
		err := fmt.Errorf("mail configuration X: %w", &Error{Kind: kind, Server: "mail.example:993", Op: "login", Err: errors.New("no")})
		if got := errclass.Of(err); got != want {
			t.Errorf("%s: class %q, want %q", kind, got, want)
		}
		if IsRetryable(err) != (want == errclass.Retryable) {
			t.Errorf("%s: IsRetryable = %v", kind, IsRetryable(err))
		}
	}
	// An unrecognised transport failure does not hide a class marked inside it.
	inner := errclass.Mark(errclass.Retryable, context.DeadlineExceeded)
	if got := errclass.Of(&Error{Kind: KindOther, Op: "fetch", Err: inner}); got != errclass.Retryable {
		t.Errorf("KindOther around a retryable error: %q", got)
	}
}
