// Package entry is the door of a sale's waiting room, which keeps a queue for people: a proof
// of work for each join (ALTCHA's protocol), a quota of joins per client address, and the access
// codes that let chosen fans in during a presale. The queue's Entrance asks the Door before it
// issues a token; operators make codes through it.
package entry
