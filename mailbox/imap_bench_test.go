package mailbox_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/mailbox/mailtest"
)

// benchDovecot starts Dovecot with n mails bulk-loaded into INBOX and returns
// a client with INBOX selected.
func benchDovecot(b *testing.B, n int, sec mailbox.Security) (*mailtest.Dovecot, *mailbox.IMAP) {
	b.Helper()
	d := mailtest.StartDovecot(b, mailtest.DovecotOptions{})
	raws := make([][]byte, n)
	for i := range raws {
		raws[i] = testMail(i + 1)
	}
	if err := d.WriteMaildir("alice", raws); err != nil {
		b.Fatal(err)
	}
	c, err := mailbox.DialIMAP(context.Background(), dovecotEndpoint(d, sec), alice)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	if _, err := c.Select(context.Background(), "INBOX"); err != nil {
		b.Fatal(err)
	}
	return d, c
}

// BenchmarkDovecotFetchStream streams 2,000 whole mails per op with
// BODY.PEEK[] into io.Discard.
func BenchmarkDovecotFetchStream(b *testing.B) {
	for _, sec := range []mailbox.Security{mailbox.SecurityNone, mailbox.SecurityTLS} {
		b.Run(string(sec), func(b *testing.B) {
			const n = 2000
			_, c := benchDovecot(b, n, sec)
			ctx := context.Background()
			uids, err := c.SearchUnseen(ctx, time.Time{})
			if err != nil || len(uids) != n {
				b.Fatalf("%d uids, %v", len(uids), err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				err := c.FetchStream(ctx, uids, func(m *mailbox.Message) error {
					_, err := io.Copy(io.Discard, m.Body)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "mails/s")
		})
	}
}

// BenchmarkDovecotMove measures one move command (op) of a batch of UIDs in
// a 10,000-mail Maildir; the mails shuttle between INBOX and Done.
func BenchmarkDovecotMove(b *testing.B) {
	for _, batch := range []int{1, 100} {
		for _, fallback := range []bool{false, true} {
			name := fmt.Sprintf("batch=%d/move", batch)
			var opts []mailbox.IMAPOption
			if fallback {
				name = fmt.Sprintf("batch=%d/copy-store-expunge", batch)
				opts = append(opts, mailbox.WithoutMove())
			}
			b.Run(name, func(b *testing.B) {
				const n = 10000
				d, _ := benchDovecot(b, n, mailbox.SecurityTLS)
				ctx := context.Background()
				c, err := mailbox.DialIMAP(ctx, dovecotEndpoint(d, mailbox.SecurityTLS), alice, opts...)
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close()
				if err := c.CreateFolder(ctx, "Done"); err != nil {
					b.Fatal(err)
				}
				from, to := "Done", "INBOX"
				var uids []uint32
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if len(uids) == 0 {
						b.StopTimer()
						from, to = to, from
						if _, err := c.Select(ctx, from); err != nil {
							b.Fatal(err)
						}
						if uids, err = c.SearchUnseen(ctx, time.Time{}); err != nil || len(uids) == 0 {
							b.Fatalf("no mail in %s: %v", from, err)
						}
						b.StartTimer()
					}
					k := min(batch, len(uids))
					if err := c.Move(ctx, uids[:k], to); err != nil {
						b.Fatal(err)
					}
					uids = uids[k:]
				}
				b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "mails/s")
			})
		}
	}
}
