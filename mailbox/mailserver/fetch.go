package mailserver

import (
	"bufio"
	"bytes"
	"io"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-message/textproto"
)

// Fetch answers from the backend, except for the messages it would not
// return as stored (raw.go) when the whole message is asked for: those
// the session writes itself from the stored bytes.
func (s *session) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	s.count("FETCH")
	if !wantsWholeMessage(options) || !s.srv.raw.inFolder(s.name, s.selected) {
		return s.user.Fetch(w, numSet, options)
	}
	uids, err := s.uidsOf(numSet)
	if err != nil {
		return err
	}
	var plain imap.UIDSet // a run of messages the backend answers
	flush := func() error {
		if len(plain) == 0 {
			return nil
		}
		err := s.user.Fetch(w, plain, options)
		plain = nil
		return err
	}
	for _, uid := range uids {
		m, ok := s.srv.raw.get(s.name, s.selected, uid)
		if !ok {
			plain.AddNum(uid)
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		if err := s.fetchStored(w, uid, m, options); err != nil {
			return err
		}
	}
	return flush()
}

// wantsWholeMessage reports whether options ask for BODY[] or BODY.PEEK[]
// (possibly a part of its bytes).
func wantsWholeMessage(options *imap.FetchOptions) bool {
	for _, bs := range options.BodySection {
		if isWholeMessage(bs) {
			return true
		}
	}
	return false
}

func isWholeMessage(bs *imap.FetchItemBodySection) bool {
	return bs.Specifier == imap.PartSpecifierNone && len(bs.Part) == 0 &&
		len(bs.HeaderFields) == 0 && len(bs.HeaderFieldsNot) == 0
}

// uidsOf lists the UIDs numSet names in the selected folder, ascending.
func (s *session) uidsOf(numSet imap.NumSet) ([]imap.UID, error) {
	var crit imap.SearchCriteria
	switch set := numSet.(type) {
	case imap.SeqSet:
		if !imap.IsSearchRes(set) {
			set = append(imap.SeqSet(nil), set...) // the search makes "*" static in place
		}
		crit.SeqNum = []imap.SeqSet{set}
	case imap.UIDSet:
		if !imap.IsSearchRes(set) {
			set = append(imap.UIDSet(nil), set...)
		}
		crit.UID = []imap.UIDSet{set}
	}
	data, err := s.user.Search(imapserver.NumKindUID, &crit, &imap.SearchOptions{})
	if err != nil {
		return nil, err
	}
	set, _ := data.All.(imap.UIDSet)
	uids, _ := set.Nums()
	return uids, nil
}

// fetchStored writes the FETCH response of message uid from its stored
// bytes, as the backend writes it for other messages.
func (s *session) fetchStored(w *imapserver.FetchWriter, uid imap.UID, m rawMessage, options *imap.FetchOptions) error {
	seq, err := s.seqOf(uid)
	if err != nil {
		return err
	}
	if marksSeen(options) {
		seen := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}
		if err := s.user.Store(w, imap.UIDSetNum(uid), seen, &imap.StoreOptions{}); err != nil {
			return err
		}
	}
	rw := w.CreateMessage(seq)
	rw.WriteUID(uid)
	if options.Flags {
		flags, err := s.flagsOf(uid)
		if err != nil {
			return err
		}
		rw.WriteFlags(flags)
	}
	if options.InternalDate {
		rw.WriteInternalDate(m.date)
	}
	if options.RFC822Size {
		rw.WriteRFC822Size(int64(len(m.buf)))
	}
	if options.Envelope {
		rw.WriteEnvelope(envelopeOf(m.buf))
	}
	if options.BodyStructure != nil {
		rw.WriteBodyStructure(imapserver.ExtractBodyStructure(bytes.NewReader(m.buf)))
	}
	if err := writeSections(rw, m.buf, options); err != nil {
		return err
	}
	return rw.Close()
}

// writeSections writes the body and binary sections options ask for; the
// whole message is the stored bytes.
func writeSections(rw *imapserver.FetchResponseWriter, buf []byte, options *imap.FetchOptions) error {
	for _, bs := range options.BodySection {
		data := buf
		if !isWholeMessage(bs) {
			data = imapserver.ExtractBodySection(bytes.NewReader(buf), bs)
		} else if bs.Partial != nil {
			data = partial(buf, bs.Partial)
		}
		if err := writeAll(rw.WriteBodySection(bs, int64(len(data))), data); err != nil {
			return err
		}
	}
	for _, bs := range options.BinarySection {
		data := imapserver.ExtractBinarySection(bytes.NewReader(buf), bs)
		if err := writeAll(rw.WriteBinarySection(bs, int64(len(data))), data); err != nil {
			return err
		}
	}
	for _, bss := range options.BinarySectionSize {
		rw.WriteBinarySectionSize(bss, imapserver.ExtractBinarySectionSize(bytes.NewReader(buf), bss))
	}
	return nil
}

func writeAll(wc io.WriteCloser, data []byte) error {
	_, err := wc.Write(data)
	if cerr := wc.Close(); err == nil {
		err = cerr
	}
	return err
}

// partial cuts <offset.size> out of buf.
func partial(buf []byte, p *imap.SectionPartial) []byte {
	if p.Offset >= int64(len(buf)) {
		return nil
	}
	buf = buf[p.Offset:]
	if p.Size >= 0 && p.Size < int64(len(buf)) {
		buf = buf[:p.Size]
	}
	return buf
}

func marksSeen(options *imap.FetchOptions) bool {
	for _, bs := range options.BodySection {
		if !bs.Peek {
			return true
		}
	}
	return false
}

// envelopeOf is the envelope of buf; an empty one when its header cannot
// be read.
func envelopeOf(buf []byte) *imap.Envelope {
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(buf)))
	if err != nil {
		return &imap.Envelope{}
	}
	return imapserver.ExtractEnvelope(h)
}

// seqOf is the sequence number of uid as this session knows it (0 when the
// session has not been told of the message yet).
func (s *session) seqOf(uid imap.UID) (uint32, error) {
	crit := imap.SearchCriteria{UID: []imap.UIDSet{imap.UIDSetNum(uid)}}
	data, err := s.user.Search(imapserver.NumKindSeq, &crit, &imap.SearchOptions{})
	if err != nil {
		return 0, err
	}
	return data.Min, nil
}

// flagsOf reads the flags of uid back from the backend, one search per
// flag that may be set.
func (s *session) flagsOf(uid imap.UID) ([]imap.Flag, error) {
	var flags []imap.Flag
	for _, f := range s.srv.raw.flagCandidates() {
		crit := imap.SearchCriteria{UID: []imap.UIDSet{imap.UIDSetNum(uid)}, Flag: []imap.Flag{f}}
		data, err := s.user.Search(imapserver.NumKindUID, &crit, &imap.SearchOptions{})
		if err != nil {
			return nil, err
		}
		if data.Count > 0 {
			flags = append(flags, f)
		}
	}
	return flags, nil
}
