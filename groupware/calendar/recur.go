package calendar

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/teambition/rrule-go"
)

// Limits of one Occurrences call. The rule is walked lazily, one instance
// at a time from the series' start (never expanded in full), and the walk
// stops after MaxOccurrences instances in the range or MaxSteps instances
// in all, whichever comes first; the Expansion then says Truncated. A
// series with 10,000 instances in the range thus gives its first 5,000,
// and a rule with an instance every second since 1990 costs at most
// MaxSteps steps.
const (
	MaxOccurrences = 5000
	MaxSteps       = 200000
)

// ErrUnexpandable is returned for a series whose recurrence rule the
// library cannot read. The series is kept (with its rule as text); its
// Expansion holds the first instance only, if that is in the range.
var ErrUnexpandable = errors.New("calendar: recurrence rule cannot be expanded")

// Occurrence is one instance of a series.
type Occurrence struct {
	Start, End   When
	RecurrenceID When // the instance's original start; zero for a single event
	Item         Item // the override for a moved or changed instance, else the master
	Moved        bool // Item is an override
}

// Expansion is the result of Occurrences.
type Expansion struct {
	Occurrences []Occurrence // sorted by start
	Truncated   bool         // a limit was reached: later instances are missing
}

// Occurrences lists the instances of a series that overlap [from, to):
// the instances of its rule less the cancelled ones (exdates, overrides
// with status cancelled), with moved and changed instances taken from the
// overrides; a cancelled series has none. Dates and floating times are
// placed in UTC for the comparison with from and to.
func Occurrences(s Series, from, to time.Time) (Expansion, error) {
	m := s.Master
	if m[FieldStatus] == "cancelled" {
		return Expansion{}, nil
	}
	if m[FieldStart] == "" && len(s.Overrides) > 0 { // only instances were given
		return instancesOnly(s, from, to)
	}
	start, end, err := span(m)
	if err != nil {
		return Expansion{}, err
	}
	if m[FieldRecurrence] == "" {
		return single(m, start, end, from, to), nil
	}
	rule, err := newRule(m, start)
	if err != nil {
		return single(m, start, end, from, to), err
	}
	ex := &expander{from: from, to: to, start: start, length: end.In(nil).Sub(start.In(nil)), master: m}
	if err := ex.index(s); err != nil {
		return Expansion{}, err
	}
	ex.walk(rule.Iterator())
	ex.addMovedIn()
	sortByStart(ex.out.Occurrences)
	return ex.out, nil
}

func span(it Item) (When, When, error) {
	start, err := it.When(FieldStart)
	if err != nil {
		return When{}, When{}, err
	}
	end, err := it.When(FieldEnd)
	if err != nil {
		return When{}, When{}, err
	}
	if start.IsZero() {
		return When{}, When{}, fmt.Errorf("calendar: UID %q has no start", it[FieldUID])
	}
	if end.IsZero() {
		end = start
	}
	return start, end, nil
}

func single(m Item, start, end When, from, to time.Time) Expansion {
	if !overlaps(start, end, from, to) {
		return Expansion{}
	}
	return Expansion{Occurrences: []Occurrence{{Start: start, End: end, Item: m}}}
}

func overlaps(start, end When, from, to time.Time) bool {
	s, e := start.In(nil), end.In(nil)
	if !e.After(s) { // an instant: inside when from <= s < to
		return !s.Before(from) && s.Before(to)
	}
	return s.Before(to) && e.After(from)
}

// newRule reads the series' RRULE in the zone of its start, so that
// instances keep the wall-clock time across daylight-saving changes.
func newRule(m Item, start When) (*rrule.RRule, error) {
	dt := start.In(nil)
	opt, err := rrule.StrToROptionInLocation(m[FieldRecurrence], dt.Location())
	if err == nil {
		opt.Dtstart = dt
		var r *rrule.RRule
		if r, err = rrule.NewRRule(*opt); err == nil {
			return r, nil
		}
	}
	return nil, fmt.Errorf("UID %q RRULE %q: %v: %w", m[FieldUID], m[FieldRecurrence], err, ErrUnexpandable)
}

func instancesOnly(s Series, from, to time.Time) (Expansion, error) {
	ex := &expander{from: from, to: to, master: s.Master}
	if err := ex.index(s); err != nil {
		return Expansion{}, err
	}
	ex.addMovedIn()
	sortByStart(ex.out.Occurrences)
	return ex.out, nil
}

func sortByStart(list []Occurrence) {
	sort.SliceStable(list, func(i, j int) bool { return list[i].Start.In(nil).Before(list[j].Start.In(nil)) })
}
