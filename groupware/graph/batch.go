package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/wfehq/wfe/groupware/pacer"
)

// MaxBatch is the most requests Graph takes in one $batch.
const MaxBatch = 20

type batchRequest struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

type batchResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// batch sends up to MaxBatch requests in one $batch and returns their
// answers in the order of reqs. A batch holds every slot of the mailbox
// (Graph runs its parts side by side). Parts that Graph throttles (429,
// 503, 504) are sent again in a later batch after their Retry-After, as
// shouldRetry decides for a whole request; the error is only for a
// failure of the $batch request itself.
func (c *Connector) batch(ctx context.Context, reqs []batchRequest) ([]batchResponse, error) {
	if len(reqs) > MaxBatch {
		return nil, fmt.Errorf("graph: %d requests in one batch, at most %d", len(reqs), MaxBatch)
	}
	out := make([]batchResponse, len(reqs))
	pending := make([]int, len(reqs))
	for i := range reqs {
		reqs[i].ID = strconv.Itoa(i)
		pending[i] = i
	}
	for attempt := 1; len(pending) > 0; attempt++ {
		answers, err := c.sendBatch(ctx, reqs, pending)
		if err != nil {
			return nil, err
		}
		var again []int
		var wait pacer.Decision
		for _, i := range pending {
			a := answers[strconv.Itoa(i)]
			d := shouldRetry(a.asResponse(), nil)
			if d.Retry && attempt < c.pacer.MaxAttempts {
				again = append(again, i)
				wait.Retry, wait.Wait = true, max(wait.Wait, d.Wait)
				continue
			}
			out[i] = a
		}
		if pending = again; len(pending) > 0 {
			if err := c.pacer.Pause(ctx, wait, attempt); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// sendBatch posts the pending parts and returns the answers by id; a part
// Graph did not answer comes back as a 500 of its own.
func (c *Connector) sendBatch(ctx context.Context, reqs []batchRequest, pending []int) (map[string]batchResponse, error) {
	parts := make([]batchRequest, 0, len(pending))
	for _, i := range pending {
		parts = append(parts, reqs[i])
	}
	body, err := json.Marshal(map[string]any{"requests": parts})
	if err != nil {
		return nil, err
	}
	resp, err := c.call(ctx, MaxInFlight, http.MethodPost, "/$batch", body)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, statusError(resp.StatusCode, resp.Body)
	}
	var answer struct {
		Responses []batchResponse `json:"responses"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return nil, fmt.Errorf("graph: reading $batch answer: %w", err)
	}
	byID := make(map[string]batchResponse, len(parts))
	for _, p := range parts {
		byID[p.ID] = batchResponse{ID: p.ID, Status: http.StatusInternalServerError}
	}
	for _, a := range answer.Responses {
		if _, asked := byID[a.ID]; asked {
			byID[a.ID] = a
		}
	}
	return byID, nil
}

// asResponse shows one part's answer to shouldRetry as a response.
func (a batchResponse) asResponse() *http.Response {
	h := http.Header{}
	for k, v := range a.Headers {
		h.Set(k, v)
	}
	return &http.Response{StatusCode: a.Status, Header: h}
}

// err is the part's failure, or nil for a 2xx answer.
func (a batchResponse) err() error {
	if a.Status/100 == 2 {
		return nil
	}
	return statusError(a.Status, bytes.NewReader(a.Body))
}
