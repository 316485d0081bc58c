package graph

import (
	"encoding/json"
	"net/url"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/calendar"
)

// eventJSON is Graph's event as read: the mapped properties (package
// calendar) and what the connector itself needs.
type eventJSON struct {
	calendar.GraphEvent
	ETag                  string          `json:"@odata.etag,omitempty"`
	ChangeKey             string          `json:"changeKey,omitempty"`
	Removed               *struct{}       `json:"@removed,omitempty"`
	Extended              []extendedJSON  `json:"singleValueExtendedProperties,omitempty"`
	IsOnlineMeeting       bool            `json:"isOnlineMeeting,omitempty"`
	OnlineMeetingProvider string          `json:"onlineMeetingProvider,omitempty"`
	OnlineMeeting         *onlineMeetingJ `json:"onlineMeeting,omitempty"`
}

type onlineMeetingJ struct {
	JoinURL string `json:"joinUrl"`
}

func (j *eventJSON) etag() string {
	if j.ETag != "" {
		return j.ETag
	}
	if j.ChangeKey != "" {
		return `W/"` + j.ChangeKey + `"`
	}
	return ""
}

func (j *eventJSON) crmID() string {
	for _, p := range j.Extended {
		if p.ID == crmIDProperty {
			return p.Value
		}
	}
	return ""
}

// eventPage is a page of events, instances or delta entries.
type eventPage struct {
	Value     []eventJSON `json:"value"`
	NextLink  string      `json:"@odata.nextLink"`
	DeltaLink string      `json:"@odata.deltaLink"`
}

// eventWriteJSON is the body of a create, update or instance patch.
// Subject, body and location are always sent, so that clearing one in the
// CRM clears it in Graph; recurrence is sent as null on a master without
// rule (a series that became a single event) and left out on instances.
type eventWriteJSON struct {
	calendar.GraphEvent
	Subject               string                 `json:"subject"`
	Body                  calendar.GraphBody     `json:"body"`
	Location              calendar.GraphLocation `json:"location"`
	Recurrence            json.RawMessage        `json:"recurrence,omitempty"`
	Extended              []extendedJSON         `json:"singleValueExtendedProperties,omitempty"`
	IsOnlineMeeting       bool                   `json:"isOnlineMeeting,omitempty"`
	OnlineMeetingProvider string                 `json:"onlineMeetingProvider,omitempty"`
}

// eventBody is the body of a write of a master (master true) or an
// instance, with the properties Graph sets itself (id, iCalUId, type,
// series links, organizer, isCancelled) left out, since Graph refuses or
// ignores them.
func eventBody(e calendar.GraphEvent, crmID string, online, master bool) (*eventWriteJSON, error) {
	j := &eventWriteJSON{Subject: e.Subject, Body: calendar.GraphBody{ContentType: "text"}}
	if e.Body != nil {
		j.Body = *e.Body
	}
	if e.Location != nil {
		j.Location = *e.Location
	}
	if master {
		rule, err := json.Marshal(e.Recurrence)
		if err != nil {
			return nil, err
		}
		j.Recurrence = rule
	}
	e.ID, e.ICalUID, e.Type, e.SeriesMasterID, e.OriginalStart, e.Organizer, e.IsCancelled = "", "", "", "", "", nil, false
	e.Subject, e.Body, e.Location, e.Recurrence = "", nil, nil, nil
	j.GraphEvent = e
	if crmID != "" {
		j.Extended = []extendedJSON{{ID: crmIDProperty, Value: crmID}}
	}
	if online {
		j.IsOnlineMeeting, j.OnlineMeetingProvider = true, "teamsForBusiness"
	}
	return j, nil
}

// fillEvent sets what the connector reads beside the series.
func fillEvent(ev *groupware.Event, master *eventJSON) {
	ev.ID, ev.ETag, ev.CRMID = master.ID, master.etag(), master.crmID()
	if master.OnlineMeeting != nil {
		ev.JoinURL = master.OnlineMeeting.JoinURL
	}
}

// eventsPath is the collection of a calendar's events.
func (c *Connector) eventsPath(f groupware.Folder) string {
	return c.userPath + "/calendars/" + url.PathEscape(f.ID) + "/events"
}

// eventPath is one event (or instance) of the mailbox.
func (c *Connector) eventPath(id string) string {
	return c.userPath + "/events/" + url.PathEscape(id)
}
