package core

import (
	"math"
	"time"
)

// RateWindow is the time constant of the measured admission rate: a tick's rate weighs
// 1-exp(-interval/RateWindow) in the moving average.
const RateWindow = 30 * time.Second

// MaxEstimate is the estimate when admission has stalled (Queue.Stalled): nobody can say when
// it moves again, and the answer says so with Stalled.
const MaxEstimate = 24 * time.Hour

// settingsInForce are the admission settings the queue last recorded, or the policy's before any.
func (b *BoxOffice) settingsInForce(q Queue) AdmissionSettings {
	if q.Settings.AdmitRate == 0 {
		return b.policy.Admission
	}
	return q.Settings
}

// measuredRate is the admission rate measured over the last ticks; before the first
// measurement, the rate in force.
func (b *BoxOffice) measuredRate(q Queue) float64 {
	if q.RateAt.IsZero() {
		return float64(b.settingsInForce(q).AdmitRate)
	}
	return q.AdmitRate
}

// estimateWait is the time to admit `ahead` fans and then this one, rounded up to the second:
// at the measured rate, but never faster than the rate in force allows, so an operator's
// slowdown shows from the next answer. A stalled queue gets MaxEstimate.
func (b *BoxOffice) estimateWait(q Queue, ahead int64, now time.Time) time.Duration {
	if q.Stalled(now) {
		return MaxEstimate
	}
	rate := min(b.measuredRate(q), float64(b.settingsInForce(q).AdmitRate))
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
func nextAdmitRate(before Queue, res AdmissionResult, prior float64, now time.Time) float64 {
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
