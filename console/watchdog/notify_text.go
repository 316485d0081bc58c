package watchdog

import (
	"fmt"
	"strings"
	"time"

	"github.com/wfehq/wfe/store"
)

// alertSubject is the subject of a watchdog mail.
func alertSubject(cfg *store.MailConfig, s Source) string {
	return fmt.Sprintf("wfe: mail configuration %s is %s", cfg.MatchCode, s.State)
}

// alertText says what stopped, since when and why, and when the next
// mail would come.
func alertText(cfg *store.MailConfig, s Source) string {
	var b strings.Builder
	fmt.Fprintf(&b, "The automatic mail import of mail configuration %s is %s", cfg.MatchCode, s.State)
	if s.Reason != "" {
		fmt.Fprintf(&b, " (%s)", s.Reason)
	}
	b.WriteString(".\n\n")
	if s.LastError != "" {
		fmt.Fprintf(&b, "Last error%s:\n%s\n\n", at(s.LastErrorAt), s.LastError)
	}
	if s.LastSuccess != nil {
		fmt.Fprintf(&b, "Last successful import: %s\n\n", s.LastSuccess.UTC().Format(time.RFC3339))
	} else {
		b.WriteString("No successful import is on record.\n\n")
	}
	b.WriteString("This is the only mail about this incident: the next one comes when the\n" +
		"configuration has imported successfully again and then stops anew.\n" +
		"'wfe status' and the console's dashboard show the state of every source.\n")
	return b.String()
}

func at(t *time.Time) string {
	if t == nil {
		return ""
	}
	return " (" + t.UTC().Format(time.RFC3339) + ")"
}
