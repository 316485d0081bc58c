package plan

import (
	"fmt"
	"strings"
)

// Counts are the numbers the preview shows for one direction.
type Counts struct {
	New     int `json:"new"`
	Changed int `json:"changed"`
	Deleted int `json:"deleted"`
}

// Summary is the preview's count of a plan (docs/REQUIREMENTS.md R58), shaped for JSON.
type Summary struct {
	Table           string `json:"table"`
	ToGroupware     Counts `json:"to_groupware"`
	ToCRM           Counts `json:"to_crm"`
	OnlyInGroupware int    `json:"only_in_groupware"`
	// Conflicts counts records held for a person (conflict queue).
	Conflicts int `json:"conflicts"`
	// ConflictsSettled counts pairs whose conflicting fields the rule's
	// conflict option (or a person's earlier decision) settled.
	ConflictsSettled int `json:"conflicts_settled"`
	// Linked counts pairs linked by a first-run match.
	Linked int `json:"linked"`
	// Skipped counts records held by the rule's settings.
	Skipped int `json:"skipped"`
	// Needs counts records the caller should add and plan again.
	Needs int `json:"needs"`
	// Refused holds the mass-delete guard's message, if it stopped the run.
	Refused string `json:"refused,omitempty"`
}

// Summary counts the plan's operations.
func (p *Plan) Summary() Summary {
	s := Summary{Table: p.Table, Needs: len(p.Needs)}
	for _, op := range p.Operations {
		s.count(op)
	}
	msgs := make([]string, len(p.Refusals))
	for i, r := range p.Refusals {
		msgs[i] = r.Error()
	}
	s.Refused = strings.Join(msgs, "; ")
	return s
}

func (s *Summary) count(op Operation) {
	switch op.Kind {
	case CreateInGroupware:
		s.ToGroupware.New++
	case CreateInCRM:
		s.ToCRM.New++
	case DeleteInGroupware:
		s.ToGroupware.Deleted++
	case DeleteInCRM:
		s.ToCRM.Deleted++
	case Conflict:
		s.Conflicts++
	case OnlyInGroupware:
		s.OnlyInGroupware++
	case Skip:
		s.Skipped++
	}
	if op.Kind == Update || op.Kind == LinkPair {
		s.ToGroupware.Changed += min(len(op.ToGroupware), 1)
		s.ToCRM.Changed += min(len(op.ToCRM), 1)
	}
	if op.NewLink {
		s.Linked++
	}
	if op.Conflict != nil && op.Conflict.Winner != 0 {
		s.ConflictsSettled++
	}
}

// String prints the summary as the preview's lines.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "to groupware: %d new, %d changed, %d deleted\n", s.ToGroupware.New, s.ToGroupware.Changed, s.ToGroupware.Deleted)
	fmt.Fprintf(&b, "to crm: %d new, %d changed, %d deleted\n", s.ToCRM.New, s.ToCRM.Changed, s.ToCRM.Deleted)
	fmt.Fprintf(&b, "only in groupware: %d\nconflicts: %d (%d settled by the conflict option)\n",
		s.OnlyInGroupware, s.Conflicts, s.ConflictsSettled)
	if s.Refused != "" {
		fmt.Fprintf(&b, "refused: %s\n", s.Refused)
	}
	return b.String()
}
