package groupwaretest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// fakeTodo is one Microsoft To Do task of the GraphFake, with its open
// extensions by name.
type fakeTodo struct {
	id, list   string
	seq        int64
	props      map[string]json.RawMessage
	extensions map[string]map[string]json.RawMessage
}

// todoProperties are the writable properties of Graph's todoTask.
var todoProperties = map[string]bool{
	"title": true, "body": true, "dueDateTime": true, "importance": true, "status": true,
	"completedDateTime": true, "categories": true, "reminderDateTime": true, "isReminderOn": true,
	"startDateTime": true, "recurrence": true,
}

// AddTodoList creates a To Do list named name and returns its id.
func (f *GraphFake) AddTodoList(upn, name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	mb := f.mailboxFor(upn)
	mb.nextID++
	id := fmt.Sprintf("list-%d", mb.nextID)
	mb.cal.lists[id] = name
	return id
}

// EditTodo changes a task's property as another client would (the To Do
// app marking it completed: "status", "completed").
func (f *GraphFake) EditTodo(upn, id, property string, value any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.mailboxFor(upn).cal.todos[id]
	if t == nil {
		return fmt.Errorf("no task %s", id)
	}
	raw, err := json.Marshal(value)
	if err != nil {
		return err
	}
	t.props[property] = raw
	f.seq++
	t.seq = f.seq
	return nil
}

func (t *fakeTodo) etag() string { return fmt.Sprintf(`W/"todo%d"`, t.seq) }

func (t *fakeTodo) render(withExtensions bool) map[string]any {
	out := map[string]any{}
	for k, v := range t.props {
		out[k] = v
	}
	out["id"], out["@odata.etag"] = t.id, t.etag()
	if withExtensions {
		list := []map[string]any{}
		for _, ext := range t.extensions {
			m := map[string]any{}
			for k, v := range ext {
				m[k] = v
			}
			list = append(list, m)
		}
		out["extensions"] = list
	}
	return out
}

// routeTodo serves /todo/lists, …/lists/{id}/tasks[/delta|/{id}[/extensions]].
func (f *GraphFake) routeTodo(w http.ResponseWriter, r *http.Request, mb *fakeMailbox, parts []string) {
	cal := mb.cal
	switch {
	case len(parts) == 1 && parts[0] == "lists" && r.Method == http.MethodGet:
		list := []map[string]string{}
		for id, name := range cal.lists {
			list = append(list, map[string]string{"id": id, "displayName": name})
		}
		writeJSON(w, http.StatusOK, map[string]any{"value": list})
	case len(parts) < 3 || parts[0] != "lists" || parts[2] != "tasks" || cal.lists[parts[1]] == "":
		graphErr(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
	case len(parts) == 4 && parts[3] == "delta":
		f.serveTodoDelta(w, r, cal, parts[1])
	case len(parts) == 3 && r.Method == http.MethodGet:
		list := []map[string]any{}
		for _, t := range cal.todos {
			if t.list == parts[1] {
				list = append(list, t.render(strings.Contains(r.URL.Query().Get("$expand"), "extensions")))
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"value": list})
	case len(parts) == 3 && r.Method == http.MethodPost:
		f.createTodo(w, r, cal, parts[1])
	case len(parts) == 5 && parts[4] == "extensions" && r.Method == http.MethodPost:
		f.addExtension(w, r, cal, parts[3])
	case len(parts) == 4:
		f.serveTodo(w, r, cal, parts[3])
	default:
		graphErr(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment.")
	}
}

func readTodoBody(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, bool) {
	var body map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		graphErr(w, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload.")
		return nil, false
	}
	for k := range body {
		if !todoProperties[k] {
			graphErr(w, http.StatusBadRequest, "RequestBodyRead", fmt.Sprintf("The property '%s' does not exist on type 'microsoft.graph.todoTask'.", k))
			return nil, false
		}
	}
	return body, true
}

func (f *GraphFake) createTodo(w http.ResponseWriter, r *http.Request, cal *fakeCalendars, list string) {
	props, ok := readTodoBody(w, r)
	if !ok {
		return
	}
	f.seq++
	t := &fakeTodo{id: fmt.Sprintf("AAMkTask-%d", f.seq), list: list, seq: f.seq, props: props, extensions: map[string]map[string]json.RawMessage{}}
	cal.todos[t.id] = t
	writeJSON(w, http.StatusCreated, t.render(false))
}

// addExtension stores an open extension; it does not change the task's
// ETag (extensions are not part of the task's content in To Do).
func (f *GraphFake) addExtension(w http.ResponseWriter, r *http.Request, cal *fakeCalendars, id string) {
	t := cal.todos[id]
	var ext map[string]json.RawMessage
	if t == nil || json.NewDecoder(r.Body).Decode(&ext) != nil {
		graphErr(w, http.StatusBadRequest, "BadRequest", "No such task or bad extension.")
		return
	}
	var name string
	if json.Unmarshal(ext["extensionName"], &name) != nil || name == "" {
		graphErr(w, http.StatusBadRequest, "BadRequest", "extensionName is required.")
		return
	}
	ext["id"] = json.RawMessage(fmt.Sprintf("%q", name))
	t.extensions[name] = ext
	writeJSON(w, http.StatusCreated, ext)
}

func (f *GraphFake) serveTodo(w http.ResponseWriter, r *http.Request, cal *fakeCalendars, id string) {
	t := cal.todos[id]
	if t == nil {
		graphErr(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
		return
	}
	if staleIfMatch(w, r, t.etag()) {
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, t.render(strings.Contains(r.URL.Query().Get("$expand"), "extensions")))
	case http.MethodPatch:
		props, ok := readTodoBody(w, r)
		if !ok {
			return
		}
		for k, v := range props {
			t.props[k] = v
		}
		f.seq++
		t.seq = f.seq
		writeJSON(w, http.StatusOK, t.render(false))
	case http.MethodDelete:
		f.seq++
		delete(cal.todos, id)
		cal.todoTombs = append(cal.todoTombs, fakeTombstone{id: id, folder: t.list, seq: f.seq})
		w.WriteHeader(http.StatusNoContent)
	default:
		graphErr(w, http.StatusMethodNotAllowed, "BadRequest", "Unsupported method.")
	}
}

// serveTodoDelta pages through a list's task changes.
func (f *GraphFake) serveTodoDelta(w http.ResponseWriter, r *http.Request, cal *fakeCalendars, list string) {
	since, upTo, offset, ok := f.deltaPosition(w, r)
	if !ok {
		return
	}
	var entries []seqEntry
	for _, t := range cal.todos {
		if t.list == list && t.seq > since && t.seq <= upTo {
			entries = append(entries, seqEntry{t.seq, t.render(false)})
		}
	}
	entries = append(entries, tombEntries(cal.todoTombs, list, since, upTo)...)
	f.writeSeqPage(w, r, entries, since, upTo, offset)
}
