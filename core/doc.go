// Package core is boxoffice's domain: queue tokens, performances and seats, reservations,
// wallets and payments, the rules that govern them, the ports (interfaces) through which the
// outside world is reached, and the use cases the HTTP edge and the workflows drive.
//
// It imports only the standard library. Adapters implement the ports; cmd wires them.
package core
