// Package catalog is what is on sale: performances, each a date with seats 1..N, and what fans
// see of those seats. A seat's claim (who holds it, until when, or that it is sold) is the
// arbiter of every race for it; booking takes claims, catalog shows them.
package catalog
