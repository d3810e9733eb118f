package queue

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	mrand "math/rand/v2"
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

// drawSeed is the given seed, or a random one.
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
