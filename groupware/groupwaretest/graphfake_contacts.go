package groupwaretest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// contactProperties are the writable properties of Graph's contact
// resource; a body with any other property is refused as Graph does.
var contactProperties = map[string]bool{
	"assistantName": true, "birthday": true, "businessAddress": true, "businessHomePage": true,
	"businessPhones": true, "categories": true, "children": true, "companyName": true,
	"department": true, "displayName": true, "emailAddresses": true, "fileAs": true,
	"generation": true, "givenName": true, "homeAddress": true, "homePhones": true,
	"imAddresses": true, "initials": true, "jobTitle": true, "manager": true,
	"middleName": true, "mobilePhone": true, "nickName": true, "officeLocation": true,
	"otherAddress": true, "personalNotes": true, "profession": true, "spouseName": true,
	"surname": true, "title": true, "yomiCompanyName": true, "yomiGivenName": true,
	"yomiSurname": true, "singleValueExtendedProperties": true,
}

// readContactBody decodes a create or update body, refusing unknown
// properties with Graph's error.
func readContactBody(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, map[string]string, bool) {
	return readBody(w, r, contactProperties, "contact")
}

// readBody decodes a create or update body of a resource type, refusing
// properties not in allowed with Graph's error, and takes the
// single-value extended properties out of it.
func readBody(w http.ResponseWriter, r *http.Request, allowed map[string]bool, typeName string) (map[string]json.RawMessage, map[string]string, bool) {
	var body map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		graphErr(w, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload.")
		return nil, nil, false
	}
	ext := map[string]string{}
	for k, v := range body {
		if !allowed[k] {
			graphErr(w, http.StatusBadRequest, "RequestBodyRead",
				fmt.Sprintf("The property '%s' is read-only or does not exist on type 'microsoft.graph.%s'.", k, typeName))
			return nil, nil, false
		}
		if k == "singleValueExtendedProperties" {
			var list []struct{ ID, Value string }
			if err := json.Unmarshal(v, &list); err != nil {
				graphErr(w, http.StatusBadRequest, "BadRequest", "Invalid singleValueExtendedProperties.")
				return nil, nil, false
			}
			for _, p := range list {
				ext[p.ID] = p.Value
			}
			delete(body, k)
		}
	}
	return body, ext, true
}

// failed answers with an injected failure for key, if there is one.
func (f *GraphFake) failed(w http.ResponseWriter, key string) bool {
	fail, ok := f.failures[key]
	if !ok {
		return false
	}
	if fail.retryAfter != "" {
		w.Header().Set("Retry-After", fail.retryAfter)
	}
	graphErr(w, fail.status, fail.code, "Injected failure for "+key+".")
	if fail.left--; fail.left == 0 {
		delete(f.failures, key)
	} else if fail.left > 0 {
		f.failures[key] = fail
	}
	return true
}

func (f *GraphFake) createContact(w http.ResponseWriter, r *http.Request, mb *fakeMailbox, folder string) {
	props, ext, ok := readContactBody(w, r)
	if !ok {
		return
	}
	for _, v := range ext {
		if f.failed(w, v) {
			return
		}
	}
	mb.nextID++
	f.seq++
	c := &fakeContact{id: fmt.Sprintf("AAMk-%d", mb.nextID), folder: folder, seq: f.seq, props: props, extended: ext, modified: time.Now().UTC()}
	mb.contacts[c.id] = c
	writeJSON(w, http.StatusCreated, c.render(""))
}

// serveContact reads, updates or deletes one contact by id.
func (f *GraphFake) serveContact(w http.ResponseWriter, r *http.Request, mb *fakeMailbox, id string) {
	if f.failed(w, id) {
		return
	}
	c := mb.contacts[id]
	if c == nil {
		graphErr(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
		return
	}
	if staleIfMatch(w, r, c.etag()) {
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, c.render(expandedID(r)))
	case http.MethodPatch:
		props, ext, ok := readContactBody(w, r)
		if !ok {
			return
		}
		for k, v := range props {
			c.props[k] = v
		}
		for k, v := range ext {
			c.extended[k] = v
		}
		f.seq++
		c.seq, c.modified = f.seq, time.Now().UTC()
		writeJSON(w, http.StatusOK, c.render(""))
	case http.MethodDelete:
		f.seq++
		delete(mb.contacts, id)
		mb.tombstones = append(mb.tombstones, fakeTombstone{id: id, folder: c.folder, seq: f.seq})
		w.WriteHeader(http.StatusNoContent)
	default:
		graphErr(w, http.StatusMethodNotAllowed, "BadRequest", "Unsupported method.")
	}
}

type fakeBatchPart struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// serveBatch runs the parts of a $batch (at most 20) one after another
// and answers with each part's status, headers and body.
func (f *GraphFake) serveBatch(w http.ResponseWriter, r *http.Request, me string) {
	var in struct {
		Requests []fakeBatchPart `json:"requests"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || len(in.Requests) == 0 {
		graphErr(w, http.StatusBadRequest, "BadRequest", "Invalid batch payload format.")
		return
	}
	if len(in.Requests) > 20 {
		graphErr(w, http.StatusBadRequest, "BadRequest", "Number of batch requests exceeds the limit of 20.")
		return
	}
	out := make([]map[string]any, 0, len(in.Requests))
	for _, p := range in.Requests {
		f.parts.Add(1)
		out = append(out, f.runPart(p, me))
	}
	writeJSON(w, http.StatusOK, map[string]any{"responses": out})
}

func (f *GraphFake) runPart(p fakeBatchPart, me string) map[string]any {
	req, err := batchPart(p.Method, p.URL, p.Headers, p.Body)
	if err != nil || !strings.HasPrefix(p.URL, "/") {
		return map[string]any{"id": p.ID, "status": http.StatusBadRequest, "body": map[string]any{"error": map[string]string{"code": "BadRequest", "message": "Invalid request URL."}}}
	}
	rec := httptest.NewRecorder()
	f.route(rec, req, me, req.URL.Path[len("/v1.0"):])
	headers := map[string]string{}
	for k := range rec.Header() {
		headers[k] = rec.Header().Get(k)
	}
	part := map[string]any{"id": p.ID, "status": rec.Code, "headers": headers}
	if body, _ := io.ReadAll(rec.Body); len(bytes.TrimSpace(body)) > 0 {
		part["body"] = json.RawMessage(body)
	}
	return part
}
