package calendar

// The JSON shapes of Microsoft Graph v1.0 that the conversions read and
// write: an event (/me/events/{id}) and a To Do task
// (/me/todo/lists/{id}/tasks/{id}), with only the properties wfe maps.

// GraphDateTime is Graph's dateTimeTimeZone: a wall-clock time
// ("2026-10-25T10:00:00.0000000") and a zone name, usually a Windows name.
type GraphDateTime struct {
	DateTime string `json:"dateTime"`
	TimeZone string `json:"timeZone"`
}

// GraphBody is Graph's itemBody; ContentType is "text" or "html".
type GraphBody struct {
	ContentType string `json:"contentType"`
	Content     string `json:"content"`
}

// GraphEmailAddress is Graph's emailAddress.
type GraphEmailAddress struct {
	Name    string `json:"name,omitempty"`
	Address string `json:"address"`
}

// GraphRecipient is Graph's recipient (the organizer).
type GraphRecipient struct {
	EmailAddress GraphEmailAddress `json:"emailAddress"`
}

// GraphAttendee is Graph's attendee; Type is required, optional or
// resource; Status.Response is none, organizer, tentativelyAccepted,
// accepted, declined or notResponded.
type GraphAttendee struct {
	EmailAddress GraphEmailAddress `json:"emailAddress"`
	Type         string            `json:"type,omitempty"`
	Status       *GraphResponse    `json:"status,omitempty"`
}

// GraphResponse is Graph's responseStatus.
type GraphResponse struct {
	Response string `json:"response"`
}

// GraphLocation is Graph's location.
type GraphLocation struct {
	DisplayName string `json:"displayName"`
}

// GraphPattern is Graph's recurrencePattern.
type GraphPattern struct {
	Type           string   `json:"type"` // daily, weekly, absoluteMonthly, relativeMonthly, absoluteYearly, relativeYearly
	Interval       int      `json:"interval"`
	Month          int      `json:"month,omitempty"`
	DayOfMonth     int      `json:"dayOfMonth,omitempty"`
	DaysOfWeek     []string `json:"daysOfWeek,omitempty"`
	FirstDayOfWeek string   `json:"firstDayOfWeek,omitempty"`
	Index          string   `json:"index,omitempty"` // first, second, third, fourth, last
}

// GraphRange is Graph's recurrenceRange.
type GraphRange struct {
	Type                string `json:"type"` // endDate, noEnd, numbered
	StartDate           string `json:"startDate"`
	EndDate             string `json:"endDate,omitempty"`
	NumberOfOccurrences int    `json:"numberOfOccurrences,omitempty"`
	RecurrenceTimeZone  string `json:"recurrenceTimeZone,omitempty"`
}

// GraphRecurrence is Graph's patternedRecurrence.
type GraphRecurrence struct {
	Pattern GraphPattern `json:"pattern"`
	Range   GraphRange   `json:"range"`
}

// GraphEvent is Graph's event. Type is singleInstance, seriesMaster,
// occurrence or exception; OriginalStart (UTC, RFC 3339) is the original
// start of an occurrence or exception.
type GraphEvent struct {
	ID             string           `json:"id,omitempty"`
	ICalUID        string           `json:"iCalUId,omitempty"`
	Type           string           `json:"type,omitempty"`
	SeriesMasterID string           `json:"seriesMasterId,omitempty"`
	OriginalStart  string           `json:"originalStart,omitempty"`
	Subject        string           `json:"subject,omitempty"`
	Body           *GraphBody       `json:"body,omitempty"`
	Start          *GraphDateTime   `json:"start,omitempty"`
	End            *GraphDateTime   `json:"end,omitempty"`
	IsAllDay       bool             `json:"isAllDay"`
	IsCancelled    bool             `json:"isCancelled,omitempty"`
	Location       *GraphLocation   `json:"location,omitempty"`
	Organizer      *GraphRecipient  `json:"organizer,omitempty"`
	Attendees      []GraphAttendee  `json:"attendees,omitempty"`
	Recurrence     *GraphRecurrence `json:"recurrence,omitempty"`
}

// GraphSeries is a Graph event with the instances that differ from its
// rule: exceptions (Type "exception", moved or changed) and cancelled
// occurrences (IsCancelled). Graph lists them under
// /events/{id}/instances or in a calendarView; they are written one by
// one (PATCH an instance, POST /events/{id}/cancel or DELETE it).
type GraphSeries struct {
	Master    GraphEvent   `json:"master"`
	Instances []GraphEvent `json:"instances,omitempty"`
}

// TodoTask is Graph's To Do todoTask. Status is notStarted, inProgress,
// completed, waitingOnOthers or deferred; Importance low, normal or high.
type TodoTask struct {
	ID                string         `json:"id,omitempty"`
	Title             string         `json:"title"`
	Body              *GraphBody     `json:"body,omitempty"`
	DueDateTime       *GraphDateTime `json:"dueDateTime,omitempty"`
	Importance        string         `json:"importance,omitempty"`
	Status            string         `json:"status,omitempty"`
	CompletedDateTime *GraphDateTime `json:"completedDateTime,omitempty"`
}
