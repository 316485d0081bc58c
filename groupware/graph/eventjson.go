package graph

import (
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

// eventBody is the body of a create or update: the converted event with
// the properties Graph sets itself (id, iCalUId, type, series links,
// organizer, isCancelled) cleared, since Graph refuses or ignores them.
func eventBody(e calendar.GraphEvent, crmID string, online bool) *eventJSON {
	e.ID, e.ICalUID, e.Type, e.SeriesMasterID, e.OriginalStart, e.Organizer, e.IsCancelled = "", "", "", "", "", nil, false
	j := &eventJSON{GraphEvent: e}
	if crmID != "" {
		j.Extended = []extendedJSON{{ID: crmIDProperty, Value: crmID}}
	}
	if online {
		j.IsOnlineMeeting, j.OnlineMeetingProvider = true, "teamsForBusiness"
	}
	return j
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
