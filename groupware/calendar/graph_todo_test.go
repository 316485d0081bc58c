package calendar

import (
	"reflect"
	"testing"
)

func TestTodoTasks(t *testing.T) {
	tests := []struct {
		name string
		task TodoTask
		want map[string]string
	}{
		{"completed, high", TodoTask{Title: "Angebot schicken", Body: &GraphBody{ContentType: "text", Content: "an Müller GmbH"},
			DueDateTime: &GraphDateTime{DateTime: "2026-10-30T00:00:00.0000000", TimeZone: "W. Europe Standard Time"},
			Importance:  "high", Status: "completed",
			CompletedDateTime: &GraphDateTime{DateTime: "2026-10-29T12:00:00.0000000", TimeZone: "UTC"}},
			map[string]string{FieldKind: KindTask, FieldSubject: "Angebot schicken", FieldBody: "an Müller GmbH",
				FieldDue: "2026-10-30", FieldPriority: "1", FieldDone: "true", FieldStatus: "completed", FieldCompleted: "2026-10-29T12:00:00Z"}},
		{"open, normal", TodoTask{Title: "Rückruf", Importance: "normal", Status: "notStarted"},
			map[string]string{FieldSubject: "Rückruf", FieldPriority: "5", FieldDone: "", FieldStatus: "needs-action", FieldDue: ""}},
		{"in progress, low, due at a time", TodoTask{Title: "Bericht", Importance: "low", Status: "inProgress",
			DueDateTime: &GraphDateTime{DateTime: "2026-11-02T17:30:00.0000000", TimeZone: "Eastern Standard Time"}},
			map[string]string{FieldPriority: "9", FieldStatus: "in-process", FieldDue: "2026-11-02T17:30:00-05:00[America/New_York]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it, err := FromTodoTask(tt.task)
			if err != nil {
				t.Fatal(err)
			}
			wantFields(t, tt.name, it, tt.want)
			back, err := ToTodoTask(it, "Europe/Berlin")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tt.task) {
				t.Errorf("round trip:\n got %s\nwant %s", jsonOf(t, back), jsonOf(t, tt.task))
			}
		})
	}
}

// TestTaskICalToTodo takes a VTODO to To Do and back. To Do has no
// undefined importance: a task without priority comes back as normal (5).
func TestTaskICalToTodo(t *testing.T) {
	for i, s := range decodeFile(t, "task.ics") {
		todo, err := ToTodoTask(s.Master, "Europe/Berlin")
		if err != nil {
			t.Fatal(err)
		}
		back, err := FromTodoTask(todo)
		if err != nil {
			t.Fatal(err)
		}
		want := Item{}
		for _, f := range []string{FieldSubject, FieldBody, FieldDone, FieldPriority, FieldCompleted, FieldDue} {
			want[f] = s.Master[f]
		}
		if want[FieldPriority] == "" {
			want[FieldPriority] = "5"
		}
		for f, v := range want {
			if back[f] != v {
				t.Errorf("task %d field %s: %q after To Do, want %q", i, f, back[f], v)
			}
		}
	}
}
