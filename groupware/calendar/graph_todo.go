package calendar

import (
	"fmt"
	"strconv"
	"time"
)

// To Do status ↔ iCalendar task status. waitingOnOthers and deferred have
// no iCalendar word and read as in-process and needs-action.
var todoStatuses = map[string]string{
	"notStarted": "needs-action", "inProgress": "in-process", "completed": "completed",
	"waitingOnOthers": "in-process", "deferred": "needs-action",
}

// FromTodoTask converts a Microsoft To Do task. A due time at midnight is
// a due date (To Do keeps dates only).
func FromTodoTask(t TodoTask) (Item, error) {
	it := Item{FieldKind: KindTask}
	it.setText(FieldSubject, t.Title)
	it.setText(FieldBody, bodyText(t.Body))
	due, err := fromGraphTime(it, t.DueDateTime, isMidnight(t.DueDateTime))
	if err != nil {
		return it, fmt.Errorf("calendar: To Do task %q dueDateTime: %w", t.ID, err)
	}
	it.SetWhen(FieldDue, due)
	it.setText(FieldStatus, todoStatuses[t.Status])
	it.SetBool(FieldDone, t.Status == "completed")
	it.setText(FieldPriority, priorityFromImportance(t.Importance))
	if t.CompletedDateTime != nil {
		done, err := fromGraphTime(it, t.CompletedDateTime, false)
		if err != nil {
			return it, fmt.Errorf("calendar: To Do task %q completedDateTime: %w", t.ID, err)
		}
		it[FieldCompleted] = done.Time.UTC().Format(time.RFC3339)
	}
	return it, nil
}

func isMidnight(gdt *GraphDateTime) bool {
	if gdt == nil {
		return false
	}
	t, err := time.Parse(graphLayoutIn, gdt.DateTime)
	return err == nil && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0
}

// ToTodoTask converts a task item; localZone (IANA; "" is UTC) is the zone
// of a due date.
func ToTodoTask(it Item, localZone string) (TodoTask, error) {
	t := TodoTask{Title: it[FieldSubject], Body: textBody(it[FieldBody]),
		Importance: importanceFromPriority(it[FieldPriority]), Status: todoStatus(it)}
	due, err := it.When(FieldDue)
	if err != nil {
		return t, err
	}
	if t.DueDateTime, err = toGraphTime(due, localZone); err != nil {
		return t, err
	}
	if v := it[FieldCompleted]; v != "" {
		done, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return t, fmt.Errorf("field %s: %w", FieldCompleted, err)
		}
		t.CompletedDateTime = &GraphDateTime{DateTime: done.UTC().Format(graphLayoutOut), TimeZone: "UTC"}
	}
	return t, nil
}

func todoStatus(it Item) string {
	switch {
	case it.Bool(FieldDone) || it[FieldStatus] == "completed":
		return "completed"
	case it[FieldStatus] == "in-process":
		return "inProgress"
	}
	return "notStarted"
}

// Graph's importance high, normal, low is iCalendar priority 1, 5, 9;
// priorities 1–4 read as high and 6–9 as low.
func priorityFromImportance(imp string) string {
	switch imp {
	case "high":
		return "1"
	case "low":
		return "9"
	case "normal":
		return "5"
	}
	return ""
}

func importanceFromPriority(p string) string {
	n, err := strconv.Atoi(p)
	switch {
	case err != nil || n == 0:
		return "normal"
	case n < 5:
		return "high"
	case n > 5:
		return "low"
	}
	return "normal"
}
