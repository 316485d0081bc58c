package wfecmd

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/emersion/go-ical"

	"github.com/wfehq/wfe/cmd/wfecmd/demodav"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/syncstate"
)

const demoCalendarRule = "demo-calendar"

// runCalendarSync is the appointments part of the demo's groupware sync:
// a weekly meeting and an all-day appointment of Anna's go to her
// calendar on the same server; an event another client puts into the
// calendar comes back as a CRM appointment.
func (d *demo) runCalendarSync(ctx context.Context, srv *demodav.Server) error {
	anna, err := d.st.EmployeeByLogin(ctx, demoSyncLogin)
	if err != nil {
		return err
	}
	week := demoWeekStart(time.Now())
	if err := d.addDemoAppointments(ctx, anna, week); err != nil {
		return err
	}
	if err := d.st.Sync().CreateRule(ctx, &syncstate.Rule{Name: demoCalendarRule, Table: "appointments", Scope: syncstate.ScopeUser,
		ScopeName: demoSyncLogin, Master: "crm", Conflict: "newest", Active: true,
		GWCreate: true, CRMCreate: true, GWUpdate: true, CRMUpdate: true}); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "\nAppointments: %s's meetings and appointments and the calendar Kalender on the same server\n", demoSyncLogin)
	fmt.Fprintf(d.out, "$ wfe activity add --type BESPRECHUNG --as %s --subject 'Jour fixe Vertrieb' --attendee k.meier@kunde-meier.example --rrule 'FREQ=WEEKLY;COUNT=6' ...\n", demoSyncLogin)
	fmt.Fprintf(d.out, "$ wfe activity add --type TERMIN --as %s --subject 'Messe Hannover' --all-day ...\n", demoSyncLogin)
	fmt.Fprintf(d.out, "$ wfe sync rule add %s --table appointments --for user:%s --master crm\n", demoCalendarRule, demoSyncLogin)
	for _, preview := range []bool{true, false} {
		if err := d.syncRuleStep(ctx, demoCalendarRule, preview); err != nil {
			return err
		}
	}
	if err := srv.PutEvent("kundentermin.ics", demoForeignEvent(week)); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "\nadded         in the calendar by another client: 'Kundentermin Meier' (no attendees)\n")
	if err := d.syncRuleStep(ctx, demoCalendarRule, false); err != nil {
		return err
	}
	d.printCalendarEvents(srv)
	return d.printCRMAppointments(ctx, anna)
}

// demoWeekStart is the Monday after now, 10:00 in Berlin: inside the
// rule's default window whenever the demo runs.
func demoWeekStart(now time.Time) time.Time {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		berlin = time.UTC
	}
	now = now.In(berlin)
	days := (8 - int(now.Weekday())) % 7
	if days == 0 {
		days = 7
	}
	y, m, day := now.AddDate(0, 0, days).Date()
	return time.Date(y, m, day, 10, 0, 0, 0, berlin)
}

// addDemoAppointments creates Anna's weekly meeting (with a customer as
// attendee) and an all-day appointment, as `wfe activity add` would.
func (d *demo) addDemoAppointments(ctx context.Context, anna *store.Employee, start time.Time) error {
	end := start.Add(time.Hour)
	fair := time.Date(start.Year(), start.Month(), start.Day()+2, 0, 0, 0, 0, time.UTC)
	fairEnd := fair.AddDate(0, 0, 2)
	for _, a := range []*store.Activity{
		{Type: store.TypeMeeting, Subject: "Jour fixe Vertrieb", StartDate: &start, EndDate: &end, Location: "Raum 2",
			CalendarFields: store.CalendarFields{TimeZone: "Europe/Berlin", Recurrence: "FREQ=WEEKLY;COUNT=6",
				Attendees: store.AttendeeList{{Email: "k.meier@kunde-meier.example", Name: "Klaus Meier"}}}},
		{Type: store.TypeAppointment, Subject: "Messe Hannover", StartDate: &fair, EndDate: &fairEnd,
			CalendarFields: store.CalendarFields{AllDay: true}},
	} {
		a.Status, a.DelegatedTo, a.CreatedBy = store.StatusOpen, &anna.ID, &anna.ID
		if err := d.st.CreateAppointment(ctx, a); err != nil {
			return fmt.Errorf("demo appointment %q: %w", a.Subject, err)
		}
	}
	return nil
}

// demoForeignEvent is an appointment another calendar client made, the
// Wednesday of the demo week at 14:00.
func demoForeignEvent(week time.Time) string {
	at := week.AddDate(0, 0, 2).Format("20060102")
	return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//other client//EN\r\nBEGIN:VEVENT\r\n" +
		"UID:kundentermin-meier@other.example\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Kundentermin Meier\r\n" +
		"DTSTART;TZID=Europe/Berlin:" + at + "T140000\r\nDTEND;TZID=Europe/Berlin:" + at + "T150000\r\n" +
		"LOCATION:Kunde Meier AG\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
}

// printCalendarEvents lists the calendar's events: summary, start and
// recurrence rule.
func (d *demo) printCalendarEvents(srv *demodav.Server) {
	type line struct{ summary, start, rule string }
	var lines []line
	for _, cal := range srv.Events() {
		for _, ev := range cal.Events() {
			var l line
			l.summary, _ = ev.Props.Text(ical.PropSummary)
			if p := ev.Props.Get(ical.PropRecurrenceRule); p != nil {
				l.rule = p.Value // a RECUR value, which Props.Text refuses
			}
			if p := ev.Props.Get(ical.PropDateTimeStart); p != nil {
				l.start = p.Value
				if tz := p.Params.Get(ical.ParamTimezoneID); tz != "" {
					l.start += " " + tz
				}
			}
			lines = append(lines, l)
		}
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i].summary < lines[j].summary })
	fmt.Fprintln(d.out, "  calendar Kalender:")
	for _, l := range lines {
		fmt.Fprintf(d.out, "    %-22s DTSTART %-30s RRULE %s\n", l.summary, l.start, l.rule)
	}
}

// printCRMAppointments lists Anna's meetings and appointments in the CRM
// with the write protection a meeting from the calendar carries.
func (d *demo) printCRMAppointments(ctx context.Context, anna *store.Employee) error {
	fmt.Fprintln(d.out, "  CRM:")
	for _, typ := range []string{store.TypeMeeting, store.TypeAppointment} {
		list, err := d.st.ListActivities(ctx, store.ActivityFilter{Type: typ, DelegatedTo: anna.ID})
		if err != nil {
			return err
		}
		for _, s := range list {
			a := s.Activity
			fmt.Fprintf(d.out, "    %-3d %-11s %-22s start %-25s recurrence %-20q groupware_lock %v\n",
				a.ID, a.Type, a.Subject, calendarTime(a.StartDate, &a), a.Recurrence, a.GroupwareLock)
		}
	}
	return nil
}
