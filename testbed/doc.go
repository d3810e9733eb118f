// Package testbed holds, in its subpackages, the real parts tests and tools start on loopback:
// the Temporal CLI's dev server and its helpers (temporaltest), a Temporal server built from
// source (temporalserver), PgBouncer (pgbouncer), HAProxy (haproxy), the processes they run as
// (process) and the ports they listen on (freeport, which `boxoffice dev` uses for its own
// dev server too). They are public so that the measuring tools, a module of their own
// (tools/), can start the same parts as boxoffice's own tests.
package testbed
