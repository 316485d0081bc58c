package console

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/wfehq/wfe/store"
	sc "github.com/wfehq/wfe/store/console"
)

type activitiesData struct {
	Activities []store.Activity
	Query      sc.ActivityQuery
	Next       string
	// WindowFrom: a short text was looked for among the activities from
	// this id up to the cursor only (0: the page is full or reached the
	// oldest activity).
	WindowFrom int64
}

// activitiesPage searches activities by subject, sender, Message-ID and
// configuration, newest first, a page at a time. A text shorter than
// three characters is looked for in part of the activities at a time; a
// page that stopped before it was full says where and links the rest.
func (s *Server) activitiesPage(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := sc.ActivityQuery{Subject: v.Get("subject"), Sender: v.Get("sender"), MessageID: v.Get("message_id")}
	q.MailConfigID, _ = strconv.ParseInt(v.Get("config"), 10, 64)
	q.BeforeID, _ = strconv.ParseInt(v.Get("before"), 10, 64)
	page, err := s.opts.Store.Console().SearchActivities(r.Context(), q)
	if err != nil {
		s.internal(w, r, "search activities", err)
		return
	}
	d := activitiesData{Activities: page.Activities, Query: q, WindowFrom: page.WindowFrom}
	if page.NextBefore > 0 {
		next := url.Values{}
		for k := range v {
			next.Set(k, v.Get(k))
		}
		next.Set("before", strconv.FormatInt(page.NextBefore, 10))
		d.Next = next.Encode()
	}
	s.render(w, r, http.StatusOK, "activities", d)
}

// activityPage shows an activity with its documents, linked contacts,
// the explanation of the links and its GroupwareLock, read-only. An HTML
// body is never rendered: the text body is shown as text.
func (s *Server) activityPage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "no activity "+r.PathValue("id"))
		return
	}
	a, err := s.opts.Store.GetActivity(r.Context(), id)
	if err != nil {
		s.storeFailure(w, r, "activity "+r.PathValue("id"), err)
		return
	}
	s.render(w, r, http.StatusOK, "activity", a)
}
