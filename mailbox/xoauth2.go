package mailbox

import (
	"github.com/emersion/go-sasl"
)

// xoauth2Client is the SASL XOAUTH2 client (Google, Microsoft 365):
// the initial response is "user=U\x01auth=Bearer T\x01\x01". On failure the
// server sends a JSON error as challenge; the client answers with an empty
// response and the server then ends the exchange with NO.
type xoauth2Client struct {
	user, token string
}

var _ sasl.Client = (*xoauth2Client)(nil)

func (c *xoauth2Client) Start() (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + c.user + "\x01auth=Bearer " + c.token + "\x01\x01"), nil
}

func (c *xoauth2Client) Next(challenge []byte) ([]byte, error) {
	return []byte{}, nil
}
