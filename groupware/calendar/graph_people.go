package calendar

var graphResponses = map[string]string{
	"accepted": "accepted", "declined": "declined", "tentativelyAccepted": "tentative", "notResponded": "needs-action",
}

func attendeesFromGraph(list []GraphAttendee) []Attendee {
	out := make([]Attendee, 0, len(list))
	for _, a := range list {
		att := Attendee{Email: a.EmailAddress.Address, Name: a.EmailAddress.Name, Role: a.Type}
		if a.Status != nil {
			att.Status = graphResponses[a.Status.Response]
		}
		out = append(out, att)
	}
	return out
}

func attendeesToGraph(list []Attendee) []GraphAttendee {
	var out []GraphAttendee
	for _, a := range list {
		ga := GraphAttendee{EmailAddress: GraphEmailAddress{Name: a.Name, Address: a.Email}, Type: a.Role}
		for graph, model := range graphResponses {
			if model == a.Status && a.Status != "" {
				ga.Status = &GraphResponse{Response: graph}
			}
		}
		out = append(out, ga)
	}
	return out
}
