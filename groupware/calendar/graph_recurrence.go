package calendar

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// ErrNotRepresentable is returned for a recurrence rule that Graph's
// recurrence patterns cannot express (FREQ=HOURLY, several BYMONTHDAY
// values, BYWEEKNO, …). The caller keeps the series on the side it came
// from and reports it.
var ErrNotRepresentable = errors.New("calendar: recurrence rule has no Graph pattern")

var graphDays = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
var icalDays = []string{"MO", "TU", "WE", "TH", "FR", "SA", "SU"}
var graphIndex = map[string]int{"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}

// rruleFromGraph writes a Graph recurrence as an RRULE value. An end date
// becomes UNTIL at the end of that day in the series' zone (a date for an
// all-day series).
func rruleFromGraph(rec *GraphRecurrence, start When) (string, error) {
	p := rec.Pattern
	parts, err := patternParts(p)
	if err != nil {
		return "", err
	}
	if p.Interval > 1 {
		parts = append(parts[:1], append([]string{"INTERVAL=" + strconv.Itoa(p.Interval)}, parts[1:]...)...)
	}
	if p.Type == "weekly" && p.FirstDayOfWeek != "" {
		parts = append(parts, "WKST="+dayCode(p.FirstDayOfWeek))
	}
	end, err := rangePart(rec.Range, start)
	if err != nil {
		return "", err
	}
	if end != "" {
		parts = append(parts, end)
	}
	return strings.Join(parts, ";"), nil
}

func patternParts(p GraphPattern) ([]string, error) {
	byDay := "BYDAY=" + daysCodes(p.DaysOfWeek)
	setPos := "BYSETPOS=" + strconv.Itoa(graphIndex[p.Index])
	switch p.Type {
	case "daily":
		return []string{"FREQ=DAILY"}, nil
	case "weekly":
		return []string{"FREQ=WEEKLY", byDay}, nil
	case "absoluteMonthly":
		return []string{"FREQ=MONTHLY", "BYMONTHDAY=" + strconv.Itoa(p.DayOfMonth)}, nil
	case "relativeMonthly":
		return []string{"FREQ=MONTHLY", byDay, setPos}, nil
	case "absoluteYearly":
		return []string{"FREQ=YEARLY", "BYMONTH=" + strconv.Itoa(p.Month), "BYMONTHDAY=" + strconv.Itoa(p.DayOfMonth)}, nil
	case "relativeYearly":
		return []string{"FREQ=YEARLY", "BYMONTH=" + strconv.Itoa(p.Month), byDay, setPos}, nil
	}
	return nil, fmt.Errorf("calendar: Graph recurrence pattern type %q is not known", p.Type)
}

func rangePart(r GraphRange, start When) (string, error) {
	switch r.Type {
	case "noEnd", "":
		return "", nil
	case "numbered":
		if r.NumberOfOccurrences < 1 {
			return "", fmt.Errorf("calendar: Graph recurrence range numbered needs numberOfOccurrences of 1 or more, not %d", r.NumberOfOccurrences)
		}
		return "COUNT=" + strconv.Itoa(r.NumberOfOccurrences), nil
	case "endDate":
		d, err := time.Parse(dateLayout, r.EndDate)
		if err != nil {
			return "", fmt.Errorf("calendar: Graph recurrence endDate %q: %w", r.EndDate, err)
		}
		if start.DateOnly || start.Floating {
			return "UNTIL=" + d.Format("20060102"), nil
		}
		loc := start.Time.Location()
		last := time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, loc)
		return "UNTIL=" + last.UTC().Format("20060102T150405Z"), nil
	}
	return "", fmt.Errorf("calendar: Graph recurrence range type %q is not known", r.Type)
}

func dayCode(graphDay string) string {
	for i, d := range graphDays {
		if strings.EqualFold(d, graphDay) {
			return icalDays[i]
		}
	}
	return graphDay
}

func daysCodes(days []string) string {
	codes := make([]string, len(days))
	for i, d := range days {
		codes[i] = dayCode(d)
	}
	return strings.Join(codes, ",")
}

// graphFromRRule expresses an RRULE as a Graph recurrence, for the common
// patterns; anything else gives ErrNotRepresentable.
func graphFromRRule(rule string, start When, localZone string) (*GraphRecurrence, error) {
	opt, err := rrule.StrToROptionInLocation(rule, start.In(nil).Location())
	if err != nil {
		return nil, fmt.Errorf("RRULE %q: %v: %w", rule, err, ErrNotRepresentable)
	}
	if hasUnsupportedParts(opt) {
		return nil, fmt.Errorf("RRULE %q: %w", rule, ErrNotRepresentable)
	}
	pattern, err := graphPattern(opt, start.In(nil), strings.Contains(strings.ToUpper(rule), "WKST="))
	if err != nil {
		return nil, fmt.Errorf("RRULE %q: %w", rule, err)
	}
	rng, err := graphRange(opt, start, localZone)
	return &GraphRecurrence{Pattern: pattern, Range: rng}, err
}

func hasUnsupportedParts(o *rrule.ROption) bool {
	return len(o.Byyearday) > 0 || len(o.Byweekno) > 0 || len(o.Byhour) > 0 || len(o.Byminute) > 0 ||
		len(o.Bysecond) > 0 || len(o.Byeaster) > 0 || len(o.Bymonth) > 1 || len(o.Bymonthday) > 1 || len(o.Bysetpos) > 1
}
