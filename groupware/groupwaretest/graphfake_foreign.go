package groupwaretest

import "fmt"

// DropCRMID removes the CRM id wfe stored on an event, so the event
// looks as if another client had made it.
func (f *GraphFake) DropCRMID(upn, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := f.mailboxFor(upn).cal.events[id]
	if e == nil {
		return fmt.Errorf("no event %s", id)
	}
	clear(e.extended)
	f.seq++
	e.seq = f.seq
	return nil
}
