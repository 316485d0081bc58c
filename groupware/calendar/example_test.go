package calendar_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/wfehq/wfe/groupware/calendar"
)

const weeklyMeeting = `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//example//EN
BEGIN:VEVENT
UID:jour-fixe@example.com
DTSTAMP:20261001T080000Z
DTSTART;TZID=W. Europe Standard Time:20261019T100000
DTEND;TZID=W. Europe Standard Time:20261019T110000
RRULE:FREQ=WEEKLY;COUNT=3
SUMMARY:Jour fixe
END:VEVENT
END:VCALENDAR
`

// A weekly meeting read from iCalendar keeps 10:00 across the change to
// winter time on 25 October 2026; its Windows TZID is read as an IANA zone.
func ExampleOccurrences() {
	series, err := calendar.DecodeICS(strings.NewReader(weeklyMeeting))
	if err != nil {
		fmt.Println(err)
		return
	}
	from, to := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	exp, err := calendar.Occurrences(series[0], from, to)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range exp.Occurrences {
		fmt.Println(o.Start)
	}
	// Output:
	// 2026-10-19T10:00:00+02:00[Europe/Berlin]
	// 2026-10-26T10:00:00+01:00[Europe/Berlin]
	// 2026-11-02T10:00:00+01:00[Europe/Berlin]
}

// The same series as Graph sees it: Windows zone names and a recurrence
// pattern.
func ExampleToGraphEvent() {
	series, _ := calendar.DecodeICS(strings.NewReader(weeklyMeeting))
	gs, err := calendar.ToGraphEvent(series[0], "Europe/Berlin")
	if err != nil {
		fmt.Println(err)
		return
	}
	r := gs.Master.Recurrence
	fmt.Println(gs.Master.Start.DateTime, gs.Master.Start.TimeZone)
	fmt.Println(r.Pattern.Type, r.Pattern.DaysOfWeek, r.Range.Type, r.Range.NumberOfOccurrences)
	// Output:
	// 2026-10-19T10:00:00.0000000 W. Europe Standard Time
	// weekly [monday] numbered 3
}
