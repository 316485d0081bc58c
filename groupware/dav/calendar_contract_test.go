package dav_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/groupwaretest"
)

func calendarHarness(srv *groupwaretest.DAVServer) groupwaretest.CalendarHarness {
	made := 0
	return groupwaretest.CalendarHarness{
		Connect: func(t *testing.T) groupware.Calendars { return connect(t, srv, srv.Password) },
		NewFolder: func(t *testing.T, c groupware.Calendars, table groupware.Table) groupware.Folder {
			made++
			name, comp := fmt.Sprintf("termine-%d", made), "VEVENT"
			if table == groupware.TableTasks {
				name, comp = fmt.Sprintf("aufgaben-%d", made), "VTODO"
			}
			srv.MakeCalendar(t, name, comp)
			list, err := c.(groupware.Connector).Folders(context.Background(), table)
			if err != nil {
				t.Fatalf("Folders(%s): %v", table, err)
			}
			f, err := groupware.FolderByPath(list, name)
			if err != nil {
				t.Fatalf("%v in %+v", err, list)
			}
			return f
		},
		Requests:   srv.Proxy.Requests,
		IdleBudget: 2,
	}
}

func TestRadicaleCalendarContract(t *testing.T) {
	t.Parallel()
	groupwaretest.RunCalendarContract(t, calendarHarness(groupwaretest.StartRadicale(t)))
}

func TestXandikosCalendarContract(t *testing.T) {
	t.Parallel()
	groupwaretest.RunCalendarContract(t, calendarHarness(groupwaretest.StartXandikos(t)))
}
