package wfecmd

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wfehq/wfe/store"
)

// activityJSON is one activity as `activity list --json` prints it.
type activityJSON struct {
	ID            int64      `json:"id"`
	Type          string     `json:"type"`
	Status        string     `json:"status"`
	Subject       string     `json:"subject"`
	Sender        string     `json:"sender"`
	To            []string   `json:"to"`
	Cc            []string   `json:"cc"`
	MessageID     string     `json:"message_id"`
	StartDate     *time.Time `json:"start_date,omitempty"`
	Contacts      []string   `json:"contacts"`
	Documents     int        `json:"documents"`
	ImportFolder  string     `json:"import_folder"`
	GroupwareLock bool       `json:"groupware_lock"`
	DelegatedTo   string     `json:"delegated_to"`
	DelegatedBy   string     `json:"delegated_by"`
	CreatedBy     string     `json:"created_by"`
	MailConfigID  *int64     `json:"mail_config_id,omitempty"`
	TicketID      *int64     `json:"ticket_id,omitempty"`
	Unassigned    bool       `json:"unassigned"`
	CreatedAt     time.Time  `json:"created_at"`
	calendarJSON             // appointments and tasks (activity_calendar.go)
}

// activityDetailJSON is `activity show --json`.
type activityDetailJSON struct {
	activityJSON
	Text             string               `json:"text"`
	HTML             string               `json:"html"`
	EndDate          *time.Time           `json:"end_date,omitempty"`
	RemindDate       *time.Time           `json:"remind_date,omitempty"`
	Location         string               `json:"location"`
	Priority         int                  `json:"priority"`
	Project          string               `json:"project"`
	Campaign         string               `json:"campaign"`
	Partners         []int64              `json:"partner_ids"`
	ContactDetails   []store.ContactMatch `json:"contact_details"`
	DocumentList     []store.Document     `json:"document_list"`
	MatchExplanation []string             `json:"match_explanation"`
	UpdatedAt        time.Time            `json:"updated_at"`
}

type loginMap map[int64]string

func (m loginMap) of(id *int64) string {
	if id == nil {
		return ""
	}
	if l, ok := m[*id]; ok {
		return l
	}
	return "#" + strconv.FormatInt(*id, 10)
}

func employeeLogins(ctx context.Context, s *store.Store) (loginMap, error) {
	es, err := s.ListEmployees(ctx)
	if err != nil {
		return nil, err
	}
	m := loginMap{}
	for _, e := range es {
		m[e.ID] = e.Login
	}
	return m, nil
}

func toActivityJSON(a *store.Activity, contacts []string, docs int, logins loginMap) activityJSON {
	return activityJSON{
		ID: a.ID, Type: a.Type, Status: a.Status, Subject: a.Subject, Sender: a.Sender,
		To: nonNil([]string(a.To)), Cc: nonNil([]string(a.Cc)), MessageID: a.GlobalID, StartDate: a.StartDate,
		Contacts: nonNil(contacts), Documents: docs, ImportFolder: a.ImportFolder, GroupwareLock: a.GroupwareLock,
		DelegatedTo: logins.of(a.DelegatedTo), DelegatedBy: logins.of(a.DelegatedBy), CreatedBy: logins.of(a.CreatedBy),
		MailConfigID: a.MailConfigID, TicketID: a.TicketID, Unassigned: a.Unassigned, CreatedAt: a.CreatedAt,
		calendarJSON: toCalendarJSON(a),
	}
}

// activityGroupShort is the activity group's line in 'wfe --help'; both
// files that add to the group name it, so the first one to run says it.
const activityGroupShort = "list, show, add and update CRM activities (mails, meetings, appointments, tasks)"

func init() {
	root.Sub("activity", activityGroupShort).Add(activityListCommand(), activityShowCommand())
}

// activityListFlags holds the flags of 'wfe activity list'.
type activityListFlags struct {
	asJSON             bool
	limit              int
	typ, status, msgID string
	folder             string
}

func activityListCommand() *Command {
	var f activityListFlags
	return &Command{
		Name:    "list",
		Short:   "list activities",
		Example: "wfe activity list --status open --limit 50\nwfe activity list --json",
		Long: `list prints activities by id: type, status, subject, sender, linked contact
addresses, document count, import folder, write protection and delegation.
--json prints an array of objects (id, type, status, subject, sender,
message_id, contacts, documents, import_folder, groupware_lock,
delegated_to, ...).`,
		Flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&f.asJSON, "json", false, "print JSON")
			fs.IntVar(&f.limit, "limit", 0, "show at most `N` activities")
			fs.StringVar(&f.typ, "type", "", "only this activity type (e.g. EMAILEINGANG, MAILAUS)")
			fs.StringVar(&f.status, "status", "", "only this status (E or O)")
			fs.StringVar(&f.msgID, "message-id", "", "only activities with this Message-ID")
			fs.StringVar(&f.folder, "import-folder", "", "only this import folder (case-insensitive)")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				return usagef("list takes no arguments")
			}
			if f.limit < 0 {
				return usagef("--limit must not be negative")
			}
			return listActivities(ctx, env, &f)
		},
	}
}

// listActivities prints the activities the flags select, as JSON or as a
// table.
func listActivities(ctx context.Context, env *Env, f *activityListFlags) error {
	s, err := env.Store(ctx)
	if err != nil {
		return err
	}
	list, err := s.ListActivities(ctx, store.ActivityFilter{Type: f.typ, Status: f.status, GlobalID: f.msgID, ImportFolder: f.folder, Limit: f.limit})
	if err != nil {
		return err
	}
	logins, err := employeeLogins(ctx, s)
	if err != nil {
		return err
	}
	out := make([]activityJSON, len(list))
	for i := range list {
		out[i] = toActivityJSON(&list[i].Activity, list[i].ContactEmails, list[i].DocumentCount, logins)
	}
	if f.asJSON {
		return printJSON(env.Stdout, out)
	}
	t := newTable("ID", "TYPE", "STATUS", "SUBJECT", "SENDER", "CONTACTS", "DOCS", "FOLDER", "LOCK", "DELEGATED TO").keepWhole("ID").freeText("SUBJECT", "SENDER", "CONTACTS", "FOLDER", "DELEGATED TO")
	for _, a := range out {
		t.row(a.ID, a.Type, a.Status, a.Subject, a.Sender,
			strings.Join(a.Contacts, ", "), a.Documents, a.ImportFolder, yesNo(a.GroupwareLock), a.DelegatedTo)
	}
	return t.print(env.Stdout, env.Wide)
}

func activityShowCommand() *Command {
	var showJSON bool
	return &Command{
		Name:    "show",
		Args:    "ID",
		Short:   "show one activity with its contacts, documents and match explanation",
		Example: "wfe activity show 42",
		Flags:   func(fs *flag.FlagSet) { fs.BoolVar(&showJSON, "json", false, "print JSON") },
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("show needs exactly one activity ID")
			}
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return usagef("activity ID %q is not a number", args[0])
			}
			return showActivity(ctx, env, id, showJSON)
		},
	}
}

// showActivity prints the activity id with its contacts, documents and
// match explanation, as JSON or as text.
func showActivity(ctx context.Context, env *Env, id int64, asJSON bool) error {
	s, err := env.Store(ctx)
	if err != nil {
		return err
	}
	d, err := s.GetActivity(ctx, id)
	if err != nil {
		return err
	}
	logins, err := employeeLogins(ctx, s)
	if err != nil {
		return err
	}
	var emails []string
	for _, c := range d.Contacts {
		emails = append(emails, c.Contact.Email)
	}
	j := activityDetailJSON{
		activityJSON: toActivityJSON(&d.Activity, emails, len(d.Documents), logins),
		Text:         d.Text, HTML: d.HTML, EndDate: d.EndDate, RemindDate: d.RemindDate, Location: d.Location,
		Priority: d.Priority, Project: d.Project, Campaign: d.Campaign, Partners: nonNil(d.PartnerIDs),
		ContactDetails: nonNil(d.Contacts), DocumentList: nonNil(d.Documents),
		MatchExplanation: nonNil([]string(d.MatchExplanation)), UpdatedAt: d.UpdatedAt,
	}
	if asJSON {
		return printJSON(env.Stdout, j)
	}
	printActivity(env.Stdout, &j)
	return nil
}

func printActivity(w io.Writer, a *activityDetailJSON) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range activityFields(a) {
		fmt.Fprintf(tw, "%s:\t%s\n", r[0], r[1])
	}
	tw.Flush()
	fmt.Fprintln(w, "\nContacts:")
	if len(a.ContactDetails) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, c := range a.ContactDetails {
		fmt.Fprintf(w, "  %d %s <%s> at %s (%s)\n", c.Contact.ID, strings.TrimSpace(c.Contact.FirstName+" "+c.Contact.LastName),
			c.Contact.Email, c.Partner.Name, strings.Join(c.Partner.Roles, ", "))
	}
	fmt.Fprintln(w, "\nDocuments:")
	if len(a.DocumentList) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, d := range a.DocumentList {
		fmt.Fprintf(w, "  %d %s (%s, %d bytes, sha256 %s)\n", d.ID, d.Name, d.ContentType, d.Size, d.SHA256)
	}
	fmt.Fprintln(w, "\nMatch explanation:")
	if len(a.MatchExplanation) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, l := range a.MatchExplanation {
		fmt.Fprintf(w, "  %s\n", l)
	}
	if a.Text != "" {
		fmt.Fprintf(w, "\nText:\n%s\n", a.Text)
	}
}

// activityFields returns the label and value of each field 'activity show'
// prints, in order.
func activityFields(a *activityDetailJSON) [][2]string {
	date := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Local().Format("2006-01-02 15:04:05 -0700")
	}
	opt := func(id *int64) string {
		if id == nil {
			return ""
		}
		return strconv.FormatInt(*id, 10)
	}
	return [][2]string{
		{"ID", strconv.FormatInt(a.ID, 10)},
		{"Type (ACTTYPEKEY)", a.Type},
		{"Status (ACTSTATUSKEY)", a.Status},
		{"Subject", a.Subject},
		{"Sender", a.Sender},
		{"To", strings.Join(a.To, ", ")},
		{"Cc", strings.Join(a.Cc, ", ")},
		{"Message-ID (GLOBALID)", a.MessageID},
		{"Start", date(a.StartDate)},
		{"End", date(a.EndDate)},
		{"Remind", date(a.RemindDate)},
		{"Location", a.Location},
		{"Teams join URL", a.TeamsJoinURL},
		{"Priority", strconv.Itoa(a.Priority)},
		{"Import folder", a.ImportFolder},
		{"GroupwareLock", yesNo(a.GroupwareLock)},
		{"Delegated to", a.DelegatedTo},
		{"Delegated by", a.DelegatedBy},
		{"Created by", a.CreatedBy},
		{"Project", a.Project},
		{"Campaign", a.Campaign},
		{"Ticket", opt(a.TicketID)},
		{"Mail configuration", opt(a.MailConfigID)},
		{"Unassigned", yesNo(a.Unassigned)},
		{"Created", a.CreatedAt.Local().Format("2006-01-02 15:04:05 -0700")},
		{"Updated", a.UpdatedAt.Local().Format("2006-01-02 15:04:05 -0700")},
	}
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
