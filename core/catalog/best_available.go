package catalog

import "slices"

// SeatWish is what a fan asks of a performance without choosing seats: a quantity of the best
// available, in one section or in any, and, if together, on consecutive seat numbers inside one
// section.
type SeatWish struct {
	Quantity int
	Section  string // empty: any section
	Together bool
}

// BestAvailable picks the seats a wish gets, given which seats are free: in the section asked,
// or else in the first section (by first seat) that can satisfy it, the lowest-numbered free
// seats, or with Together the lowest-numbered run of Quantity consecutive free seats. It returns
// nil and the most seats the wish could have had (with Together, the longest run of
// consecutive free seats in an eligible section) when no section can satisfy it. PostgreSQL's
// claim_best_available (sql/functions/orders.sql) decides the same rule in its statements.
func (p Performance) BestAvailable(w SeatWish, free func(seat int) bool) (seats []int, available int) {
	for _, s := range p.Sections {
		if w.Section != "" && s.Name != w.Section {
			continue
		}
		got, most := s.bestAvailable(w, free)
		if got != nil {
			return got, len(got)
		}
		available = max(available, most)
	}
	return nil, available
}

// bestAvailable is BestAvailable within one section: the seats, or nil and the most it offers.
func (s Section) bestAvailable(w SeatWish, free func(seat int) bool) ([]int, int) {
	var picked []int
	longest := 0
	for n := s.FirstSeat; n <= s.LastSeat; n++ {
		if !free(n) {
			if w.Together {
				picked = picked[:0]
			}
			continue
		}
		picked = append(picked, n)
		longest = max(longest, len(picked))
		if len(picked) == w.Quantity {
			return slices.Clone(picked), w.Quantity
		}
	}
	return nil, longest
}
