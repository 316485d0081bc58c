package wfecmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/groupware/calendar"
	"github.com/wfehq/wfe/store"
)

// calendarJSON holds the appointment and task fields of an activity as
// `activity list --json` and `activity show --json` print them.
type calendarJSON struct {
	Start        string           `json:"start,omitempty"` // RFC 3339 in the activity's zone; all-day: a date
	End          string           `json:"end,omitempty"`
	AllDay       bool             `json:"all_day"`
	TimeZone     string           `json:"time_zone,omitempty"`
	Location     string           `json:"location"`
	Due          string           `json:"due,omitempty"`
	Attendees    []store.Attendee `json:"attendees"`
	Recurrence   string           `json:"recurrence"` // RRULE value
	Exdates      []string         `json:"exdates,omitempty"`
	ICalUID      string           `json:"ical_uid,omitempty"`
	TeamsJoinURL string           `json:"teams_join_url,omitempty"`
	Done         bool             `json:"done"`
}

func toCalendarJSON(a *store.Activity) calendarJSON {
	j := calendarJSON{
		Start: calendarTime(a.StartDate, a), End: calendarTime(a.EndDate, a), AllDay: a.AllDay, TimeZone: a.TimeZone, Location: a.Location,
		Due: calendarTime(a.DueDate, a), Attendees: nonNil([]store.Attendee(a.Attendees)), Recurrence: a.Recurrence,
		ICalUID: a.ICalUID, TeamsJoinURL: a.TeamsJoinURL, Done: a.Type == store.TypeTask && a.Status == store.StatusDone,
	}
	if a.Exdates != "" {
		j.Exdates = strings.Split(a.Exdates, ",")
	}
	return j
}

// calendarTime formats t in a's zone (a date for an all-day event).
func calendarTime(t *time.Time, a *store.Activity) string {
	if t == nil {
		return ""
	}
	if a.AllDay {
		return t.UTC().Format(time.DateOnly)
	}
	if loc, err := time.LoadLocation(a.TimeZone); err == nil && a.TimeZone != "" {
		return t.In(loc).Format(time.RFC3339)
	}
	return t.UTC().Format(time.RFC3339)
}

func init() {
	root.Sub("activity", activityGroupShort).Add(activityAddCommand(), activityUpdateCommand(), activityOccurrencesCommand())
}

// appointmentFlags are the flags add and update share; set records which
// were given.
type appointmentFlags struct {
	typ, login, subject, body, location, zone, rrule string
	start, end, due                                  string
	allDay, done                                     bool
	priority                                         int
	attendees                                        multiFlag
	set                                              map[string]bool
}

func (f *appointmentFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.typ, "type", "", "activity type: BESPRECHUNG (meeting), TERMIN (appointment) or TASK")
	fs.StringVar(&f.login, "as", "", "the employee (`LOGIN`) the appointment or task belongs to")
	fs.StringVar(&f.subject, "subject", "", "subject")
	fs.StringVar(&f.body, "body", "", "text")
	fs.StringVar(&f.location, "location", "", "location")
	fs.StringVar(&f.start, "start", "", "start, RFC 3339 (2026-03-02T10:00:00+01:00), a date (2026-03-02) with --all-day")
	fs.StringVar(&f.end, "end", "", "end, as --start; all-day: the day after the last day (default: start plus one hour, or one day)")
	fs.StringVar(&f.due, "due", "", "due date of a task, RFC 3339 or a date")
	fs.BoolVar(&f.allDay, "all-day", false, "an all-day event: --start and --end are dates")
	fs.StringVar(&f.zone, "zone", "", "IANA time `ZONE` the times are kept in (default: UTC), e.g. Europe/Berlin")
	fs.StringVar(&f.rrule, "rrule", "", "recurrence `RULE` (RRULE value, e.g. FREQ=WEEKLY;BYDAY=MO;COUNT=10)")
	fs.Var(&f.attendees, "attendee", "attendee e-mail `ADDR` (repeatable; update: replaces the list)")
	fs.BoolVar(&f.done, "done", false, "a task is done (update: --done=false reopens it)")
	fs.IntVar(&f.priority, "priority", 0, "priority 1 (highest) to 9 (lowest)")
}

// visited records the flags given on the command line.
func (f *appointmentFlags) visited(fs *flag.FlagSet) {
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
}

// parseWhen reads a --start/--end/--due value: a date for all-day values,
// else RFC 3339.
func parseWhen(name, v string, allDay bool) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	layout := time.RFC3339
	if allDay {
		layout = time.DateOnly
	} else if len(v) == len(time.DateOnly) {
		layout = time.DateOnly
	}
	t, err := time.Parse(layout, v)
	if err != nil {
		want := "RFC 3339 such as 2026-03-02T10:00:00+01:00"
		if allDay {
			want = "a date such as 2026-03-02 (--all-day)"
		}
		return nil, usagef("--%s %q: want %s", name, v, want)
	}
	t = t.UTC()
	return &t, nil
}

func attendeeList(addrs []string) store.AttendeeList {
	l := make(store.AttendeeList, len(addrs))
	for i, a := range addrs {
		l[i] = store.Attendee{Email: strings.TrimSpace(a), Role: "required", Status: "needs-action"}
	}
	return l
}

// checkRule refuses a recurrence rule the RRULE library cannot expand.
func checkRule(a *store.Activity) error {
	if a.Recurrence == "" {
		return nil
	}
	s, err := groupwaresync.AppointmentSeries(a)
	if err == nil {
		from := time.Now().AddDate(-1, 0, 0)
		_, err = calendar.Occurrences(s, from, from.AddDate(0, 0, 1))
	}
	if err != nil {
		return usagef("--rrule %q: %v", a.Recurrence, err)
	}
	return nil
}

func activityAddCommand() *Command {
	var f appointmentFlags
	var fs *flag.FlagSet
	return &Command{
		Name:  "add",
		Short: "create a CRM appointment (BESPRECHUNG, TERMIN) or task and print its id",
		Example: "wfe activity add --type BESPRECHUNG --as anna --subject 'Jour fixe' --start 2026-03-02T10:00:00+01:00 --zone Europe/Berlin --attendee bob@example.com --rrule 'FREQ=WEEKLY;BYDAY=MO'\n" +
			"wfe activity add --type TERMIN --as anna --subject Messe --start 2026-04-20 --end 2026-04-23 --all-day\n" +
			"wfe activity add --type TASK --as anna --subject Angebot --due 2026-03-06T12:00:00Z",
		Long: `add creates an appointment or task delegated to and created by the employee
--as names. A meeting or appointment needs --start; without --end it lasts
one hour (an all-day event one day). Times are stored as instants and shown
in --zone. A recurrence rule the RRULE library cannot read is refused.`,
		Flags: func(s *flag.FlagSet) { fs = s; f.define(s) },
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				return usagef("add takes no arguments")
			}
			f.visited(fs)
			if f.typ == "" || f.login == "" || f.subject == "" {
				return usagef("add needs --type, --as and --subject")
			}
			st, err := env.Store(ctx)
			if err != nil {
				return err
			}
			emp, err := st.EmployeeByLogin(ctx, f.login)
			if err != nil {
				return fmt.Errorf("--as %q: %w", f.login, err)
			}
			a := &store.Activity{Type: f.typ, Status: store.StatusOpen, DelegatedTo: &emp.ID, CreatedBy: &emp.ID}
			if err := f.apply(a); err != nil {
				return err
			}
			if err := st.CreateAppointment(ctx, a); err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, a.ID)
			return nil
		},
	}
}

// apply sets the given flags on a, with the defaults for the end, and
// checks the recurrence rule.
func (f *appointmentFlags) apply(a *store.Activity) error {
	strs := map[string]*string{"subject": &a.Subject, "body": &a.Text, "location": &a.Location, "zone": &a.TimeZone, "rrule": &a.Recurrence}
	vals := map[string]string{"subject": f.subject, "body": f.body, "location": f.location, "zone": f.zone, "rrule": f.rrule}
	for name, p := range strs {
		if f.set[name] {
			*p = vals[name]
		}
	}
	if f.set["all-day"] {
		a.AllDay = f.allDay
	}
	if err := f.applyTimes(a); err != nil {
		return err
	}
	if f.set["attendee"] {
		a.Attendees = attendeeList(f.attendees)
	}
	if f.set["priority"] {
		if f.priority < 0 || f.priority > 9 {
			return usagef("--priority %d: want 1 (highest) to 9 (lowest), 0 for none", f.priority)
		}
		a.Priority = f.priority
	}
	if f.set["done"] {
		if a.Type != store.TypeTask {
			return usagef("--done is for tasks (type TASK), not %s", a.Type)
		}
		a.Status = store.StatusOpen
		if f.done {
			a.Status = store.StatusDone
		}
	}
	return checkRule(a)
}

func (f *appointmentFlags) applyTimes(a *store.Activity) error {
	for _, w := range []struct {
		name, v string
		dst     **time.Time
	}{{"start", f.start, &a.StartDate}, {"end", f.end, &a.EndDate}, {"due", f.due, &a.DueDate}} {
		if !f.set[w.name] {
			continue
		}
		t, err := parseWhen(w.name, w.v, a.AllDay && w.name != "due")
		if err != nil {
			return err
		}
		*w.dst = t
	}
	if a.StartDate != nil && a.EndDate == nil && a.Type != store.TypeTask {
		end := a.StartDate.Add(time.Hour)
		if a.AllDay {
			end = a.StartDate.AddDate(0, 0, 1)
		}
		a.EndDate = &end
	}
	return nil
}

func activityUpdateCommand() *Command {
	var f appointmentFlags
	var fs *flag.FlagSet
	return &Command{
		Name:  "update",
		Args:  "ID",
		Short: "change a CRM appointment or task",
		Example: "wfe activity update 42 --location 'Raum 2' --attendee bob@example.com --attendee eva@example.com\n" +
			"wfe activity update 43 --done",
		Long: `update changes the fields whose flags are given (the flags of add; --as
delegates the activity to another employee). A meeting carrying the
GroupwareLock refuses changes of its protected fields, its zone, attendees
and recurrence, naming them.`,
		Flags: func(s *flag.FlagSet) { fs = s; f.define(s) },
		Run: func(ctx context.Context, env *Env, args []string) error {
			id, err := oneActivityID("update", args)
			if err != nil {
				return err
			}
			f.visited(fs)
			if len(f.set) == 0 {
				return usagef("update needs at least one field to change")
			}
			return updateAppointment(ctx, env, id, &f)
		},
	}
}

func updateAppointment(ctx context.Context, env *Env, id int64, f *appointmentFlags) error {
	st, err := env.Store(ctx)
	if err != nil {
		return err
	}
	d, err := st.GetActivity(ctx, id)
	if err != nil {
		return err
	}
	a := d.Activity
	if f.set["type"] {
		a.Type = f.typ
	}
	if f.set["as"] {
		emp, err := st.EmployeeByLogin(ctx, f.login)
		if err != nil {
			return fmt.Errorf("--as %q: %w", f.login, err)
		}
		a.DelegatedTo = &emp.ID
	}
	if err := f.apply(&a); err != nil {
		return err
	}
	return st.UpdateAppointment(ctx, id, appointmentChanges(&d.Activity, &a))
}

// appointmentChanges lists every field of the edited copy a as a change
// of the stored activity old; unchanged fields are not changes.
func appointmentChanges(old, a *store.Activity) store.AppointmentChanges {
	var c store.AppointmentChanges
	c.Subject, c.Text, c.Location, c.Type, c.Status = &a.Subject, &a.Text, &a.Location, &a.Type, &a.Status
	c.Priority, c.StartDate, c.EndDate, c.DelegatedTo = &a.Priority, &a.StartDate, &a.EndDate, &a.DelegatedTo
	c.AllDay, c.TimeZone, c.Attendees, c.Recurrence, c.DueDate = &a.AllDay, &a.TimeZone, &a.Attendees, &a.Recurrence, &a.DueDate
	if old.Recurrence != a.Recurrence && a.Recurrence == "" {
		empty := ""
		c.Exdates, c.Overrides = &empty, &empty // no rule, no instances
	}
	return c
}

func activityOccurrencesCommand() *Command {
	var from, to string
	var asJSON bool
	return &Command{
		Name:    "occurrences",
		Args:    "ID",
		Short:   "list the occurrences of an appointment series in a range",
		Example: "wfe activity occurrences 42 --from 2026-03-01T00:00:00Z --to 2026-04-01T00:00:00Z",
		Long: `occurrences lists the instances of appointment ID that overlap [--from, --to):
the rule's instances less the cancelled ones, moved instances where they
were moved to (marked "moved"). A single appointment has one. The
expansion stops at 5000 instances and says so.`,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&from, "from", "", "range start, RFC 3339 (required)")
			fs.StringVar(&to, "to", "", "range end, RFC 3339, exclusive (required)")
			fs.BoolVar(&asJSON, "json", false, "print JSON")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			id, err := oneActivityID("occurrences", args)
			if err != nil {
				return err
			}
			fromT, err1 := parseWhen("from", from, false)
			toT, err2 := parseWhen("to", to, false)
			if err := errors.Join(err1, err2); err != nil {
				return err
			}
			if fromT == nil || toT == nil || !toT.After(*fromT) {
				return usagef("occurrences needs --from and a later --to")
			}
			return printOccurrences(ctx, env, id, *fromT, *toT, asJSON)
		},
	}
}

// occurrenceJSON is one line of `activity occurrences --json`.
type occurrenceJSON struct {
	Start        string `json:"start"`
	End          string `json:"end"`
	RecurrenceID string `json:"recurrence_id,omitempty"`
	Moved        bool   `json:"moved"`
	Subject      string `json:"subject"`
}

func printOccurrences(ctx context.Context, env *Env, id int64, from, to time.Time, asJSON bool) error {
	st, err := env.Store(ctx)
	if err != nil {
		return err
	}
	d, err := st.GetActivity(ctx, id)
	if err != nil {
		return err
	}
	s, err := groupwaresync.AppointmentSeries(&d.Activity)
	if err != nil {
		return err
	}
	exp, err := calendar.Occurrences(s, from, to)
	if err != nil {
		return fmt.Errorf("activity %d: %w", id, err)
	}
	out := make([]occurrenceJSON, len(exp.Occurrences))
	for i, o := range exp.Occurrences {
		out[i] = occurrenceJSON{Start: o.Start.String(), End: o.End.String(), Moved: o.Moved, Subject: o.Item[calendar.FieldSubject]}
		if !o.RecurrenceID.IsZero() {
			out[i].RecurrenceID = o.RecurrenceID.String()
		}
	}
	if exp.Truncated {
		fmt.Fprintf(env.Stderr, "activity %d: more than %d occurrences in the range; the list stops there\n", id, calendar.MaxOccurrences)
	}
	if asJSON {
		return printJSON(env.Stdout, out)
	}
	t := newTable("START", "END", "MOVED", "SUBJECT").freeText("SUBJECT")
	for _, o := range out {
		t.row(o.Start, o.End, yesNo(o.Moved), o.Subject)
	}
	return t.print(env.Stdout, env.Wide)
}

// oneActivityID reads the single activity ID argument of command cmd.
func oneActivityID(cmd string, args []string) (int64, error) {
	if len(args) != 1 {
		return 0, usagef("%s needs exactly one activity ID", cmd)
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil {
		return 0, usagef("activity ID %q is not a number", args[0])
	}
	return id, nil
}
