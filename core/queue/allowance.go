package queue

import "time"

// Allowance turns the admission rate into each round's batch by the time since the round
// before, carrying the fraction of a fan a round could not admit over to the next: the rate
// holds however late a round comes (a Temporal server fires timers up to a second late, so a
// 100 ms tick comes about once a second), and a rate of less than one fan a tick still admits
// at that rate. It counts in whole nanoseconds, so no rounding drifts.
type Allowance struct {
	At time.Time // when the last round ran; zero before the first
	// Owed is the fraction of a fan earlier rounds could not admit, in billionths of a fan.
	Owed int64
}

// MaxCatchUp bounds the time one round makes up for (or two ticks, if longer): a loop that
// stood still (no worker ran it) does not let a flood in when it resumes.
const MaxCatchUp = 2 * time.Second

// Next is the batch of the round that runs at now under s, and the allowance after it. The
// first round is owed one tick.
func (a Allowance) Next(s Settings, now time.Time) (int, Allowance) {
	elapsed := s.Tick
	if !a.At.IsZero() {
		elapsed = max(0, now.Sub(a.At))
	}
	elapsed = min(elapsed, max(2*s.Tick, MaxCatchUp))
	owed := a.Owed + int64(s.AdmitRate)*int64(elapsed)
	return int(owed / int64(time.Second)), Allowance{At: now, Owed: owed % int64(time.Second)}
}
