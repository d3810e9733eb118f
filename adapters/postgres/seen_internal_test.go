package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Polls only record in memory; a flush writes each token's latest time once, and a token
// written less than the resolution ago is not written again.
func TestSeenWriterCoalesces(t *testing.T) {
	var writes [][]string
	w := newSeenWriter(func(_ context.Context, ids []string, _ []time.Time) error {
		writes = append(writes, ids)
		return nil
	})
	w.flushEvery = time.Hour // flushed by hand below
	t0 := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	a, b := core.ID("a"), core.ID("b")
	for i := range 100 { // 100 polls of a, one of b
		w.mark(a, t0.Add(time.Duration(i)*time.Millisecond))
	}
	w.mark(b, t0)
	if n, err := w.flush(context.Background()); err != nil || n != 2 {
		t.Fatalf("first flush wrote %d tokens, %v; want 2", n, err)
	}
	if len(w.pending) != 0 {
		t.Fatal("pending times left after a flush")
	}
	w.mark(a, t0.Add(5*time.Second)) // within the resolution of its last write
	if n, _ := w.flush(context.Background()); n != 0 {
		t.Fatalf("a token written 5 s ago was written again (%d)", n)
	}
	w.mark(a, t0.Add(w.resolution+time.Second))
	if n, _ := w.flush(context.Background()); n != 1 {
		t.Fatalf("a token last written past the resolution was not written (%d)", n)
	}
	if len(writes) != 2 {
		t.Fatalf("%d write statements, want 2", len(writes))
	}
}

// A failed write loses nothing: the next flush writes the same times again.
func TestSeenWriterRetriesAFailedWrite(t *testing.T) {
	fail := true
	var written []string
	w := newSeenWriter(func(_ context.Context, ids []string, _ []time.Time) error {
		if fail {
			return errors.New("database down")
		}
		written = append(written, ids...)
		return nil
	})
	w.flushEvery = time.Hour // flushed by hand below
	t0 := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	w.mark("a", t0)
	if _, err := w.flush(context.Background()); err == nil {
		t.Fatal("a failed write reported no error")
	}
	w.mark("a", t0.Add(time.Second)) // within the resolution: must still be taken
	fail = false
	if n, err := w.flush(context.Background()); err != nil || n != 1 || len(written) != 1 || written[0] != "a" {
		t.Fatalf("flush after the failure wrote %v (%d, %v); want a, once", written, n, err)
	}
	if at := w.written["a"]; !at.Equal(t0.Add(time.Second)) {
		t.Fatalf("written at %v, want the later time", at)
	}
}
