package mailbox

import (
	"errors"
	"fmt"
	"io"
)

// ErrBccInMIME: a message with Bcc recipients cannot be handed on as a
// complete MIME message, since Bcc recipients go into the envelope only
// and are never written into the header.
var ErrBccInMIME = errors.New("Bcc recipients are not part of a MIME message")

// WriteMIME writes msg as a complete MIME message (header, bodies and
// attachments, exactly as Send would transmit it) to w, for a transport
// that takes the message rather than an SMTP envelope (Microsoft Graph's
// sendMail). It returns the Message-ID without brackets.
func WriteMIME(w io.Writer, msg *Outgoing) (messageID string, err error) {
	if msg == nil {
		return "", errors.New("compose: no message")
	}
	if len(msg.Bcc) > 0 {
		return "", fmt.Errorf("compose: %w", ErrBccInMIME)
	}
	c, err := composeSMTP(msg)
	if err != nil {
		return "", fmt.Errorf("compose: %w", err)
	}
	atts, err := openAttachments(msg.Attachments)
	defer atts.close()
	if err != nil {
		return "", fmt.Errorf("attachment: %w", err)
	}
	if err := c.write(w, msg, atts); err != nil {
		return "", fmt.Errorf("writing the message: %w", err)
	}
	return c.id, nil
}
