// Package webhook is how the ticketing platform around boxoffice hears what happens in it:
// events, each written by the stores in the same transaction as the change it reports (an
// outbox, so nothing that committed is ever without its event), and the operators' webhook
// endpoints, to each of which a courier delivers the events it wants, in the order they
// happened, at least once, signed by the Standard Webhooks convention.
//
// Its parts, a file each: the events and their data (event.go), endpoints and their secrets
// (endpoint.go), the URLs an endpoint may have (destinations.go), deliveries and their retries
// (delivery.go), the operators' use cases (admin.go) and the courier's (courier.go).
package webhook
