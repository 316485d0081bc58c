package groupwaresync

import (
	"github.com/wfehq/wfe/actions/groupwaresync/plan"
	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/calendar"
	"github.com/wfehq/wfe/store"
)

// tasksTable: TASK activities ↔ VTODO (CalDAV) and Microsoft To Do
// tasks: title, body, due date, done and priority. Tasks have no window;
// they are matched by the CRM id stored on the task, the iCalendar UID,
// then title and due date.
var tasksTable = calTable{
	name: groupware.TableTasks, kind: calendar.KindTask, types: []string{store.TypeTask},
	plan: plan.Table{Name: string(groupware.TableTasks), Owned: true,
		MatchKeys: []plan.MatchKey{plan.ByCRMID, {Name: "uid", Fields: []string{calendar.FieldUID}},
			{Name: "title and due date", Fields: []string{calendar.FieldSubject, calendar.FieldDue}}},
		Fields: []string{calendar.FieldSubject, calendar.FieldBody, calendar.FieldDue, calendar.FieldDone, calendar.FieldPriority}},
	source: func(c groupware.Calendars, _ groupware.Window) groupware.Source[groupware.Event] { return c.Tasks() },
}
