package httpapi

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimits bounds how fast one user and one client address may issue tokens and hold
// seats. The zero value limits nothing. Each API instance counts on its own.
type RateLimits struct {
	TokenPerUser, TokenPerAddr, HoldPerUser, HoldPerAddr Rate
}

// Rate is a sustained rate per second with a burst; zero means unlimited.
type Rate struct {
	PerSecond float64
	Burst     int
}

// DefaultRateLimits is the BOXOFFICE_RATE_LIMIT default: generous to fans, hard on scripts.
const DefaultRateLimits = "token-user=1/3,token-addr=50/100,hold-user=2/4,hold-addr=100/200"

// ParseRateLimits reads "off" or a list of name=rate/burst with the names of
// DefaultRateLimits; names left out are unlimited.
func ParseRateLimits(spec string) (RateLimits, error) {
	var l RateLimits
	if spec == "off" || spec == "" {
		return l, nil
	}
	fields := map[string]*Rate{"token-user": &l.TokenPerUser, "token-addr": &l.TokenPerAddr, "hold-user": &l.HoldPerUser, "hold-addr": &l.HoldPerAddr}
	for _, part := range strings.Split(spec, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		r, known := fields[name]
		perSecond, burst, ok2 := strings.Cut(value, "/")
		if !ok || !known || !ok2 {
			return l, fmt.Errorf("rate limit %q: want name=rate/burst with name one of token-user, token-addr, hold-user, hold-addr (or off)", part)
		}
		ps, err1 := strconv.ParseFloat(perSecond, 64)
		b, err2 := strconv.Atoi(burst)
		if err1 != nil || err2 != nil || ps <= 0 || b < 1 {
			return l, fmt.Errorf("rate limit %q: rate must be a positive number and burst a positive integer", part)
		}
		*r = Rate{PerSecond: ps, Burst: b}
	}
	return l, nil
}

// maxTrackedKeys bounds the memory of one limiter set; idle keys are forgotten first.
const maxTrackedKeys = 100_000

// limiterSet is one token bucket per key (a user id or a client address).
type limiterSet struct {
	rate Rate
	mu   sync.Mutex
	keys map[string]*rate.Limiter
}

func newLimiterSet(r Rate) *limiterSet {
	return &limiterSet{rate: r, keys: map[string]*rate.Limiter{}}
}

// wait reports how long key must wait before its next request: 0 means go ahead (and counts it).
func (s *limiterSet) wait(key string, now time.Time) time.Duration {
	if s == nil || s.rate.PerSecond == 0 {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.keys[key]
	if !ok {
		if len(s.keys) >= maxTrackedKeys {
			s.forgetIdle(now)
		}
		l = rate.NewLimiter(rate.Limit(s.rate.PerSecond), s.rate.Burst)
		s.keys[key] = l
	}
	r := l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}

// forgetIdle drops keys whose bucket has refilled (they are indistinguishable from new ones);
// if none has, it drops half, so memory stays bounded under a flood of distinct keys.
func (s *limiterSet) forgetIdle(now time.Time) {
	for k, l := range s.keys {
		if l.TokensAt(now) >= float64(s.rate.Burst) {
			delete(s.keys, k)
		}
	}
	for k := range s.keys {
		if len(s.keys) < maxTrackedKeys/2 {
			break
		}
		delete(s.keys, k)
	}
}

// limiters are the sets the edge consults.
type limiters struct {
	tokenUser, tokenAddr, holdUser, holdAddr *limiterSet
}

func newLimiters(l RateLimits) limiters {
	return limiters{
		tokenUser: newLimiterSet(l.TokenPerUser), tokenAddr: newLimiterSet(l.TokenPerAddr),
		holdUser: newLimiterSet(l.HoldPerUser), holdAddr: newLimiterSet(l.HoldPerAddr),
	}
}
