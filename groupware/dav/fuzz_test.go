package dav

import (
	"bytes"
	"testing"
)

// FuzzMergeCard: any input that reads as a card merges without error
// into a card that reads back with the same mapped fields. One exception
// is by design: an empty mobile number or business address lets a
// further mobile or work address of the card take its place.
func FuzzMergeCard(f *testing.F) {
	f.Add("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nN:B;A;;;\r\nTEL;TYPE=cell:1\r\nTEL;TYPE=cell:2\r\nPHOTO;ENCODING=b:QUJD\r\n QUJD\r\nEND:VCARD\r\n")
	f.Add("BEGIN:VCARD\nVERSION:2.1\nN;ENCODING=QUOTED-PRINTABLE:M=FCller;J=\n=FCrgen\nbroken line\nADR;WORK:;;S;C;;1;D\nEND:VCARD\n")
	f.Add("BEGIN:VCARD\r\nVERSION:4.0\r\nADR;TYPE=work;LABEL=\"x:y\":;;a\\;b;c\r\nORG:a\\,b;c\r\nEND:VCARD\r\n")
	f.Fuzz(func(t *testing.T, card string) {
		c, err := readCard(bytes.NewReader([]byte(card)))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := mergeCard(&out, bytes.NewReader([]byte(card)), c); err != nil {
			return // no END:VCARD: nothing to merge into
		}
		back, err := readCard(&out)
		if err != nil {
			t.Fatalf("merged card does not read: %v\n%q", err, out.String())
		}
		want := *c
		want.DisplayName = displayName(c)
		if c.MobilePhone == "" {
			want.MobilePhone = back.MobilePhone
		}
		if c.BusinessAddress.IsZero() {
			want.BusinessAddress = back.BusinessAddress
		}
		if !sameContact(back, &want) {
			t.Fatalf("merged card reads differently:\n got %#v\nwant %#v\n%q", *back, want, out.String())
		}
	})
}
