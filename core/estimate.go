package core

import (
	"math"
	"time"
)

// RateWindow is the time constant of the measured admission rate: a tick's rate weighs
// 1-exp(-interval/RateWindow) in the moving average.
const RateWindow = 30 * time.Second

// MaxEstimate caps a wait estimate when admission has stalled (the ceiling is full).
const MaxEstimate = 24 * time.Hour

// priorRate is the rate estimates start from before admission has been measured: the
// configured one.
func (b *BoxOffice) priorRate() float64 { return float64(b.policy.AdmitRate) }

// admitRate is the rate estimates use: the measured one once there is one.
func (b *BoxOffice) admitRate(q Queue) float64 {
	if q.RateAt.IsZero() {
		return b.priorRate()
	}
	return q.AdmitRate
}

// estimateWait is the time to admit `ahead` fans and then this one at the measured rate,
// rounded up to the second.
func (b *BoxOffice) estimateWait(q Queue, ahead int64) time.Duration {
	rate := b.admitRate(q)
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
