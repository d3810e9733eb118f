package queue_test

import (
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core/queue"
)

// The rate holds whatever the rounds' cadence: rounds that come late admit what their time
// owes, rounds too close together for a whole fan carry the fraction, and a loop that stood
// still makes up for at most MaxCatchUp. (The first round is owed one tick.)
func TestAllowanceAdmitsAtTheRateWhateverTheRoundsCadence(t *testing.T) {
	t0 := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		rate   int
		tick   time.Duration
		rounds []time.Duration // each round's time after the start
		want   int             // fans admitted by all rounds
	}{
		{"on time, a whole batch a tick", 4, time.Second, secondsApart(10, time.Second), 40},
		{"100 ms ticks fired a second late", 5, 100 * time.Millisecond, secondsApart(10, time.Second), 45}, // 9.1 s of rate
		{"half a fan a tick", 5, 100 * time.Millisecond, secondsApart(20, 100*time.Millisecond), 10},
		{"a fan every third tick", 1, 300 * time.Millisecond, secondsApart(10, 300*time.Millisecond), 3},
		{"after a minute of standing still", 10, time.Second, []time.Duration{0, time.Minute}, 10 + 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := queue.Settings{AdmitRate: tc.rate, MaxActive: 1000, Tick: tc.tick, SessionTTL: time.Minute}
			var a queue.Allowance
			admitted := 0
			for _, at := range tc.rounds {
				var batch int
				batch, a = a.Next(s, t0.Add(at))
				if batch < 0 || a.Owed < 0 || a.Owed >= int64(time.Second) {
					t.Fatalf("round at %s: batch %d, owed %d billionths", at, batch, a.Owed)
				}
				admitted += batch
			}
			if admitted != tc.want {
				t.Fatalf("admitted %d over the rounds, want %d", admitted, tc.want)
			}
		})
	}
}

// secondsApart is n rounds, every, the first at 0.
func secondsApart(n int, every time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i) * every
	}
	return out
}
