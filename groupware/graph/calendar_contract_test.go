package graph_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/graph"
	"github.com/wfehq/wfe/groupware/groupwaretest"
)

// zonedConnector is appConnector with the mailbox's zone set.
func zonedConnector(t testing.TB, fake *groupwaretest.GraphFake) *graph.Connector {
	t.Helper()
	return zonedConnectorAt(t, fake, fake.BaseURL)
}

// zonedConnectorAt is zonedConnector with the Graph requests sent to
// baseURL (a proxy in front of the fake); the token comes from the fake.
func zonedConnectorAt(t testing.TB, fake *groupwaretest.GraphFake, baseURL string) *graph.Connector {
	t.Helper()
	var waits atomic.Int64
	ts, err := graph.AppSignIn{ClientID: "app", ClientSecret: "s3cret", TokenURL: fake.TokenURL}.TokenSource(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := graph.New(graph.Config{BaseURL: baseURL, Mailbox: testMailbox, TokenSource: ts, Pacer: noSleepPacer(&waits), TimeZone: "Europe/Berlin"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGraphCalendarContract(t *testing.T) {
	fake := newFake(t)
	made := 0
	groupwaretest.RunCalendarContract(t, groupwaretest.CalendarHarness{
		Connect: func(t *testing.T) groupware.Calendars { return zonedConnector(t, fake) },
		NewFolder: func(t *testing.T, c groupware.Calendars, table groupware.Table) groupware.Folder {
			made++
			name := "Termine " + strconv.Itoa(made)
			if table == groupware.TableTasks {
				name = "Aufgaben " + strconv.Itoa(made)
				fake.AddTodoList(testMailbox, name)
			} else {
				fake.AddCalendar(testMailbox, name)
			}
			list, err := c.(groupware.Connector).Folders(context.Background(), table)
			if err != nil {
				t.Fatal(err)
			}
			f, err := groupware.FolderByPath(list, name)
			if err != nil {
				t.Fatal(err)
			}
			return f
		},
		Requests:   fake.Requests,
		IdleBudget: 1,
	})
}
