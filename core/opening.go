package core

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	mrand "math/rand/v2"
	"time"
)

// DrawOrder is the opening draw: for the n early tokens in arrival order, the place in line
// (1..n) each is given. It is a uniformly random permutation (Fisher–Yates over a PCG stream)
// determined by seed alone, so the draw can be replayed from the recorded seed.
func DrawOrder(n int64, seed int64) []int64 {
	places := make([]int64, n)
	for i := range places {
		places[i] = int64(i) + 1
	}
	r := mrand.New(mrand.NewPCG(uint64(seed), drawStream))
	r.Shuffle(len(places), func(i, j int) { places[i], places[j] = places[j], places[i] })
	return places
}

// drawStream fixes the PCG stream, so the seed is the draw's only input.
const drawStream = 0x626f786f66666963 // "boxoffic"

// ScheduleOpening sets when the sale opens. Fans who take a token before then are placed in
// line by a random draw at the opening; later arrivals queue behind them in order. seed nil
// draws a random seed; it is recorded either way. The opening can be moved until the queue
// opens, but not scheduled on a queue already running first come, first served.
func (b *BoxOffice) ScheduleOpening(ctx context.Context, at time.Time, seed *int64) (Queue, error) {
	if !at.After(b.ports.Clock.Now()) {
		return Queue{}, invalidField("opens_at", "must be in the future")
	}
	s, err := drawSeed(seed)
	if err != nil {
		return Queue{}, err
	}
	if err := b.ports.Tokens.ScheduleOpening(ctx, at.UTC().Truncate(time.Microsecond), s); err != nil {
		return Queue{}, fmt.Errorf("schedule opening: %w", err)
	}
	return b.refreshQueue(ctx)
}

func drawSeed(seed *int64) (int64, error) {
	if seed != nil {
		return *seed, nil
	}
	var buf [8]byte
	if _, err := rand.Read(buf[:]); err != nil {
		return 0, fmt.Errorf("draw a seed: %w", err)
	}
	return int64(binary.LittleEndian.Uint64(buf[:]) >> 1), nil
}
