package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/calendar"
)

// crmExtension names the open extension that holds the CRM id on every
// To Do task wfe creates (To Do tasks take no extended properties in
// v1.0, only open extensions).
const crmExtension = "com.wfehq.wfe.crm"

// todoJSON is Graph's todoTask as read: the mapped properties and what
// the connector itself needs.
type todoJSON struct {
	calendar.TodoTask
	ETag       string          `json:"@odata.etag,omitempty"`
	Removed    *struct{}       `json:"@removed,omitempty"`
	Extensions []extensionJSON `json:"extensions,omitempty"`
}

type extensionJSON struct {
	ODataType     string `json:"@odata.type,omitempty"`
	ExtensionName string `json:"extensionName"`
	CRMID         string `json:"crmId"`
}

type todoPage struct {
	Value     []todoJSON `json:"value"`
	NextLink  string     `json:"@odata.nextLink"`
	DeltaLink string     `json:"@odata.deltaLink"`
}

func (j *todoJSON) task() (*groupware.Task, error) {
	it, err := calendar.FromTodoTask(j.TodoTask)
	if err != nil {
		return nil, err
	}
	t := &groupware.Task{ID: j.ID, ETag: j.ETag, Series: calendar.Series{Master: it}}
	for _, e := range j.Extensions {
		if e.ExtensionName == crmExtension {
			t.CRMID = e.CRMID
		}
	}
	return t, nil
}

// tasks is the To Do lists of one mailbox.
type tasks struct{ c *Connector }

var _ groupware.Source[groupware.Task] = (*tasks)(nil)

// Tasks is the tasks table of the mailbox: its Microsoft To Do lists.
func (c *Connector) Tasks() groupware.Source[groupware.Task] { return &tasks{c: c} }

func (c *Connector) tasksPath(f groupware.Folder) string {
	return c.userPath + "/todo/lists/" + url.PathEscape(f.ID) + "/tasks"
}

// Changes follows the list's tasks/delta: an empty token lists every
// task, a token is the last deltaLink (one request when nothing changed);
// 410 Gone is ErrTokenExpired. The tasks are read with Get, which brings
// the CRM id (delta does not expand extensions).
func (s *tasks) Changes(ctx context.Context, folder groupware.Folder, token string) (*groupware.ChangeSet[groupware.Task], error) {
	link := token
	if token == "" {
		link = s.c.tasksPath(folder) + "/delta"
	}
	set := &groupware.ChangeSet[groupware.Task]{Full: token == ""}
	for {
		var page todoPage
		if err := s.c.getJSON(ctx, link, &page); err != nil {
			return nil, listError(folder, err)
		}
		for _, t := range page.Value {
			if t.Removed != nil {
				set.Deleted = append(set.Deleted, t.ID)
			} else {
				set.Changed = append(set.Changed, groupware.Change[groupware.Task]{ID: t.ID, ETag: t.ETag})
			}
		}
		if page.NextLink != "" {
			link = page.NextLink
			continue
		}
		if page.DeltaLink == "" {
			return nil, fmt.Errorf("graph: tasks delta of %q ended without a deltaLink", folder.Path)
		}
		set.Token = page.DeltaLink
		return set, nil
	}
}

func listError(folder groupware.Folder, err error) error {
	if errors.Is(err, groupware.ErrNotFound) {
		return fmt.Errorf("To Do list %q: %w (%w)", folder.Path, groupware.ErrFolderNotFound, err)
	}
	return fmt.Errorf("To Do list %q: %w", folder.Path, err)
}

// Get reads tasks with their CRM id, MaxInFlight at once.
func (s *tasks) Get(ctx context.Context, folder groupware.Folder, ids []string) ([]groupware.Result[groupware.Task], error) {
	return readEach(ids, func(id string) (*groupware.Task, error) { return s.read(ctx, folder, id) })
}

func (s *tasks) read(ctx context.Context, folder groupware.Folder, id string) (*groupware.Task, error) {
	var j todoJSON
	if err := s.c.getJSON(ctx, s.c.tasksPath(folder)+"/"+url.PathEscape(id)+"?$expand=extensions", &j); err != nil {
		return nil, err
	}
	return j.task()
}

// FindByCRMID reads the list's tasks with their extensions (open
// extensions cannot be filtered on) and returns the one with crmID.
func (s *tasks) FindByCRMID(ctx context.Context, folder groupware.Folder, crmID string) (*groupware.Task, error) {
	link := s.c.tasksPath(folder) + "?$expand=extensions&$top=100"
	for link != "" {
		var page todoPage
		if err := s.c.getJSON(ctx, link, &page); err != nil {
			return nil, listError(folder, err)
		}
		for i := range page.Value {
			if t, err := page.Value[i].task(); err == nil && t.CRMID == crmID {
				return t, nil
			}
		}
		link = page.NextLink
	}
	return nil, fmt.Errorf("task with CRM id %q in %q: %w", crmID, folder.Path, groupware.ErrNotFound)
}

// Write sends creates (the task, then its CRM id extension), updates
// (If-Match) and deletes one at a time.
func (s *tasks) Write(ctx context.Context, folder groupware.Folder, writes []groupware.Write[groupware.Task]) ([]groupware.WriteResult, error) {
	return writeEach(writes, func(w groupware.Write[groupware.Task]) (groupware.WriteResult, error) {
		path := s.c.tasksPath(folder) + "/" + url.PathEscape(w.ID)
		switch w.Op {
		case groupware.OpCreate:
			return s.create(ctx, folder, w)
		case groupware.OpUpdate:
			return s.update(ctx, path, w)
		case groupware.OpDelete:
			return groupware.WriteResult{ID: w.ID}, s.c.sendJSON(ctx, http.MethodDelete, path, nil, ifMatch(w.ETag), nil)
		}
		return groupware.WriteResult{}, fmt.Errorf("graph: unknown write %v", w.Op)
	})
}

func (s *tasks) toTodo(t *groupware.Task) (calendar.TodoTask, error) {
	todo, err := calendar.ToTodoTask(t.Series.Master, s.c.zone)
	if err != nil {
		return todo, fmt.Errorf("%w: %w", groupware.ErrInvalidData, err)
	}
	todo.ID = ""
	return todo, nil
}

// create posts the task and then its CRM id extension. A crash between
// the two leaves a task without CRM id, which FindByCRMID does not find;
// the caller's first-run linking (by subject and due date) covers it.
func (s *tasks) create(ctx context.Context, folder groupware.Folder, w groupware.Write[groupware.Task]) (groupware.WriteResult, error) {
	if w.CRMID == "" || w.Item == nil {
		return groupware.WriteResult{}, errors.New("graph: a create needs a CRM id and a task")
	}
	todo, err := s.toTodo(w.Item)
	if err != nil {
		return groupware.WriteResult{}, err
	}
	var created todoJSON
	if err := s.c.sendJSON(ctx, http.MethodPost, s.c.tasksPath(folder), todo, nil, &created); err != nil {
		if errors.Is(err, groupware.ErrNotFound) {
			err = listError(folder, err)
		}
		return groupware.WriteResult{}, err
	}
	path := s.c.tasksPath(folder) + "/" + url.PathEscape(created.ID)
	ext := extensionJSON{ODataType: "microsoft.graph.openTypeExtension", ExtensionName: crmExtension, CRMID: w.CRMID}
	if err := s.c.sendJSON(ctx, http.MethodPost, path+"/extensions", ext, nil, nil); err != nil {
		return groupware.WriteResult{ID: created.ID}, fmt.Errorf("storing the CRM id on task %s: %w", created.ID, err)
	}
	var final todoJSON
	err = s.c.getJSON(ctx, path, &final)
	return groupware.WriteResult{ID: created.ID, ETag: final.ETag}, err
}

func (s *tasks) update(ctx context.Context, path string, w groupware.Write[groupware.Task]) (groupware.WriteResult, error) {
	if w.ID == "" || w.Item == nil {
		return groupware.WriteResult{}, errors.New("graph: an update needs an id and a task")
	}
	todo, err := s.toTodo(w.Item)
	if err != nil {
		return groupware.WriteResult{}, err
	}
	var updated todoJSON
	err = s.c.sendJSON(ctx, http.MethodPatch, path, todo, ifMatch(w.ETag), &updated)
	return groupware.WriteResult{ID: w.ID, ETag: updated.ETag}, err
}
