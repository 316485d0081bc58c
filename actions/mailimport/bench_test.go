package mailimport_test

import (
	"fmt"
	"testing"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store/storetest"
)

const benchMails = 300

func benchRaws(iter int) [][]byte {
	raws := make([][]byte, benchMails)
	for i := range raws {
		raws[i] = simpleMail(muellerAddr, "info@firma.example", fmt.Sprintf("Bench %d/%d", iter, i),
			fmt.Sprintf("bench-%d-%d@kunde-mueller.example", iter, i), fmt.Sprintf("Text of mail %d of round %d.\r\nRegards", i, iter))
	}
	return raws
}

func benchImport(b *testing.B, e *env) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e.appendRaw(benchRaws(i)...)
		b.StartTimer()
		res, err := e.importOnce(false, 100)
		if err != nil || res.Imported != benchMails {
			b.Fatalf("%v %+v", err, res)
		}
	}
	b.ReportMetric(float64(b.N*benchMails)/b.Elapsed().Seconds(), "mails/s")
}

// BenchmarkImportInProcess imports batches of 300 small mails from the
// in-process server into SQLite.
func BenchmarkImportInProcess(b *testing.B) {
	benchImport(b, newEnv(b, storetest.Open(b), mailtest.IMAPOptions{}))
}

// BenchmarkImportDovecot imports batches of 300 small mails from Dovecot
// over IMAPS into SQLite.
func BenchmarkImportDovecot(b *testing.B) {
	benchImport(b, newDovecotEnv(b, storetest.Open(b), "tls"))
}

// BenchmarkImportGraph imports batches of 300 small mails from the Graph
// fake's Microsoft 365 inbox into SQLite (list, $value 4 at a time, $batch
// moves; the fake answers at once, so this is the cost on wfe's side).
func BenchmarkImportGraph(b *testing.B) {
	g := newGraphEnv(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for _, raw := range benchRaws(i) {
			g.fake.AddMessage(graphMailbox, "inbox", raw)
		}
		b.StartTimer()
		rs, err := mailimport.ImportAll(g.ctx, g.deps(), runAsLogin, mailimport.ImportOptions{MatchCode: graphMatchCode, BatchSize: 100})
		if err != nil || len(rs) != 1 || rs[0].Imported != benchMails {
			b.Fatalf("%v %+v", err, rs)
		}
	}
	b.ReportMetric(float64(b.N*benchMails)/b.Elapsed().Seconds(), "mails/s")
}
