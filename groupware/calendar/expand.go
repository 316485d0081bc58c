package calendar

import (
	"time"
)

// expander walks a rule and collects the occurrences in its range.
type expander struct {
	from, to  time.Time
	start     When
	length    time.Duration
	master    Item
	exdates   map[int64]bool
	overrides map[int64]Item
	out       Expansion
}

// index keys exdates and overrides by the instant of the instance they
// replace.
func (ex *expander) index(s Series) error {
	ex.exdates, ex.overrides = map[int64]bool{}, map[int64]Item{}
	exdates, err := s.Master.Exdates()
	if err != nil {
		return err
	}
	for _, w := range exdates {
		ex.exdates[w.In(nil).Unix()] = true
	}
	for _, o := range s.Overrides {
		rid, err := o.When(FieldRecurrenceID)
		if err != nil {
			return err
		}
		ex.overrides[rid.In(nil).Unix()] = o
	}
	return nil
}

func (ex *expander) walk(next func() (time.Time, bool)) {
	for steps := 0; ; steps++ {
		t, ok := next()
		if !ok || !t.Before(ex.to) {
			return
		}
		if steps >= MaxSteps || len(ex.out.Occurrences) >= MaxOccurrences {
			ex.out.Truncated = true
			return
		}
		ex.instance(t)
	}
}

func (ex *expander) instance(t time.Time) {
	key := t.Unix()
	if ex.exdates[key] {
		return
	}
	if _, moved := ex.overrides[key]; moved {
		return // the override is placed by addMovedIn, wherever it moved to
	}
	start := ex.start.with(t)
	end := ex.start.with(t.Add(ex.length))
	if overlaps(start, end, ex.from, ex.to) {
		ex.out.Occurrences = append(ex.out.Occurrences, Occurrence{Start: start, End: end, RecurrenceID: start, Item: ex.master})
	}
}

// addMovedIn adds the overrides whose own time overlaps the range.
func (ex *expander) addMovedIn() {
	for key, o := range ex.overrides {
		if ex.exdates[key] || o[FieldStatus] == "cancelled" || len(ex.out.Occurrences) >= MaxOccurrences {
			continue
		}
		start, end, err := span(o)
		if err != nil || !overlaps(start, end, ex.from, ex.to) {
			continue
		}
		rid, _ := o.When(FieldRecurrenceID)
		ex.out.Occurrences = append(ex.out.Occurrences, Occurrence{Start: start, End: end, RecurrenceID: rid, Item: o, Moved: true})
	}
}
