package calendar

import (
	"fmt"
	"time"

	"github.com/teambition/rrule-go"
)

var indexNames = map[int]string{1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}

func graphPattern(o *rrule.ROption, start time.Time, hasWkst bool) (GraphPattern, error) {
	p := GraphPattern{Interval: max(o.Interval, 1)}
	switch o.Freq {
	case rrule.DAILY:
		if len(o.Byweekday) > 0 || len(o.Bymonthday) > 0 || len(o.Bymonth) > 0 || len(o.Bysetpos) > 0 {
			return p, ErrNotRepresentable
		}
		p.Type = "daily"
		return p, nil
	case rrule.WEEKLY:
		return weeklyPattern(p, o, start, hasWkst)
	case rrule.MONTHLY:
		return monthDayPattern(p, o, start, "absoluteMonthly", "relativeMonthly")
	case rrule.YEARLY:
		p.Month = int(start.Month())
		if len(o.Bymonth) == 1 {
			p.Month = o.Bymonth[0]
		}
		return monthDayPattern(p, o, start, "absoluteYearly", "relativeYearly")
	}
	return p, ErrNotRepresentable
}

func weeklyPattern(p GraphPattern, o *rrule.ROption, start time.Time, hasWkst bool) (GraphPattern, error) {
	p.Type = "weekly"
	if len(o.Bymonthday) > 0 || len(o.Bymonth) > 0 || len(o.Bysetpos) > 0 {
		return p, ErrNotRepresentable
	}
	for _, d := range o.Byweekday {
		if d.N() != 0 {
			return p, ErrNotRepresentable
		}
		p.DaysOfWeek = append(p.DaysOfWeek, graphDays[d.Day()])
	}
	if len(p.DaysOfWeek) == 0 {
		p.DaysOfWeek = []string{graphDays[(int(start.Weekday())+6)%7]}
	}
	if hasWkst {
		p.FirstDayOfWeek = graphDays[o.Wkst.Day()]
	}
	return p, nil
}

// monthDayPattern fills a monthly or yearly pattern: a day of the month
// (absolute) or the nth weekday (relative: BYDAY with BYSETPOS, or BYDAY
// with an ordinal such as 2MO).
func monthDayPattern(p GraphPattern, o *rrule.ROption, start time.Time, absolute, relative string) (GraphPattern, error) {
	if len(o.Byweekday) == 0 {
		p.Type, p.DayOfMonth = absolute, start.Day()
		if len(o.Bymonthday) == 1 {
			p.DayOfMonth = o.Bymonthday[0]
		}
		if p.DayOfMonth < 1 || len(o.Bysetpos) > 0 {
			return p, ErrNotRepresentable
		}
		return p, nil
	}
	if len(o.Bymonthday) > 0 {
		return p, ErrNotRepresentable
	}
	p.Type = relative
	index, err := relativeIndex(o)
	if err != nil {
		return p, err
	}
	p.Index = index
	for _, d := range o.Byweekday {
		p.DaysOfWeek = append(p.DaysOfWeek, graphDays[d.Day()])
	}
	return p, nil
}

func relativeIndex(o *rrule.ROption) (string, error) {
	n := 0
	if len(o.Bysetpos) == 1 {
		n = o.Bysetpos[0]
	}
	for _, d := range o.Byweekday {
		switch {
		case d.N() != 0 && n != 0 && d.N() != n, d.N() != 0 && len(o.Bysetpos) > 0:
			return "", ErrNotRepresentable
		case d.N() != 0:
			n = d.N()
		}
	}
	name, ok := indexNames[n]
	if !ok {
		return "", ErrNotRepresentable
	}
	return name, nil
}

func graphRange(o *rrule.ROption, start When, localZone string) (GraphRange, error) {
	begin := start.In(nil)
	r := GraphRange{Type: "noEnd", StartDate: begin.Format(dateLayout)}
	zone := start.Zone
	if start.DateOnly || start.Floating {
		zone = localZone
	}
	var err error
	if r.RecurrenceTimeZone, err = graphZoneName(zone, start.Unknown); err != nil {
		return r, fmt.Errorf("recurrence time zone: %w", err)
	}
	switch {
	case o.Count > 0:
		r.Type, r.NumberOfOccurrences = "numbered", o.Count
	case !o.Until.IsZero():
		r.Type, r.EndDate = "endDate", o.Until.In(begin.Location()).Format(dateLayout)
	}
	return r, nil
}
