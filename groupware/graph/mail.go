package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// MailMessage is one message of a mail folder as listed: its Graph id
// (which changes when the message is moved) and its Internet Message-ID.
type MailMessage struct {
	ID                string    `json:"id"`
	InternetMessageID string    `json:"internetMessageId"`
	IsRead            bool      `json:"isRead"`
	ReceivedDateTime  time.Time `json:"receivedDateTime"`
}

type messagePage struct {
	Value    []MailMessage `json:"value"`
	NextLink string        `json:"@odata.nextLink"`
}

// MailFolderID finds the id of a mail folder by display name (case
// insensitive) or returns a well-known name (inbox, sentitems,
// deleteditems, …) as it is, which Graph accepts in place of an id.
func (c *Connector) MailFolderID(ctx context.Context, name string) (string, error) {
	if wellKnownMailFolders[strings.ToLower(name)] {
		return strings.ToLower(name), nil
	}
	return c.childMailFolder(ctx, "", name)
}

// Messages lists the messages of a mail folder (id or well-known name),
// following @odata.nextLink.
func (c *Connector) Messages(ctx context.Context, folderID string) ([]MailMessage, error) {
	return c.listMessages(ctx, folderID, "")
}

// UnreadMessages lists the unread messages of a mail folder (id or
// well-known name), following @odata.nextLink.
func (c *Connector) UnreadMessages(ctx context.Context, folderID string) ([]MailMessage, error) {
	return c.listMessages(ctx, folderID, "&$filter="+url.QueryEscape("isRead eq false"))
}

func (c *Connector) listMessages(ctx context.Context, folderID, filter string) ([]MailMessage, error) {
	link := c.userPath + "/mailFolders/" + url.PathEscape(folderID) +
		"/messages?$select=id,internetMessageId,isRead,receivedDateTime&$top=100" + filter
	var out []MailMessage
	for link != "" {
		var page messagePage
		if err := c.getJSON(ctx, link, &page); err != nil {
			return nil, fmt.Errorf("listing the messages of mail folder %s: %w", folderID, err)
		}
		out = append(out, page.Value...)
		link = page.NextLink
	}
	return out, nil
}

// MessageMIME returns the raw MIME of a message ($value) as a stream the
// caller closes.
func (c *Connector) MessageMIME(ctx context.Context, id string) (io.ReadCloser, error) {
	resp, err := c.callWith(ctx, 1, http.MethodGet, c.userPath+"/messages/"+url.PathEscape(id)+"/$value", nil,
		map[string]string{"Accept": "*/*"})
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		return nil, fmt.Errorf("fetching message %s: %w", id, statusError(resp.StatusCode, resp.Body))
	}
	return resp.Body, nil
}

// MoveMessage moves a message to a folder (id or well-known name) and
// returns the id the moved message has there.
func (c *Connector) MoveMessage(ctx context.Context, id, destinationID string) (string, error) {
	var moved struct {
		ID string `json:"id"`
	}
	body := map[string]string{"destinationId": destinationID}
	if err := c.sendJSON(ctx, http.MethodPost, c.userPath+"/messages/"+url.PathEscape(id)+"/move", body, nil, &moved); err != nil {
		return "", fmt.Errorf("moving message %s to %s: %w", id, destinationID, err)
	}
	return moved.ID, nil
}

// SendMIME sends a complete MIME message through sendMail; Graph saves a
// message sent as MIME to Sent Items.
func (c *Connector) SendMIME(ctx context.Context, raw []byte) error {
	body := []byte(base64.StdEncoding.EncodeToString(raw))
	resp, err := c.callWith(ctx, 1, http.MethodPost, c.userPath+"/sendMail", body, map[string]string{"Content-Type": "text/plain"})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("sending mail: %w", statusError(resp.StatusCode, resp.Body))
	}
	return nil
}

// MoveMessages moves messages to a folder (id or well-known name) in
// $batch requests of MaxBatch and returns each move's error (nil when it
// was moved), in the order of ids; the error is for a failed $batch.
func (c *Connector) MoveMessages(ctx context.Context, ids []string, destinationID string) ([]error, error) {
	body, err := json.Marshal(map[string]string{"destinationId": destinationID})
	if err != nil {
		return nil, err
	}
	out := make([]error, 0, len(ids))
	for start := 0; start < len(ids); start += MaxBatch {
		chunk := ids[start:min(start+MaxBatch, len(ids))]
		reqs := make([]batchRequest, len(chunk))
		for i, id := range chunk {
			reqs[i] = batchRequest{Method: http.MethodPost, URL: c.userPath + "/messages/" + url.PathEscape(id) + "/move",
				Headers: map[string]string{"Content-Type": "application/json"}, Body: body}
		}
		answers, err := c.batch(ctx, reqs)
		if err != nil {
			return nil, fmt.Errorf("moving %d message(s) to %s: %w", len(ids), destinationID, err)
		}
		for i, a := range answers {
			if err := a.err(); err != nil {
				out = append(out, fmt.Errorf("moving message %s to %s: %w", chunk[i], destinationID, err))
				continue
			}
			out = append(out, nil)
		}
	}
	return out, nil
}
