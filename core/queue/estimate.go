package queue

import (
	"math"
	"time"
)

// RateWindow is the time constant of the measured admission rate: a tick's rate weighs
// 1-exp(-interval/RateWindow) in the moving average.
const RateWindow = 30 * time.Second

// MaxEstimate is the estimate when admission has stalled (Queue.Stalled): nobody can say when
// it moves again, and the answer says so.
const MaxEstimate = 24 * time.Hour

// inForce is the admission settings q last recorded, or seed before any.
func (q Queue) inForce(seed Settings) Settings {
	if q.Settings.AdmitRate == 0 {
		return seed
	}
	return q.Settings
}

// MeasuredRate is the admission rate measured over the last ticks; before the first
// measurement, the rate in force (seed before any was recorded).
func (q Queue) MeasuredRate(seed Settings) float64 {
	if q.RateAt.IsZero() {
		return float64(q.inForce(seed).AdmitRate)
	}
	return q.AdmitRate
}

// EstimateWait is the time to admit `ahead` fans and then this one, rounded up to the second:
// at the measured rate, but never faster than the rate in force allows, so an operator's
// slowdown shows from the next answer. A stalled queue gets MaxEstimate.
func (q Queue) EstimateWait(ahead int64, seed Settings, now time.Time) time.Duration {
	if q.Stalled(now) {
		return MaxEstimate
	}
	rate := min(q.MeasuredRate(seed), float64(q.inForce(seed).AdmitRate))
	secs := float64(ahead+1) / rate
	if rate <= 0 || secs >= MaxEstimate.Seconds() {
		return MaxEstimate
	}
	return time.Duration(math.Ceil(secs)) * time.Second
}

// nextAdmitRate folds one tick into the moving average of fans admitted per second. Only ticks
// that leave fans waiting in an open queue measure how fast the queue moves: a tick that drains
// the queue admitted everyone there was, which says nothing of its pace, and a closed queue
// admits nobody; those ticks only restart the interval. The first measured tick has no interval
// yet; the average starts from prior.
func nextAdmitRate(before Queue, res Result, prior float64, now time.Time) float64 {
	rate := before.AdmitRate
	if before.RateAt.IsZero() {
		rate = prior
	}
	dt := now.Sub(before.RateAt)
	if res.Waiting == 0 || !before.Open(now) || before.RateAt.IsZero() || dt <= 0 {
		return rate
	}
	measured := float64(res.Admitted) / dt.Seconds()
	alpha := 1 - math.Exp(-dt.Seconds()/RateWindow.Seconds())
	return rate + alpha*(measured-rate)
}
