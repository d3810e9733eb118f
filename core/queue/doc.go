// Package queue is the waiting room: queue tokens numbered without gaps, admission in sequence
// order at a rate and under a ceiling the operators set, abandonment, wait estimates and the
// fair draw at a scheduled opening.
//
// Its use cases come in three kinds, built together by New: the Entrance fans pass through
// (issue a token, poll it, prove admission to the other contexts), the operators' Control
// (statistics, admission settings, the opening), and the Admitter the admission loop runs tick
// after tick.
package queue
