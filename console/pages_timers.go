package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wfehq/wfe/console/watchdog"
	"github.com/wfehq/wfe/engine/timer"
	"github.com/wfehq/wfe/store"
)

// timerRow is a timer task as the timers page lists it (docs/REQUIREMENTS.md
// R41: group, task, server, interval, active, status).
type timerRow struct {
	store.TimerTask
	Interval time.Duration
	NextRun  *time.Time
}

func (s *Server) timersPage(w http.ResponseWriter, r *http.Request) {
	list, err := s.opts.Store.ListTimers(r.Context())
	if err != nil {
		s.internal(w, r, "list timers", err)
		return
	}
	var next map[string]time.Time
	if s.opts.Scheduler != nil {
		next = s.opts.Scheduler.NextRuns()
	}
	loc := s.opts.Watchdog.Location
	if loc == nil {
		loc = time.Local
	}
	rows := make([]timerRow, len(list))
	for i, t := range list {
		rows[i] = timerRow{TimerTask: t, Interval: watchdog.Interval(t, loc, s.opts.Now())}
		if n, ok := next[t.Name]; ok {
			rows[i].NextRun = &n
		}
	}
	s.render(w, r, http.StatusOK, "timers", map[string]any{"Timers": rows, "CanRun": s.opts.Scheduler != nil})
}

func (s *Server) enableTimer(w http.ResponseWriter, r *http.Request)  { s.setTimerActive(w, r, true) }
func (s *Server) disableTimer(w http.ResponseWriter, r *http.Request) { s.setTimerActive(w, r, false) }

func (s *Server) setTimerActive(w http.ResponseWriter, r *http.Request, active bool) {
	name := r.PathValue("name")
	if err := s.opts.Store.SetTimerActive(r.Context(), name, active); err != nil {
		s.storeFailure(w, r, "timer "+name, err)
		return
	}
	verb := map[bool]string{true: "enable", false: "disable"}[active]
	s.changed(w, r, "timer."+verb, name, "", "/timers", "timer "+name+": "+verb+"d")
}

// timerInterval sets a timer's period (a Go duration such as 10m); a
// cron timer becomes a periodic one.
func (s *Server) timerInterval(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	raw := strings.TrimSpace(r.PostFormValue("every"))
	every, err := time.ParseDuration(raw)
	if err != nil || every < timer.MinEvery {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("interval %q: want a duration of at least %s, such as 10m or 1h30m", raw, timer.MinEvery))
		return
	}
	t, err := s.opts.Store.GetTimer(r.Context(), name)
	if err != nil {
		s.storeFailure(w, r, "timer "+name, err)
		return
	}
	old := t.Every.String()
	if t.Cron != "" {
		old = "cron " + t.Cron
	}
	t.Every, t.Cron = every, ""
	if err := s.opts.Store.UpdateTimer(r.Context(), t); err != nil {
		s.storeFailure(w, r, "timer "+name, err)
		return
	}
	s.changed(w, r, "timer.interval", name, old+" → "+every.String(), "/timers", "timer "+name+": every "+every.String())
}

// runTimer runs a timer at once and waits for it (like `wfe timer run`).
func (s *Server) runTimer(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if s.opts.Scheduler == nil {
		s.fail(w, r, http.StatusServiceUnavailable, "the scheduler does not run in this process")
		return
	}
	s.audit(r, principalOf(r), "timer.run", name, "run now")
	flash := "timer " + name + " ran"
	if err := s.opts.Scheduler.RunNow(r.Context(), name); err != nil {
		flash = "timer " + name + " failed: " + err.Error()
	}
	http.Redirect(w, r, "/runs?timer="+url.QueryEscape(name)+"&flash="+url.QueryEscape(flash), http.StatusSeeOther)
}
